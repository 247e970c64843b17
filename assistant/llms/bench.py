"""Speed of the local model on this machine: load time, time to first token, tokens/s.

Usage: python -m assistant.llms.bench [--prompt-tokens 600] [--max-tokens 120] [--runs 2]

Builds a grounded prompt of about --prompt-tokens tokens (a system message with passages
and a question), streams the answer through LocalChat and reports, per run: prompt
tokens, seconds to the first token (prompt reading), generated tokens and generation
speed. Uses the settings of this process (ASSISTANT_* / .env) for the model file,
context size and threads; the timeout is lifted.
"""

from __future__ import annotations

import argparse
import time

from assistant.llms.local import LocalChat, _load, chatml
from assistant.settings import get_settings

FILLER = (
    "Commissioners should bring together the joint strategic needs assessment, the views of "
    "children, young people and families, and the evidence of what works, before deciding "
    "which services to buy. Outcomes should be agreed with providers and reviewed each year. "
)
FACT = "Children referred to the service should start treatment within eighteen weeks of referral. "
QUESTION = (
    "In about 100 words: what do the passages say commissioners should do, and what is the "
    "longest a referred child should wait to start treatment?"
)


def build_messages(llm, prompt_tokens: int) -> list[dict[str, str]]:
    """A grounded prompt whose ChatML rendering is about ``prompt_tokens`` tokens long."""
    passages = FACT
    while True:
        messages = [
            {"role": "system", "content": "Answer only from the passages below, citing them as [1].\n\n"
             "Passages:\n[1] " + passages},
            {"role": "user", "content": QUESTION},
        ]
        if count_tokens(llm, messages) >= prompt_tokens:
            return messages
        passages += FILLER


def count_tokens(llm, messages) -> int:
    return len(llm._model.tokenize(chatml(messages).encode("utf-8"), special=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompt-tokens", type=int, default=600)
    parser.add_argument("--max-tokens", type=int, default=150)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    settings = get_settings().model_copy(update={"llm_timeout": 3600.0})
    client = LocalChat(settings)
    started = time.perf_counter()
    client.warm_up()
    print(f"model: {client.model_file}")
    print(f"load: {time.perf_counter() - started:.2f} s (context {settings.local_context}, "
          f"threads {settings.local_threads or 'all'})")
    llm = _load(settings).llm
    messages = build_messages(llm, args.prompt_tokens)
    n_prompt = count_tokens(llm, messages)

    for run in range(1, args.runs + 1):
        # A different first passage each run, so llama.cpp cannot reuse the cached prompt.
        varied = [{**messages[0], "content": f"(run {run}) " + messages[0]["content"]}, messages[1]]
        started = time.perf_counter()
        first = None
        pieces = []
        for piece in client.stream_chat(varied, max_tokens=args.max_tokens):
            if first is None:
                first = time.perf_counter() - started
            pieces.append(piece)
        total = time.perf_counter() - started
        text = "".join(pieces)
        n_out = len(llm._model.tokenize(text.encode("utf-8"), add_bos=False))
        gen_seconds = max(total - (first or total), 1e-9)
        print(
            f"run {run}: prompt {n_prompt} tokens, first token {first:.2f} s "
            f"({n_prompt / first:.0f} prompt tokens/s), {n_out} tokens in {gen_seconds:.2f} s "
            f"after it ({max(n_out - 1, 0) / gen_seconds:.1f} tokens/s), total {total:.2f} s"
        )
        print(f"  answer: {text.strip()[:200]!r}")


if __name__ == "__main__":
    main()
