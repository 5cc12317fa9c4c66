"""The sparse side of a cross-lingual query: what an English question may match in German documents."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np

from core.sparse import SparseEncoder
from core.store import PointData, Prefetch, open_store
from tests.conftest import make_settings

ENCODER = SparseEncoder()


def _terms(vec) -> set[int]:  # type: ignore[no-untyped-def]
    return set(vec.indices)


def test_the_query_languages_stopwords_are_dropped_before_stemming_for_another_language() -> None:
    vec = ENCODER.encode_crosslingual_query("What is the name of the river in Kisumu?", query_lang="en", doc_lang="de")
    assert _terms(vec) == _terms(ENCODER.encode_query("name river Kisumu", "de"))
    # German's own stopword list keeps English function words, which is what went wrong before:
    assert _terms(ENCODER.encode_query("What is the", "de"))

    french = ENCODER.encode_crosslingual_query("Quelle est la date limite pour Kisumu ?", query_lang="fr", doc_lang="de")
    assert _terms(french) == _terms(ENCODER.encode_query("Quelle date limite Kisumu", "de"))


def test_a_query_of_function_words_only_has_no_crosslingual_terms() -> None:
    assert len(ENCODER.encode_crosslingual_query("What is it about?", query_lang="en", doc_lang="de")) == 0


def test_english_function_words_do_not_pull_up_a_german_page_that_quotes_an_english_title(tmp_path: Path) -> None:
    docs = {
        "title": "Bericht zum Workshop „The Future of the City“ in Kiel mit Fachleuten aus der Verwaltung.",
        "kisumu": "Hochwasser in Kisumu: ein Frühwarnsystem mit Sensoren am Fluss Nyando.",
    }
    store = open_store(make_settings(tmp_path))
    try:
        store.ensure(4)
        store.upsert([
            PointData(id=str(uuid.uuid5(uuid.NAMESPACE_URL, key)), dense=np.array([1, 0, 0, 0], dtype=np.float32),
                      sparse=ENCODER.encode_document(text, "de"), payload={"doc_id": key, "language": "de"})
            for key, text in docs.items()
        ])
        store.flush()
        query = "What is the state of the flood warning in Kisumu?"
        hits = store.query([Prefetch("sparse", ENCODER.encode_crosslingual_query(query, query_lang="en", doc_lang="de"))],
                           limit=2)
        assert [h.payload["doc_id"] for h in hits] == ["kisumu"]
        # Stemmed as German without dropping English stopwords, "the" and "of" put the title page first.
        naive = store.query([Prefetch("sparse", ENCODER.encode_query(query, "de"))], limit=2)
        assert naive[0].payload["doc_id"] == "title"
    finally:
        store.close()
