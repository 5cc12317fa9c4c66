"""BM25-style sparse vectors with per-language Snowball stemming.

Qdrant Edge ships a BM25 embedder (tokeniser, stopwords, Snowball stemmer,
murmur-hashed token ids). We use it for *both* engines so that an index can
move between Qdrant Edge and a Qdrant server without re-encoding. Documents get
term-frequency weights (k, b, avg_len); the IDF part is applied by Qdrant via
the ``Modifier.Idf`` of the ``sparse`` vector, so it stays correct as the
collection grows.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from qdrant_edge import Bm25, Bm25Config

from core.language import SNOWBALL_LANGUAGE

__all__ = ["STEMMER_LANGUAGES", "SparseEncoder", "SparseVec"]

_WORD = re.compile(r"\w+")

# ISO 639-1 -> Snowball language name understood by Bm25Config (one table, in core.language).
STEMMER_LANGUAGES = SNOWBALL_LANGUAGE


@dataclass(frozen=True, slots=True)
class SparseVec:
    indices: list[int]
    values: list[float]

    def __len__(self) -> int:
        return len(self.indices)


class SparseEncoder:
    """Encodes text to sparse vectors, choosing the stemmer by language."""

    def __init__(self, *, avg_len: float = 220.0, fallback_language: str = "en") -> None:
        self._avg_len = avg_len
        self._fallback = fallback_language
        self._models: dict[str, Bm25] = {}
        self._lock = threading.Lock()

    def _model(self, lang: str | None) -> Bm25:
        lang = lang if lang in STEMMER_LANGUAGES else self._fallback
        with self._lock:
            model = self._models.get(lang)
            if model is None:
                model = Bm25(Bm25Config(language=STEMMER_LANGUAGES[lang], avg_len=self._avg_len))
                self._models[lang] = model
        return model

    def encode_document(self, text: str, lang: str | None) -> SparseVec:
        vec = self._model(lang).embed_document(text)
        return SparseVec(list(vec.indices), list(vec.values))

    def encode_query(self, text: str, lang: str | None) -> SparseVec:
        vec = self._model(lang).embed_query(text)
        return SparseVec(list(vec.indices), list(vec.values))

    def encode_crosslingual_query(self, text: str, *, query_lang: str | None, doc_lang: str | None) -> SparseVec:
        """The query as terms of documents in another language: the words its *own* language ignores are dropped first.

        Across languages only names, numbers and cognates can match, and the document
        language's stopword list does not know the query's function words: English "the",
        "of" or "what" would otherwise become rare, heavily weighted terms in a German index
        and pull up any German page that quotes an English title (measured in README,
        "Retrieval quality").
        """
        kept = " ".join(word for word in _WORD.findall(text) if not self._is_stopword(word, query_lang))
        return self.encode_query(kept, doc_lang) if kept else SparseVec([], [])

    def _is_stopword(self, word: str, lang: str | None) -> bool:
        """A word the language's BM25 drops (stopword, too short); cached, queries repeat their words."""
        return _ignored(self._model(lang), word.lower())


@lru_cache(maxsize=65536)
def _ignored(model: Bm25, word: str) -> bool:
    return len(model.embed_query(word).indices) == 0
