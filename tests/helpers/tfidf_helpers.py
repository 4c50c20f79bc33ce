"""Test helpers for the TF-IDF building blocks: an encoder's row as scikit-learn would give it."""

from __future__ import annotations

import numpy as np

from bot.core.tfidf import QueryEncoder


def dense_row(encoder: QueryEncoder, doc: object) -> np.ndarray:
    """The l2-normalised TF-IDF row of one document, dense, as `TfidfVectorizer.transform([doc]).toarray()`."""
    row = np.zeros((1, encoder.width), dtype=np.float32)
    indices, values = encoder.weights(doc)
    row[0, indices] = values
    return row
