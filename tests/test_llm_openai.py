"""The OpenAI-compatible client against a real HTTP server on loopback.

The server is a small FastAPI app (run by uvicorn in a background thread) that speaks
POST /v1/chat/completions, streaming (server-sent events) and not. Its reply is derived
from the request, and the model name picks a behaviour: "echo" answers at once, "slow"
sleeps before answering, "trickle" sends its pieces slowly, "broken" answers HTTP 500.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.llms.base import LLMError
from assistant.llms.openai_like import OpenAIChat

SLOW_SECONDS = 3.0


def reply_for(body: dict) -> str:
    """What the fake model says: derived from the last user message and max_tokens."""
    question = next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), "")
    return f"You asked: {question} (max_tokens={body.get('max_tokens')})"


def pieces(text: str) -> list[str]:
    """Split into word-sized pieces that join back to ``text``."""
    words = text.split(" ")
    return [w + " " for w in words[:-1]] + [words[-1]]


def make_app() -> FastAPI:
    app = FastAPI()
    app.state.requests = []

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request):
        body = await request.json()
        app.state.requests.append(body)
        model = body.get("model", "")
        if model == "broken":
            return JSONResponse({"error": {"message": "the model fell over"}}, status_code=500)
        if model == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        text = reply_for(body)
        base = {"id": "chatcmpl-test", "created": 0, "model": model}
        if not body.get("stream"):
            return {
                **base,
                "object": "chat.completion",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }

        async def events():
            for i, piece in enumerate(pieces(text)):
                if model == "trickle":
                    await asyncio.sleep(0.3)
                delta = {"content": piece}
                if i == 0:
                    delta["role"] = "assistant"
                chunk = {
                    **base,
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                }
                yield f"data: {json.dumps(chunk)}\n\n"
            end = {
                **base,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
            yield f"data: {json.dumps(end)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


@pytest.fixture(scope="module")
def server():
    """The fake server on a free loopback port; yields (base_url, app)."""
    app = make_app()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1, lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "fake server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/v1", app
    srv.should_exit = True
    thread.join(timeout=5)
    sock.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


MESSAGES = [
    {"role": "system", "content": "Answer from the passage only."},
    {"role": "user", "content": "How long is the waiting time?"},
]


def test_streams_the_servers_reply(server, make_settings):
    url, app = server
    client = OpenAIChat(make_settings(backend="openai", openai_base_url=url, openai_model="echo", llm_timeout=10))
    assert client.name == "openai"

    got = list(client.stream_chat(MESSAGES, max_tokens=42))

    expected = "You asked: How long is the waiting time? (max_tokens=42)"
    assert "".join(got) == expected
    assert len(got) == len(pieces(expected)) > 1  # streamed piece by piece, not in one go
    sent = app.state.requests[-1]
    assert sent["stream"] is True
    assert sent["model"] == "echo"
    assert sent["max_tokens"] == 42
    assert sent["messages"] == MESSAGES


def test_server_also_answers_without_streaming(server, make_settings):
    """The fake server's non-streaming path, through the same llama-index client."""
    from llama_index.core.base.llms.types import ChatMessage

    url, _ = server
    client = OpenAIChat(make_settings(openai_base_url=url, openai_model="echo", llm_timeout=10))
    response = client._client().chat([ChatMessage(role="user", content="hello")], max_tokens=7)
    assert response.message.content == "You asked: hello (max_tokens=7)"


def test_unreachable_server_raises_quickly_naming_the_url(make_settings):
    url = f"http://127.0.0.1:{free_port()}/v1"
    client = OpenAIChat(make_settings(openai_base_url=url, llm_timeout=2))

    started = time.monotonic()
    with pytest.raises(LLMError) as caught:
        list(client.stream_chat(MESSAGES, max_tokens=20))

    assert time.monotonic() - started < 5
    assert url in str(caught.value)
    assert "reach" in str(caught.value)


def test_server_slower_than_the_timeout_raises(server, make_settings):
    url, _ = server
    client = OpenAIChat(make_settings(openai_base_url=url, openai_model="slow", llm_timeout=1))

    started = time.monotonic()
    with pytest.raises(LLMError) as caught:
        list(client.stream_chat(MESSAGES, max_tokens=20))

    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < SLOW_SECONDS
    assert url in str(caught.value)
    assert "1 s" in str(caught.value)


def test_stream_that_trickles_past_the_timeout_is_cut_off(server, make_settings):
    url, _ = server
    client = OpenAIChat(make_settings(openai_base_url=url, openai_model="trickle", llm_timeout=1))

    got: list[str] = []
    started = time.monotonic()
    with pytest.raises(LLMError, match="longer than 1 s"):
        for piece in client.stream_chat(MESSAGES, max_tokens=20):
            got.append(piece)

    assert time.monotonic() - started < 2.5
    assert 0 < len(got) < len(pieces(reply_for({"messages": MESSAGES, "max_tokens": 20})))


def test_http_error_raises_naming_the_url_and_status(server, make_settings):
    url, _ = server
    client = OpenAIChat(make_settings(openai_base_url=url, openai_model="broken", llm_timeout=5))

    with pytest.raises(LLMError) as caught:
        list(client.stream_chat(MESSAGES, max_tokens=20))

    assert url in str(caught.value)
    assert "500" in str(caught.value)
