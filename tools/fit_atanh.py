"""Fit the polynomial of atanh(s) / s that keras_acts's float32 softplus uses inside XLA
(``keras_acts/activations/_base.py``, ``_ATANH_OVER_S``).

    python tools/fit_atanh.py            # prints the coefficients and their worst relative error

softplus(x) = max(x, 0) + log1p(e), e = exp(-|x|) in [0, 1], and log1p(e) = 2 atanh(s)
with s = e / (2 + e) in [0, 1/3]. atanh(s) / s = 1 + s^2 / 3 + s^4 / 5 + ... is a
polynomial P(w) in w = s^2 on [0, 1/9], here of degree 4, fitted by least squares on the
relative error at Chebyshev nodes against 40-digit mpmath values: about 4e-9 off, a
fifteenth of float32's ULP.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np

W_MAX = 1.0 / 9.0
DEGREE = 4


def atanh_over_s(w: float) -> float:
    if w == 0:
        return 1.0
    with mp.workdps(40):
        s = mp.sqrt(mp.mpf(float(w)))
        return float(mp.atanh(s) / s)


def fit(degree: int = DEGREE, count: int = 2000):
    w = (1 - np.cos(np.pi * (np.arange(count) + 0.5) / count)) / 2 * W_MAX
    f = np.array([atanh_over_s(v) for v in w])
    rows = np.vander(w, degree + 1, increasing=True) / f[:, None]
    coefficients, *_ = np.linalg.lstsq(rows, np.ones_like(w), rcond=None)
    check = np.linspace(0, W_MAX, 20001)
    exact = np.array([atanh_over_s(v) for v in check])
    error = np.max(np.abs(np.polyval(coefficients[::-1], check) / exact - 1))
    return coefficients, error


if __name__ == "__main__":
    coefficients, error = fit()
    print("_ATANH_OVER_S = (" + ", ".join(repr(float(c)) for c in coefficients) + ")")
    print(f"worst relative error on [0, 1/9]: {error:.2e}")
