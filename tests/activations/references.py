"""Reference values of keras_acts's activations, from their published formulas.

Every activation has one entry in ``ELEMENTWISE`` (or ``ROWWISE`` for functions
of a whole axis): its formula written with mpmath and evaluated at ``DPS``
significant digits (more where the input is very large or very small),
independent of keras_acts, TensorFlow and NumPy. ``test_numerics.py`` compares
keras_acts against these values, so a new activation needs one line here::

    "name": Elementwise(lambda x, param=default: <formula in mp.*>, ({"param": value},)),

* The formula takes the input as an mpmath number, plus the activation's
  keyword arguments under the same names and with the same defaults as the
  function under test (so a changed default is caught). Keyword values reach
  the formula as the decimal numbers written (``0.01`` is 1/100 exactly).
* The second field lists the non-default keyword settings to test besides the
  defaults.
* ``kinks=``: where a piecewise formula has corners other than 0 or ``±`` a
  keyword's value or default (the gradient check skips kinks; test_numerics
  checks that every kink it finds is at a place so declared).
* ``limits=``: ``(at -inf, at +inf)`` only where the function has no limit
  (``mp.nan``: the output must be nan there); otherwise the limit comes from
  the formula itself (see below).
* ``literal=``: where the literal formula cancels catastrophically (``1 +
  tanh(u)`` for ``u << 0``, ``log(1 + e**x)`` for ``x << 0``), the entry is
  written in an exactly equal form and the published one is given here;
  test_numerics checks that the two agree.

Derivatives are not written: they are taken from the formula numerically, by
one-sided differences at a few hundred bits (``one_sided_derivatives``). Where
the left and right derivatives differ, the point is a kink.

At ``±inf`` the reference is the formula evaluated at mpmath's ``±inf``
(``exp(-inf) = 0``, ``tanh(inf) = 1``, ...); where that is indeterminate
(``inf * 0``, ``inf / inf``, ``sin(inf)``), at ``±INFINITY`` = 2**1030 instead,
beyond every float format's largest value, so that the value rounds to the
limit in every dtype.

``ROWWISE`` formulas take one 1-D slice (a list of mpmath numbers, possibly
holding nan) and return the output slice, which may be shorter (the gated
units halve it). The ``axis`` keyword is the harness's business: it lays the
slices along that axis.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, Callable

from mpmath import mp

DPS = 50
INFINITY = mp.ldexp(mp.mpf(1), 1030)  # exact; stands in for +inf

Setting = tuple[tuple[str, Any], ...]  # sorted keyword items: hashable, usable as a cache key


@dataclasses.dataclass(frozen=True)
class Elementwise:
    """A function applied to each element: ``formula(x, **setting) -> mpf``."""

    formula: Callable[..., Any]
    settings: tuple[dict[str, Any], ...] = ()
    kinks: tuple[float, ...] = ()
    limits: tuple[Any, Any] | None = None
    literal: Callable[..., Any] | None = None
    # A keyword k such that the derivative at x depends on k * x modulo a period:
    # where |k * x| is beyond the dtype's range, no dtype can represent what the
    # derivative depends on, so its accuracy is not checked there (finiteness is).
    periodic_in: str = ""


@dataclasses.dataclass(frozen=True)
class Rowwise:
    """A function of the 1-D slices along ``axis``: ``formula(row, **setting) -> list``."""

    formula: Callable[..., Any]
    settings: tuple[dict[str, Any], ...] = ()
    sums_to_one: bool = False


# ---------------------------------------------------------------------------
# Building blocks (each the textbook definition)


# Beyond |z| = 2**21, e**-|z| < 2**-3e6: below every float and every working
# precision used here. The gates below return their limit there instead of
# computing an exponential of a number with hundreds of digits (which costs
# seconds and changes no rounded value).
_SATURATED = 2**21


def _sigmoid(z):
    if abs(z) > _SATURATED:
        return mp.mpf(z > 0)
    return 1 / (1 + mp.exp(-z))


def _softplus(x):
    return mp.log1p(mp.exp(x))  # log(1 + e**x), keeping e**x beside the 1 when x << 0


def _gelu_tanh_argument(x):
    return mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)


def _gelu_tanh(x):
    return x * _sigmoid(2 * _gelu_tanh_argument(x))  # 0.5 (1 + tanh u) = sigmoid(2u)


def _normal_cdf(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2 (saturated like the sigmoid where x**2 / 2 is
    past 2**21; mpmath's erfc would also overflow a float internally below -1e160)."""
    if abs(x) > 2**11:
        return mp.mpf(x > 0)
    return mp.erfc(-x / mp.sqrt(2)) / 2


