// The upload job page, kept up to date: asks GET /api/jobs/{id} every second and shows
// the state, percent and step; once the job has finished it reloads the page, which then
// shows the result (and a link to the document). Without JavaScript the page has a
// Refresh link instead. Loaded as a module by job.html only (the CSP allows no inline script).

const POLL_MS = 1000;
const TAGS = {
  queued: ["Waiting", "govuk-tag--grey"],
  running: ["In progress", "govuk-tag--blue"],
  done: ["Done", "govuk-tag--green"],
  failed: ["Failed", "govuk-tag--red"],
};

function show(box, job) {
  const tag = box.querySelector("[data-job-tag]");
  if (tag) {
    const [text, colour] = TAGS[job.state] || TAGS.queued;
    tag.textContent = text;
    tag.className = `govuk-tag ${colour}`;
  }
  const bar = box.querySelector("progress");
  if (bar) {
    bar.value = job.progress;
    bar.textContent = `${job.progress}%`;
  }
  const percent = box.querySelector("[data-job-percent]");
  if (percent) percent.textContent = `${job.progress}%`;
  const stage = box.querySelector("[data-job-stage]");
  // Only a new step is announced (the region is role=status), not every percent.
  if (stage && stage.textContent !== job.stage) stage.textContent = job.stage;
}

function follow(box) {
  const url = box.dataset.jobUrl;
  const refresh = document.querySelector("[data-job-refresh]");
  if (refresh) refresh.hidden = true;
  let failures = 0;

  async function poll() {
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const job = await response.json();
      failures = 0;
      show(box, job);
      if (job.state === "done" || job.state === "failed") {
        window.location.reload();
        return;
      }
    } catch (error) {
      failures += 1;
      if (failures >= 5) {
        // Give up quietly and let people refresh by hand.
        if (refresh) refresh.hidden = false;
        return;
      }
    }
    window.setTimeout(poll, POLL_MS);
  }

  window.setTimeout(poll, POLL_MS);
}

const box = document.querySelector("[data-job-url]:not([data-job-finished])");
if (box) follow(box);
