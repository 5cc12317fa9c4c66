"""The answer chain compares on the calibrated part of the vectors, whichever embedder the index uses."""

from __future__ import annotations

import numpy as np

from agents.similarity import Similarity
from core.embedders import get_embedder
from core.settings import Settings

QUESTION = "Which cities take part in the nature-based solutions learning process?"
SENTENCES = [
    "Die Jury hat am 26. Juni 2026 sechs Tandems ausgewählt: Bonn – Kisumu, Jena – Cuenca.",
    "Two fire engines donated by the Cologne fire brigade arrived in Kampala in January 2026.",
]


def test_an_ensemble_gives_the_first_models_cosines() -> None:
    """Grounding and judge thresholds were calibrated on e5-small: with e5+use-m3 they must see e5 cosines."""
    e5 = Similarity(get_embedder(Settings(embedder="e5-small")))
    ensemble_embedder = get_embedder(Settings(embedder="e5+use-m3"))
    ensemble = Similarity(ensemble_embedder)
    expected = e5.sentence_vectors(SENTENCES) @ e5.query_vector(QUESTION)
    got = ensemble.sentence_vectors(SENTENCES) @ ensemble.query_vector(QUESTION)
    np.testing.assert_allclose(got, expected, atol=1e-4)
    # ... while the full ensemble vectors (what the index searches with) rank by a different similarity.
    full = ensemble_embedder.embed_passages(SENTENCES) @ ensemble_embedder.embed_query(QUESTION)
    assert not np.allclose(full, expected, atol=1e-3)


def test_a_single_model_is_compared_whole() -> None:
    embedder = get_embedder(Settings(embedder="e5-small"))
    assert embedder.calibrated_columns is None
    similarity = Similarity(embedder)
    np.testing.assert_allclose(similarity.query_vector(QUESTION), embedder.embed_query(QUESTION), atol=1e-6)
