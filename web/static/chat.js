// The chat, improved: the answer streams in instead of the page reloading.
//
// Without JavaScript the question form posts to /ask and the server shows the
// conversation. With it, this module sends the question to POST /api/ask/stream (with the
// session's X-CSRF-Token) and reads the server-sent events as they come: `status` (search
// done), `token` (a language model's draft), `sentence` (a verified sentence), then
// `answer` (stored) or `error`. The final answer is then shown exactly as the conversation
// page shows it: its HTML comes from the server (/conversations/ID/turns/TURN), which
// escapes every document and user text. Text that arrives here is only ever set with
// textContent. The answer being written has data-state="waiting", then "streaming";
// the finished one "done" (or "error").
import { initAll } from "/govuk/govuk-frontend.min.js";

const form = document.querySelector("form[data-app-ask]");
const turns = document.getElementById("turns");
const announcer = document.getElementById("ask-status");

if (form && turns && window.fetch && window.TextDecoderStream) {
  form.addEventListener("submit", onSubmit);
}

function csrfToken() {
  const field = form.querySelector("input[name=csrf_token]");
  if (field) return field.value;
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function question() {
  return form.querySelector("textarea[name=question]");
}

function requestBody() {
  const data = new FormData(form);
  const body = {
    question: String(data.get("question") || ""),
    doc_ids: data.getAll("doc").map(String),
    kinds: data.getAll("kind").map(String),
  };
  if (data.get("backend")) body.backend = String(data.get("backend"));
  if (data.get("conversation_id")) body.conversation_id = String(data.get("conversation_id"));
  return body;
}

function announce(text) {
  if (announcer) announcer.textContent = text;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// --- the answer being written ------------------------------------------------------

let pending = 0;

function startTurn(text) {
  pending += 1;
  const id = `pending-${pending}`;
  const turn = element("section", "app-turn app-turn--pending");
  turn.id = id;
  turn.dataset.state = "waiting";
  turn.dataset.events = "0";
  turn.setAttribute("aria-labelledby", `${id}-question`);
  turn.setAttribute("aria-busy", "true");
  const heading = element("h2", "govuk-heading-m app-turn__question", text);
  heading.id = `${id}-question`;
  const status = element("p", "govuk-body-s app-muted app-turn__status", "Searching the documents…");
  const draft = element("div", "app-answer app-answer--draft");
  turn.append(heading, status, draft);
  turns.append(turn);
  turn.scrollIntoView({ block: "nearest" });
  announce("Searching the documents…");
  return { turn, status, draft, tokens: null };
}

function streaming(view) {
  view.turn.dataset.state = "streaming";
  view.turn.dataset.events = String(Number(view.turn.dataset.events) + 1);
}

function onToken(view, data) {
  if (!view.tokens) {
    view.status.textContent = "Writing the answer (a draft: each sentence is checked against the documents before it is shown as the answer)…";
    view.tokens = element("p", "govuk-body app-answer__draft-text");
    view.draft.append(view.tokens);
  }
  view.tokens.textContent += data.text;
}

function onSentence(view, data) {
  const marks = (data.cites || []).map((n) => `[${n}]`).join("");
  view.draft.append(element("p", "govuk-body app-answer__sentence", marks ? `${data.text} ${marks}` : data.text));
}

function fail(view, message) {
  view.turn.dataset.state = "error";
  view.turn.removeAttribute("aria-busy");
  view.status.remove();
  const box = element("div", "govuk-error-summary app-turn__error");
  box.setAttribute("role", "alert");
  box.append(element("h3", "govuk-error-summary__title", "There is a problem"),
    element("p", "govuk-body", message));
  view.turn.append(box);
  announce(message);
}

async function finish(view, data) {
  const url = `/conversations/${encodeURIComponent(data.conversation_id)}`;
  view.status.textContent = "Answered.";
  let shown = null;
  try {
    const response = await fetch(`${url}/turns/${encodeURIComponent(data.turn_id)}`,
      { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (response.ok) {
      const template = document.createElement("template");
      template.innerHTML = (await response.text()).trim();  // server-rendered, escaped
      shown = template.content.firstElementChild;
    }
  } catch (error) {
    shown = null;
  }
  if (shown) {
    view.turn.replaceWith(shown);
    initAll({ scope: shown });
  } else {  // keep what streamed, and point at the stored answer
    view.turn.dataset.state = "done";
    view.turn.removeAttribute("aria-busy");
    const link = element("a", "govuk-link", "Open the answer with its sources");
    link.href = url;
    const line = element("p", "govuk-body");
    line.append(link);
    view.turn.append(line);
  }
  continueConversation(data.conversation_id, url);
  announce(data.refused ? "The documents do not cover this question; the nearest passages are listed."
    : "The answer is ready, with its sources below it.");
}

// After the first answer the page is that conversation: follow-ups continue it, and a
// reload (or the address bar) shows it from the server.
function continueConversation(conversationId, url) {
  let field = form.querySelector("input[name=conversation_id]");
  if (!field) {
    field = element("input");
    field.type = "hidden";
    field.name = "conversation_id";
    form.prepend(field);
  }
  field.value = conversationId;
  const label = form.querySelector("label[for=question]");
  if (label) label.textContent = "Ask a follow-up question";
  const hint = document.getElementById("question-hint");
  if (hint) hint.textContent = "It can build on the questions above, for example: and who chairs it?";
  const box = question();
  box.value = "";
  box.dispatchEvent(new Event("input"));  // the character count
  if (window.location.pathname !== url) window.history.replaceState(null, "", url);
}

// --- server-sent events --------------------------------------------------------------

function parseEvent(block) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (!data.length) return null;
  try {
    return { name, data: JSON.parse(data.join("\n")) };
  } catch (error) {
    return null;
  }
}

async function handle(view, event) {
  streaming(view);
  switch (event.name) {
    case "status":
      view.status.textContent = event.data.message;
      announce(event.data.message);
      return false;
    case "token":
      onToken(view, event.data);
      return false;
    case "sentence":
      onSentence(view, event.data);
      return false;
    case "answer":
      await finish(view, event.data);
      return true;
    case "error":
      fail(view, event.data.detail || "The answer could not be completed. Please try again.");
      return true;
    default:
      return false;
  }
}

async function problem(response) {
  if (response.status === 401) return "You are signed out. Reload the page to sign in again, then ask again.";
  try {
    const body = await response.json();
    if (body && body.detail) return String(body.detail);
  } catch (error) {
    // not JSON: say what happened
  }
  return `The question could not be answered (error ${response.status}). Please try again.`;
}

async function streamAnswer(body, view) {
  const response = await fetch("/api/ask/stream", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream", "X-CSRF-Token": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok || !response.body) {
    fail(view, await problem(response));
    return;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let finished = false;
  while (!finished) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, "\n");
    let cut;
    while (!finished && (cut = buffer.indexOf("\n\n")) !== -1) {
      const event = parseEvent(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (event) finished = await handle(view, event);
    }
  }
  if (!finished) fail(view, "The answer stopped before it was complete. Please try again.");
}

async function onSubmit(event) {
  const body = requestBody();
  if (!body.question.trim()) return;  // the server explains, with the error summary
  event.preventDefault();
  if (form.dataset.busy) return;
  form.dataset.busy = "true";
  const view = startTurn(body.question.trim());
  try {
    await streamAnswer(body, view);
  } catch (error) {
    fail(view, "The answer could not be fetched. Check your connection and try again.");
  } finally {
    delete form.dataset.busy;
  }
}