def _gelu(x, approximate=False):
    return _gelu_tanh(x) if approximate else x * _normal_cdf(x)


def _silu(x, beta=1):
    return x * _sigmoid(beta * x)


def _relu(x, alpha=0, max_value=None, threshold=0):
    """TF 2's relu: ``x`` above ``threshold``, else ``alpha * (x - threshold)``; at most ``max_value``."""
    y = x if x > threshold else alpha * (x - threshold)
    return y if max_value is None else min(y, max_value)


def _clip(x, low, high):
    return min(max(x, low), high)


def _selu_constants():
    """alpha_01 and lambda_01 from their closed forms (Klambauer et al. 2017)."""
    with mp.workdps(DPS + 20):
        e, r = mp.e, mp.erfc(1 / mp.sqrt(2))
        alpha = -mp.sqrt(2 / mp.pi) / (r * mp.sqrt(e) - 1)
        scale = (1 - r * mp.sqrt(e)) * mp.sqrt(2 * mp.pi) / mp.sqrt(
            2 * mp.erfc(mp.sqrt(2)) * e**2 + mp.pi * r**2 * e - 2 * (2 + mp.pi) * r * mp.sqrt(e)
            + mp.pi + 2
        )
    return alpha, scale


SELU_ALPHA, SELU_SCALE = _selu_constants()


def _any_nan(row) -> bool:
    return any(mp.isnan(v) for v in row)


def _shift(row):
    """The largest entry (0 for a nan row): exp(x - m) / sum exp(x - m) is the
    same number as exp(x) / sum exp(x), only cheaper for mpmath at huge x."""
    return 0 if _any_nan(row) else max(row)


def _exp_below_max(t):
    """exp(t) for t <= 0, saturated to 0 past -2**21 like the gates above."""
    return mp.zero if t < -_SATURATED else mp.exp(t)


def _softmax(row):
    m = _shift(row)
    exps = [_exp_below_max(v - m) for v in row]
    total = mp.fsum(exps)
    return [e / total for e in exps]


def _log_softmax(row):
    m = _shift(row)
    log_total = m + mp.log(mp.fsum(_exp_below_max(v - m) for v in row))  # log(sum(exp(row)))
    return [v - log_total for v in row]


def _sparsemax(row):
    """The Euclidean projection of ``z`` onto the simplex: ``max(z - tau, 0)``, where
    the support ``S = {i: z_i > tau}`` and ``tau = (sum_S z - 1) / |S|`` determine
    each other (the KKT conditions); found by trying every non-empty ``S``."""
    if _any_nan(row):
        return [mp.nan] * len(row)
    n = len(row)
    for mask in range(1, 2**n):
        support = [i for i in range(n) if mask >> i & 1]
        tau = (mp.fsum(row[i] for i in support) - 1) / len(support)
        if all((row[i] > tau) == (i in support) for i in range(n)):
            return [max(z - tau, 0) for z in row]
    raise AssertionError(f"no support satisfies the projection's conditions: {row}")


def _gated(act):
    """``a * act(b)`` for a slice ``[a, b]`` split in halves (``gate="first"``: ``act(a) * b``)."""

    def formula(row, gate="second", **options):
        half = len(row) // 2
        value, gate_input = row[:half], row[half:]
        if gate == "first":
            value, gate_input = gate_input, value
        return [v * act(g, **options) for v, g in zip(value, gate_input)]

    return formula


