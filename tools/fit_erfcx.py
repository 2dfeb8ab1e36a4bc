"""Fit the rational approximation of erfcx(z) = exp(z^2) erfc(z) that keras_acts's float32
GELU uses inside XLA (``keras_acts/activations/smooth.py``, ``_ERFCX_P`` / ``_ERFCX_Q``).

    python tools/fit_erfcx.py            # prints the coefficients and their worst relative error

R(z) = P(z) / Q(z), degrees 4 and 5, Q(0) = 1, fitted on [0, 10.5] (beyond it float32's
exp(-z^2) is 0) by iterated reweighted linear least squares on the relative error
(Sanathanan & Koerner 1963) against 40-digit mpmath values. Every coefficient comes out
positive, so evaluating P and Q for z >= 0 adds no cancellation, and P/Q tends to
1 / (sqrt(pi) z) like erfcx itself.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
from _rational import fit_relative

Z_MAX = 10.5
DEGREES = (4, 5)


def erfcx(z) -> float:
    with mp.workdps(40):
        z = mp.mpf(float(z))
        return float(mp.exp(z * z) * mp.erfc(z))


def nodes(count: int = 3000) -> np.ndarray:
    cheb = (np.cos(np.pi * (np.arange(count) + 0.5) / count) + 1) / 2 * Z_MAX
    return np.sort(np.concatenate([cheb, np.linspace(0, Z_MAX, 1000)]))


def fit(p: int = DEGREES[0], q: int = DEGREES[1], iterations: int = 30):
    z = nodes()
    return fit_relative(z, np.array([erfcx(v) for v in z]), p, q, iterations)


def worst_relative_error(numerator, denominator, count: int = 20001) -> float:
    z = np.linspace(0, Z_MAX, count)
    approx = np.polynomial.polynomial.polyval(z, numerator) / np.polynomial.polynomial.polyval(z, denominator)
    return float(np.max(np.abs(approx / np.array([erfcx(v) for v in z]) - 1)))


if __name__ == "__main__":
    P, Q = fit()
    print("_ERFCX_P =", tuple(float(c) for c in P))
    print("_ERFCX_Q =", tuple(float(c) for c in Q))
    print(f"worst relative error on [0, {Z_MAX}]: {worst_relative_error(P, Q):.2e}")
