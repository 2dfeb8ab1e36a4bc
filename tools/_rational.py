"""The fitting step shared by the tools that derive keras_acts's rational functions."""

from __future__ import annotations

import numpy as np


def fit_relative(z: np.ndarray, f: np.ndarray, p: int, q: int, rounds: int):
    """``P / Q`` of degrees ``p`` and ``q`` with ``Q(0) = 1`` (coefficients lowest first)
    fitted to ``f`` at the nodes ``z`` on the relative error: iterated reweighted linear
    least squares (Sanathanan & Koerner 1963), each round solving ``P - f Q = 0``
    weighted by ``1 / (f Q_previous)``."""
    weight = np.ones_like(z)
    for _ in range(rounds):
        rows = np.hstack([np.vander(z, p + 1, increasing=True),
                          -f[:, None] * np.vander(z, q + 1, increasing=True)[:, 1:]])
        solution, *_ = np.linalg.lstsq(rows * (weight / f)[:, None], weight, rcond=None)
        numerator, denominator = solution[:p + 1], np.concatenate([[1.0], solution[p + 1:]])
        weight = 1 / np.abs(np.polynomial.polynomial.polyval(z, denominator))
    return numerator, denominator