# fmt: off
ELEMENTWISE: dict[str, Elementwise] = {
    "celu":           Elementwise(lambda x, alpha=1: x if x > 0 else alpha * mp.expm1(x / alpha), ({"alpha": 0.5}, {"alpha": 2.0}, {"alpha": -1.0})),
    "elish":          Elementwise(lambda x: x * _sigmoid(x) if x >= 0 else mp.expm1(x) * _sigmoid(x)),
    "elu":            Elementwise(lambda x, alpha=1: x if x > 0 else alpha * mp.expm1(x), ({"alpha": 0.5},)),
    "exponential":    Elementwise(lambda x: mp.exp(x)),
    "gcu":            Elementwise(lambda x: x * mp.cos(x), limits=(mp.nan, mp.nan)),
    "gelu":           Elementwise(_gelu, ({"approximate": True},)),
    "gelu_tanh":      Elementwise(_gelu_tanh, literal=lambda x: x / 2 * (1 + mp.tanh(_gelu_tanh_argument(x)))),
    "hard_mish":      Elementwise(lambda x: x * _clip(x + 2, 0, 2) / 2, kinks=(-2,)),
    "hard_shrink":    Elementwise(lambda x, threshold=0.5: x if abs(x) > threshold else 0, ({"threshold": 1.5}, {"threshold": 0.0})),
    "hard_sigmoid":   Elementwise(lambda x: _clip(x + 3, 0, 6) / 6, kinks=(-3, 3)),
    "hard_silu":      Elementwise(lambda x: x * _clip(x + 3, 0, 6) / 6, kinks=(-3, 3)),
    "hard_tanh":      Elementwise(lambda x, min_val=-1, max_val=1: _clip(x, min_val, max_val), ({"min_val": -2.0, "max_val": 0.5},)),
    "leaky_relu":     Elementwise(lambda x, negative_slope=0.2: x if x > 0 else negative_slope * x, ({"negative_slope": 0.01},)),
    "linear":         Elementwise(lambda x: x),
    "lisht":          Elementwise(lambda x: x * mp.tanh(x)),
    "log_sigmoid":    Elementwise(lambda x: -_softplus(-x), literal=lambda x: mp.log(1 / (1 + mp.exp(-x)))),
    "mish":           Elementwise(lambda x: x * mp.tanh(_softplus(x)), literal=lambda x: x * mp.tanh(mp.log(1 + mp.exp(x)))),
    "quick_gelu":     Elementwise(lambda x: x * _sigmoid(mp.mpf("1.702") * x)),
    "relu":           Elementwise(_relu, ({"alpha": 0.1}, {"max_value": 6.0}, {"threshold": -0.5},
                                          {"alpha": 0.2, "max_value": 2.5, "threshold": 1.5})),
    "relu6":          Elementwise(lambda x: _clip(x, 0, 6), kinks=(6,)),
    "rrelu":          Elementwise(lambda x, lower=1 / 8, upper=1 / 3: x if x >= 0 else (mp.mpf(lower) + upper) / 2 * x, ({"lower": 0.1, "upper": 0.3},)),
    "selu":           Elementwise(lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * mp.expm1(x))),
    "serf":           Elementwise(lambda x: x * mp.erf(_softplus(x))),
    "sigmoid":        Elementwise(_sigmoid),
    "silu":           Elementwise(_silu, ({"beta": 1.5}, {"beta": 0.0}, {"beta": -1.5})),
    "sine_relu":      Elementwise(lambda x, epsilon=0.0025: x if x > 0 else epsilon * (mp.sin(x) - mp.cos(x)), ({"epsilon": 0.5},), limits=(mp.nan, mp.inf)),
    "smish":          Elementwise(lambda x: x * mp.tanh(mp.log1p(_sigmoid(x)))),
    "snake":          Elementwise(lambda x, frequency=1: x + mp.sin(frequency * x) ** 2 / frequency, ({"frequency": 0.5}, {"frequency": 2.5}), periodic_in="frequency"),
    "soft_shrink":    Elementwise(lambda x, threshold=0.5: mp.sign(x) * max(abs(x) - threshold, 0), ({"threshold": 2.0},)),
    "softplus":       Elementwise(lambda x, beta=1: _softplus(beta * x) / beta, ({"beta": 2.0}, {"beta": 0.5}, {"beta": 0.3}), literal=lambda x: mp.log(1 + mp.exp(x))),
    "softsign":       Elementwise(lambda x: x / (1 + abs(x))),
    "sparse_plus":    Elementwise(lambda x: 0 if x <= -1 else x if x >= 1 else (x + 1) ** 2 / 4, kinks=(-1, 1)),
    "sparse_sigmoid": Elementwise(lambda x: _clip((x + 1) / 2, 0, 1), kinks=(-1, 1)),
    "squared_relu":   Elementwise(lambda x: max(x, 0) ** 2),
    "squareplus":     Elementwise(lambda x, b=4: (x + mp.sqrt(x**2 + b)) / 2,
                                  ({"b": 1.0}, {"b": 0.0}, {"b": 1e-40})),  # b: subnormal in float32
    "tanh":           Elementwise(lambda x: mp.tanh(x)),
    "tanh_shrink":    Elementwise(lambda x: x - mp.tanh(x)),
    "threshold":      Elementwise(lambda x, threshold=0, default_value=0: x if x > threshold else default_value,
                                  # the replacement at or below the threshold, and above it
                                  ({"threshold": 1.0, "default_value": -5.0},
                                   {"threshold": -1.0, "default_value": 2.0})),
}

