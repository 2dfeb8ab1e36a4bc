"""Fit the rational function of tanh_shrink that keras_acts's float32 form uses inside XLA
(``keras_acts/activations/shrinkage.py``, ``_TANH_SHRINK_NUMERATOR`` / ``_DENOMINATOR``).

    python tools/fit_tanh_shrink.py      # prints the coefficients and their worst errors

tanh_shrink(x) = x - tanh(x) = x^3 f(x^2), where f(t) = (x - tanh x) / x^3 is smooth on
[0, 81] (|x| < 9; from 9 on, float32's x - tanh(x) is x - sign(x)). f is a rational
function N(t) / D(t) of degrees (3, 4) with D(0) = 1, fitted to the relative error at
Chebyshev nodes by linearized least squares, reweighted by 1 / D a few times
(Sanathanan-Koerner), against 60-digit mpmath values: about 1e-8 off. Nothing cancels:
x^3 N / D has no subtraction, where x - tanh(x) loses digits for |x| < 1.

Evaluated in float32 (Horner in t, then x (t (N / D))) it is within 4.3 ULP on a dense
grid; it also prints that.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
from _rational import fit_relative

LIMIT = 9.0
T_MAX = LIMIT * LIMIT
DEGREES = (3, 4)


def shrink_over_cube(x: float) -> float:
    if x == 0:
        return 1.0 / 3.0
    with mp.workdps(60):
        v = mp.mpf(float(x))
        return float((v - mp.tanh(v)) / v ** 3)


def fit(degrees=DEGREES, count: int = 3000, rounds: int = 8):
    """Coefficients of N and D in t = x^2 (lowest first), and the worst relative error."""
    n, d = degrees
    s = (1 - np.cos(np.pi * (np.arange(count) + 0.5) / count)) / 2  # t / T_MAX, in [0, 1]
    f = np.array([shrink_over_cube(v) for v in np.sqrt(s * T_MAX)])
    numerator, denominator = fit_relative(s, f, n, d, rounds)
    scale = T_MAX ** -np.arange(max(n, d) + 1)  # from s = t / T_MAX back to t
    numerator, denominator = numerator * scale[:n + 1], denominator * scale[:d + 1]
    check = np.linspace(0.0, T_MAX, 40001)
    exact = np.array([shrink_over_cube(v) for v in np.sqrt(check)])
    approx = np.polyval(numerator[::-1], check) / np.polyval(denominator[::-1], check)
    return numerator, denominator, float(np.max(np.abs(approx / exact - 1)))


def float32_ulps(numerator, denominator) -> tuple[float, float]:
    """Worst error in ULP of the float32 evaluation on a dense grid of (0, 9), and where."""
    x = np.unique(np.concatenate([np.geomspace(1e-6, LIMIT, 30000),
                                  np.linspace(0, LIMIT, 30000)])).astype(np.float32)
    t = x * x

    def horner(coefficients):
        c = coefficients.astype(np.float32)
        result = np.full_like(t, c[-1])
        for k in c[-2::-1]:
            result = result * t + k
        return result

    y = x * (t * (horner(numerator) / horner(denominator)))
    with mp.workdps(50):
        exact = np.array([float(mp.mpf(float(v)) - mp.tanh(mp.mpf(float(v)))) for v in x])
    normal = exact >= np.finfo(np.float32).tiny
    ulps = np.abs(y[normal] - exact[normal]) / np.spacing(exact[normal].astype(np.float32))
    worst = int(np.argmax(ulps))
    return float(ulps[worst]), float(x[normal][worst])


if __name__ == "__main__":
    numerator, denominator, error = fit()
    print("_TANH_SHRINK_NUMERATOR = (" + ", ".join(repr(float(c)) for c in numerator) + ")")
    print("_TANH_SHRINK_DENOMINATOR = (" + ", ".join(repr(float(c)) for c in denominator) + ")")
    print(f"worst relative error on [0, {T_MAX:g}]: {error:.2e}")
    print("float32 evaluation: worst %.2f ULP at x = %g" % float32_ulps(numerator, denominator))
