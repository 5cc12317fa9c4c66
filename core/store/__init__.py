"""The store interface and its two engines; :func:`open_store` picks one from settings."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from core.store.base import DENSE, PAYLOAD_INDEXES, SENTENCES, SPARSE, Hit, PointData, Prefetch, Store, StoreInfo

__all__ = ["COLLECTIONS", "DENSE", "PAYLOAD_INDEXES", "SENTENCES", "SPARSE", "Hit", "PointData", "Prefetch", "Store", "StoreInfo", "open_store", "sentence_weight"]


COLLECTIONS = ("chunks", "exchanges")


def open_store(settings: Settings, *, collection: str = "chunks", index_path: Path | None = None) -> Store:
    """Qdrant Edge under the index path, or a Qdrant server when ``qdrant_url`` is set.

    The index holds two collections: ``chunks`` (passages) and ``exchanges``
    (records of past exchanges). On Qdrant Edge each is a shard directory
    inside the index directory; on a server each is a collection named
    ``{settings.collection}_{collection}``. ``qdrant_url`` may also be
    ``:memory:`` or ``local:DIR`` for qdrant-client's in-process mode (tests of
    the server code path).
    """
    if collection not in COLLECTIONS:
        raise ValueError(f"unknown collection {collection!r}")
    if settings.qdrant_url:
        from core.store.client import ClientStore

        url = settings.qdrant_url
        url = url.removeprefix("local:")
        if url != ":memory:" and not url.startswith(("http://", "https://")):
            url = str(Path(url) / collection)  # qdrant-client local mode locks its folder per client
        return ClientStore.from_url(
            url,
            f"{settings.collection}_{collection}",
            api_key=settings.qdrant_api_key,
            prefer_grpc=settings.qdrant_prefer_grpc,
            timeout=settings.qdrant_timeout_s,
            shard_number=settings.shard_number,
            replication_factor=settings.replication_factor,
            write_consistency_factor=settings.write_consistency_factor,
            quantization=settings.quantization,
        )
    from core.store.edge import EdgeStore

    return EdgeStore(Path(index_path or settings.index_path) / collection, quantization=settings.quantization)


def sentence_weight(settings: Settings) -> float | None:
    """What a new chunks collection is created with: the sentence-vector weight, or None without them."""
    return settings.sentence_weight if settings.sentence_vectors else None