ROWWISE: dict[str, Rowwise] = {
    "geglu":          Rowwise(_gated(_gelu), ({"approximate": True}, {"gate": "first"}, {"axis": 0})),
    "glu":            Rowwise(_gated(_sigmoid), ({"gate": "first"}, {"axis": 0})),
    "log_softmax":    Rowwise(_log_softmax, ({"axis": 0},)),
    "reglu":          Rowwise(_gated(lambda g: max(g, 0)), ({"gate": "first"}, {"axis": 0})),
    "softmax":        Rowwise(_softmax, ({"axis": 0},), sums_to_one=True),
    "softmin":        Rowwise(lambda row: _softmax([-v for v in row]), ({"axis": 0},), sums_to_one=True),
    "sparsemax":      Rowwise(_sparsemax, ({"axis": 0},), sums_to_one=True),
    "swiglu":         Rowwise(_gated(_silu), ({"gate": "first"}, {"axis": 0})),
}
# fmt: on


def entry(name: str) -> Elementwise | Rowwise | None:
    """The reference of an activation, or None when it has none yet."""
    return ELEMENTWISE.get(name) or ROWWISE.get(name)


def settings(name: str) -> list[Setting]:
    """The keyword settings to test: the defaults (``()``) first, then the entry's others."""
    return [()] + [tuple(sorted(s.items())) for s in entry(name).settings]


def _exact(value: Any) -> Any:
    """A keyword value as the number written: floats by their decimal repr."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return mp.mpf(repr(value)) if isinstance(value, float) else mp.mpf(value)


def _bound(formula: Callable, setting: Setting, skip: tuple[str, ...] = ()) -> Callable:
    return functools.partial(formula, **{k: _exact(v) for k, v in setting if k not in skip})


def _input(x: float):
    if math.isnan(x):
        return mp.nan
    if math.isinf(x):
        return INFINITY if x > 0 else -INFINITY
    return mp.mpf(x)  # exact: every float is a binary fraction


def _guard_bits(x) -> int:
    """Extra precision for inputs far from 1: covers ``x - tanh(x)`` near 0 and
    ``x + sqrt(x**2 + b)`` at large negative ``x``, whose cancellation grows with |log2 x|."""
    return 2 * abs(int(mp.mag(x))) + 20 if x and mp.isfinite(x) else 20


@functools.lru_cache(maxsize=None)
def value(name: str, setting: Setting, x: float):
    """``name(x, **setting)`` at ``DPS`` digits; nan for nan, the limit at ``±inf``."""
    ref = ELEMENTWISE[name]
    with mp.workdps(DPS):
        if math.isnan(x):
            return mp.nan
        f = _bound(ref.formula, setting)
        if math.isinf(x):
            if ref.limits is not None:
                return ref.limits[x > 0]
            limit = f(mp.inf if x > 0 else -mp.inf)
            if not mp.isnan(limit):
                return limit
        point = _input(x)
        with mp.extraprec(_guard_bits(point)):
            result = mp.mpf(f(point))
        return +result


def _one_sided(f: Callable, x) -> tuple[Any, Any]:
    """Left and right derivatives of ``f`` at ``x`` by one-sided differences.

    The step is 2**-(prec + 20) (relative to ``x`` when ``|x| < 1``, so it never
    crosses a kink at 0), and the work precision covers the step, the size of
    ``x`` and the cancellation in ``f(x + h) - f(x)``; the truncation error is
    then ~2**-186 relative, far below every tolerance.
    """
    prec = mp.prec
    mag = int(mp.mag(x)) if x else 0
    step = -(prec + 20) + min(mag, 0)
    with mp.workprec(2 * prec + 60 + 2 * max(mag, 0) + 3 * max(-mag, 0)):
        h = mp.ldexp(mp.mpf(1), step)
        here = mp.mpf(f(x))
        left = (here - f(x - h)) / h
        right = (f(x + h) - here) / h
    return +left, +right


@functools.lru_cache(maxsize=None)
def one_sided_derivatives(name: str, setting: Setting, x: float) -> tuple[Any, Any]:
    """Left and right derivatives of ``name(., **setting)`` at finite ``x``."""
    with mp.workdps(DPS):
        return _one_sided(_bound(ELEMENTWISE[name].formula, setting), mp.mpf(x))


def _evaluate_row(f: Callable, points: list) -> list:
    with mp.extraprec(max(_guard_bits(p) for p in points)):
        result = [mp.mpf(v) for v in f(points)]
    return [+v for v in result]


@functools.lru_cache(maxsize=None)
def row_values(name: str, setting: Setting, row: tuple[float, ...]) -> tuple:
    """The rowwise function of one slice.

    A slice with ``±inf`` entries is evaluated twice, once with every infinite
    entry at ``±INFINITY`` and once at different multiples of it: where the
    two differ (in float64), the output has no limit (softmax of two ``+inf``
    entries depends on how they grow) and the reference is nan.
    """
    with mp.workdps(DPS):
        f = _bound(ROWWISE[name].formula, setting, skip=("axis",))
        points = [_input(v) for v in row]
        values = _evaluate_row(f, points)
        if any(map(math.isinf, row)):
            spread = [p * (k + 2) if mp.isinf(v) else p
                      for k, (p, v) in enumerate(zip(points, map(mp.mpf, row)))]
            other = _evaluate_row(f, spread)
            values = [v if _same_float(v, w) else mp.nan for v, w in zip(values, other)]
        return tuple(values)


def _same_float(a, b) -> bool:
    with mp.workdps(20):
        fa, fb = float(a), float(b)
    return fa == fb or (math.isnan(fa) and math.isnan(fb))


@functools.lru_cache(maxsize=None)
def row_jacobian(name: str, setting: Setting, row: tuple[float, ...]) -> tuple:
    """``J[j][i] = (left, right)`` partial derivatives of output ``i`` w.r.t. entry ``j``.

    Each output is differenced on its own (a sum of outputs of very different
    sizes would bury the small ones), at a work precision covering outputs up
    to the square of the slice's largest entry (a gated unit's product).
    """
    with mp.workdps(DPS):
        f = _bound(ROWWISE[name].formula, setting, skip=("axis",))
        point = [mp.mpf(v) for v in row]
        prec = mp.prec
        widest = max((abs(int(mp.mag(v))) for v in point if v), default=0)
        columns = []
        for j, x in enumerate(point):
            mag = int(mp.mag(x)) if x else 0
            with mp.workprec(2 * prec + 60 + 2 * widest):
                h = mp.ldexp(mp.mpf(1), -(prec + 20) + min(mag, 0))
                here = f(point)
                below = f(point[:j] + [x - h] + point[j + 1:])
                above = f(point[:j] + [x + h] + point[j + 1:])
                columns.append(tuple(
                    (+((y - b) / h), +((a - y) / h)) for y, b, a in zip(here, below, above)
                ))
        return tuple(tuple((+left, +right) for left, right in column) for column in columns)


def row_gradient(
    name: str, setting: Setting, row: tuple[float, ...], weights: tuple[float, ...]
) -> tuple[tuple[Any, Any], ...]:
    """Left and right partial derivatives of ``sum(weights * f(row))`` w.r.t. each entry."""
    with mp.workdps(DPS):
        return tuple(
            (mp.fsum(w * left for w, (left, _) in zip(weights, column)),
             mp.fsum(w * right for w, (_, right) in zip(weights, column)))
            for column in row_jacobian(name, setting, row)
        )
