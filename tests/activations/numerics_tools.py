"""The numerics harness's inputs, tolerances and error measures, without pytest.

``test_numerics.py`` (the requirements, as tests) and
``benchmarks/numerics_table.py`` (the same measurements as a table, for
keras_acts and for Keras's built-ins) share what is here, so that the two
measure the same thing at the same points:

* the inputs per dtype (``finite_inputs``, ``rows``) and the special values;
* the tolerances (``VALUE_TOLERANCE``, ``GRADIENT_RTOL``) and the checks the
  tests assert (``check_value``, ``check_gradient``), with the errors they
  bound as numbers (``value_error``, ``gradient_error``);
* one TF call of any activation function on those inputs, with its gradient
  (``evaluate_elementwise``, ``evaluate_rowwise``), and its outputs paired with
  the mpmath references (``elementwise_points``, ``rowwise_rows``).

The function under test is an argument everywhere, so Keras's functions go
through the same code as keras_acts's.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import ml_dtypes
import numpy as np
import tensorflow as tf
from mpmath import libmp, mp

from . import references

DTYPES = ("float16", "bfloat16", "float32", "float64")
NUMPY_DTYPES = {
    "float16": np.float16,
    "bfloat16": ml_dtypes.bfloat16,
    "float32": np.float32,
    "float64": np.float64,
}


@dataclasses.dataclass(frozen=True)
class Tolerance:
    """Bound on a value's error: ``ulps`` ULP of the exact value, or ``relative``."""

    ulps: float | None = None
    relative: float | None = None

    def __str__(self) -> str:
        return f"{self.ulps:g} ULP" if self.ulps is not None else f"{self.relative:g} relative"


VALUE_TOLERANCE = {
    "float16": Tolerance(relative=1.5e-3),
    "bfloat16": Tolerance(relative=1.2e-2),
    "float32": Tolerance(ulps=8),
    "float64": Tolerance(ulps=128),
}
GRADIENT_RTOL = 1e-6
KINK_RTOL = 1e-20  # left and right derivatives further apart than this: a kink

# Inputs, before casting to the dtype (casting rounds those the dtype lacks).
ORDINARY = np.linspace(-10.0, 10.0, 81)  # step 0.25: holds 0 and the kinks of the settings
OFF_GRID = (0.1, 1 / 3, 0.7, 2.9, 5.3, 7.7, math.pi)  # not dyadic: round per dtype
SMALL = (1e-30, 1e-7, 1e-3)
LARGE = (15.0, 20.0, 30.0, 50.0, 89.0, 100.0, 257.0, 1e4)  # and the dtype's max
SPECIAL = (math.nan, math.inf, -math.inf)

# Rows for rowwise functions; "max" is the dtype's largest finite value.
ROWS = (
    (1, 2, 5, -3),
    (0.1, 0.2, 0.3, 0.4),
    (0, 0, 0, 0),
    (-10, 10, 2.5, -7.3),
    (1000, 0, -1000, 3),
    (-1000, -1000, -1000, -1000),
    (20, -20, 89, -89),
    (1e4, 1e4 - 1, 1e4 - 2, -1e4),
    (1e-7, -1e-7, 1e-3, -1e-3),
    (257, 256, 255, 100),
    ("max", 0, "-max", 1),
    ("max", "max", 0, "-max"),
    ("-max", "-max", "-max", "-max"),
    *((v, 1 - v / 2, v / 3, 2.5 - v) for v in np.linspace(-10.0, 10.0, 21)),
)
INFINITE_ROWS = (  # outputs without a limit (softmin of two -inf) have a nan reference
    (-math.inf, 0, 1, 2),
    (math.inf, 0, 1, -1),
    (math.inf, -math.inf, 0.5, 5),
    (-math.inf, -math.inf, 3, 0.25),
    (1, -2, math.inf, -math.inf),
)
NAN_ROWS = ((math.nan, 0, 1, 2),)
WEIGHTS = (1.0, -0.5, 0.75, 0.25)  # |w| <= 1: w * y overflows only where y does

FINITE, SPECIAL_VALUES = "finite", "special"  # the two batches of each case


# --------------------------------------------------------------------------
# Floating-point helpers


def finfo(dtype: str):
    return ml_dtypes.finfo(NUMPY_DTYPES[dtype])


def to_float64(v) -> float:
    """An mpmath number rounded to the nearest float64 (inf beyond the range)."""
    if mp.isnan(v):
        return math.nan
    return libmp.to_float(mp.mpf(v)._mpf_, rnd=libmp.round_nearest)


def rounded(v, dtype: str) -> float:
    """An mpmath number rounded to ``dtype``, as a float64."""
    with np.errstate(over="ignore"):
        return float(np.asarray(to_float64(v)).astype(NUMPY_DTYPES[dtype]))


def ulp(v: float, dtype: str) -> float:
    """numpy.spacing of ``|v|`` (a value of ``dtype``) in ``dtype``; at the max, the ULP below."""
    info = finfo(dtype)
    a = np.asarray(min(abs(v), float(info.max))).astype(NUMPY_DTYPES[dtype])
    with np.errstate(over="ignore"):
        if a == info.max:
            a = np.nextafter(a, np.asarray(0, a.dtype))
        return float(np.spacing(a))


def show(v: float, dtype: str) -> str:
    """A float64 holding a ``dtype`` value, printed as the shortest ``dtype`` repr."""
    if math.isnan(v) or math.isinf(v):
        return str(v)
    return str(NUMPY_DTYPES[dtype](v))


def show_exact(v) -> str:
    """An mpmath value to 17 digits, or what it is beyond every float's range."""
    if not mp.isfinite(v) or v == 0:
        return str(v)
    sign = "-" if v < 0 else ""
    if mp.mag(v) > 1025:
        return f"{sign}inf (beyond every float)"
    if mp.mag(v) < -1075:
        return f"{sign}0 (below every float)"
    return mp.nstr(v, 17)


# --------------------------------------------------------------------------
# Errors: the checks the tests assert, and the same errors as numbers


@dataclasses.dataclass(frozen=True)
class Check:
    ok: bool
    text: str


def check_value(got: float, exact, dtype: str) -> Check:
    """``got`` (a ``dtype`` output, as float64) against the exact value."""
    tol = VALUE_TOLERANCE[dtype]
    target = rounded(exact, dtype)
    if math.isnan(target):
        return Check(math.isnan(got), f"got={show(got, dtype)} expected=nan")
    expected = f"expected={show_exact(exact)} (in {dtype}: {show(target, dtype)})"
    if math.isinf(target):
        return Check(got == target, f"got={show(got, dtype)} {expected}")
    if not math.isfinite(got):
        return Check(False, f"got={show(got, dtype)} {expected}")
    with mp.workdps(references.DPS):
        difference = abs(mp.mpf(got) - exact)
        relative = to_float64(difference / abs(exact)) if exact else math.inf
    error = to_float64(difference)
    eps = float(finfo(dtype).eps)
    if abs(exact) >= eps:
        ok = error <= (tol.ulps * ulp(target, dtype) if tol.ulps else tol.relative * abs(exact))
        in_ulps = f"{error / ulp(target, dtype):.3g} ULP"
    else:  # tiny: the bound at eps, as an absolute error
        ok = error <= (tol.ulps * ulp(eps, dtype) if tol.ulps else tol.relative * eps)
        in_ulps = f"{error / ulp(eps, dtype):.3g} ULP of eps"
    return Check(bool(ok), f"got={show(got, dtype)} {expected} error={in_ulps}, "
                           f"{relative:.3g} relative, {error:.3g} absolute")


def value_error(got: float, exact, dtype: str) -> float:
    """The error ``check_value`` bounds, in the unit of the dtype's tolerance.

    ULPs of the exact value rounded to the dtype (float32, float64) or error
    relative to the exact value (float16, bfloat16) where ``|exact| >= eps``;
    below, the absolute error in ULPs of eps or relative to eps (the bound
    there). 0 or inf where the exact value rounds to nan or ±inf in the dtype
    (right or wrong), inf for a nan or inf output where it is finite. So
    ``check_value(got, exact, dtype).ok`` is ``value_error(...) <= tolerance``.
    """
    tol = VALUE_TOLERANCE[dtype]
    target = rounded(exact, dtype)
    if math.isnan(target):
        return 0.0 if math.isnan(got) else math.inf
    if math.isinf(target):
        return 0.0 if got == target else math.inf
    if not math.isfinite(got):
        return math.inf
    with mp.workdps(references.DPS):
        error = to_float64(abs(mp.mpf(got) - exact))
    eps = float(finfo(dtype).eps)
    large = abs(exact) >= eps
    if tol.ulps:
        return error / ulp(target if large else eps, dtype)
    return error / (abs(to_float64(exact)) if large else eps)


def check_gradient(got: float, exact) -> Check:
    """A float64 gradient against the exact derivative."""
    if math.isfinite(got):
        with mp.workdps(references.DPS):
            difference = abs(mp.mpf(got) - exact)
            relative = to_float64(difference / abs(exact)) if exact else math.inf
        error = to_float64(difference)
    else:
        error = relative = math.inf
    scale = max(abs(to_float64(exact)), float(np.finfo(np.float64).eps))
    ok = error <= GRADIENT_RTOL * scale
    return Check(bool(ok), f"got={got!r} expected={show_exact(exact)} "
                           f"error={relative:.3g} relative, {error:.3g} absolute")


def gradient_error(got: float, exact) -> float:
    """The error ``check_gradient`` bounds: relative to ``max(|exact|, eps)``
    (float64's eps); inf for a nan or inf gradient. ``check_gradient(...).ok``
    is ``gradient_error(...) <= GRADIENT_RTOL``."""
    if not math.isfinite(got):
        return math.inf
    with mp.workdps(references.DPS):
        error = to_float64(abs(mp.mpf(got) - exact))
    return error / max(abs(to_float64(exact)), float(np.finfo(np.float64).eps))


def is_kink(left, right) -> bool:
    return abs(left - right) > KINK_RTOL * max(abs(left), abs(right), 1)


def derivative(left, right):
    """The derivative from the one-sided ones: their mean (exact off kinks)."""
    return (left + right) / 2


def beyond_period(entry: references.Elementwise, setting, x: float, dtype: str) -> bool:
    """Whether the derivative at ``x`` depends on ``k * x`` beyond the dtype's range
    (``references.Elementwise.periodic_in``): its accuracy is not checked there."""
    scale = abs(float(dict(setting).get(entry.periodic_in, 1.0))) if entry.periodic_in else 0.0
    return bool(scale) and abs(x) * scale > float(finfo(dtype).max)


# --------------------------------------------------------------------------
# Elementwise functions: inputs, one TF call, the outputs beside the references


def finite_inputs(dtype: str) -> np.ndarray:
    big = float(finfo(dtype).max)
    points = list(ORDINARY)
    for v in (*OFF_GRID, *SMALL, *LARGE, big):
        points += [v, -v]
    return np.array(points, dtype=np.float64)


@dataclasses.dataclass(frozen=True)
class Run:
    """Inputs as fed (float64), outputs and gradients (float64), and TF's dtypes."""

    x: np.ndarray
    y: np.ndarray
    dy: np.ndarray
    out_dtype: str
    grad_dtype: str
    shape_ok: bool


RUN_MODES = ("eager", "graph", "unfused", "xla")


def apply(fn: Callable, x: tf.Tensor, kwargs: dict, weights: tf.Tensor | None = None,
          mode: str = "eager") -> Run:
    """``fn(x, **kwargs)`` and the gradient of its sum (or of ``sum(weights * y)``),
    eagerly, in a ``tf.function`` ("graph" and "unfused": whether keras_acts fuses its
    kernels with XLA there is the caller's setting), or in a
    ``tf.function(jit_compile=True)`` (one XLA program, as ``model.fit`` on a GPU)."""
    if mode not in RUN_MODES:
        raise ValueError(f"mode must be one of {RUN_MODES}, got {mode!r}")

    def evaluate(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x, **kwargs)
            objective = y if weights is None else tf.reduce_sum(tf.cast(weights, y.dtype) * y)
        return y, tape.gradient(objective, x)

    if mode != "eager":
        evaluate = tf.function(evaluate, autograph=False, jit_compile=mode == "xla")
    y, dy = evaluate(x)
    return Run(
        x=x.numpy().astype(np.float64),
        y=np.asarray(y.numpy()).astype(np.float64),
        dy=np.asarray(dy.numpy()).astype(np.float64),
        out_dtype=y.dtype.name,
        grad_dtype=dy.dtype.name,
        shape_ok=y.shape == x.shape,
    )


def elementwise_inputs(dtype: str, part: str = FINITE) -> tf.Tensor:
    """The finite inputs, or nan and ±inf, as a ``dtype`` tensor (casting rounds
    what the dtype lacks)."""
    inputs = finite_inputs(dtype) if part == FINITE else np.array(SPECIAL)
    return tf.cast(tf.constant(inputs, tf.float64), dtype)


def evaluate_elementwise(fn: Callable, kwargs: dict, dtype: str, part: str = FINITE,
                         mode: str = "eager") -> Run:
    """One TF call of ``fn`` on the finite inputs, or on nan and ±inf (apart, so
    that a failure on those cannot hide the finite results)."""
    return apply(fn, elementwise_inputs(dtype, part), kwargs, mode=mode)


@dataclasses.dataclass(frozen=True)
class Point:
    x: float
    y: float
    dy: float
    exact: object  # mpf
    left: object = None  # one-sided derivatives (finite x only)
    right: object = None


def elementwise_points(name: str, setting, x, y, dy) -> tuple[Point, ...]:
    """Inputs, outputs and gradients (float64 arrays of one run) beside the
    references of ``name`` with ``setting``: value, and one-sided derivatives at finite x."""
    out = []
    for xi, yi, dyi in zip(x, y, dy):
        xi = float(xi)
        exact = references.value(name, setting, xi)
        left = right = None
        if math.isfinite(xi):
            left, right = references.one_sided_derivatives(name, setting, xi)
        out.append(Point(xi, float(yi), float(dyi), exact, left, right))
    return tuple(out)


# --------------------------------------------------------------------------
# Rowwise functions (softmax, gated units): slices along `axis`


def rows(dtype: str, part: str) -> list[tuple[float, ...]]:
    big = float(finfo(dtype).max)
    named = {"max": big, "-max": -big}
    chosen = ROWS if part == FINITE else (*INFINITE_ROWS, *NAN_ROWS)
    return [tuple(float(named.get(v, v)) for v in row) for row in chosen]


@dataclasses.dataclass(frozen=True)
class RowRun:
    x: np.ndarray  # (slices, entries), as fed
    y: np.ndarray  # (slices, outputs)
    dy: np.ndarray  # (slices, entries)
    weights: tuple[float, ...]  # the gradient is that of sum(weights * y) over each slice
    out_dtype: str
    out_shape: tuple[int, ...]
    expected_shape: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class RowLayout:
    """How the slices of one case are fed: the (possibly transposed) input and
    upstream weights, and how to turn results back into one slice per row."""

    x: tf.Tensor
    weights: tf.Tensor
    weight_row: tuple[float, ...]
    transpose: bool
    shape: tuple[int, int]  # (slices, outputs per slice)

    def orient(self, a):
        return a.T if self.transpose else a


def row_layout(name: str, setting, dtype: str, part: str = FINITE) -> RowLayout:
    axis = dict(setting).get("axis", -1)
    data = np.array(rows(dtype, part), dtype=np.float64)  # one slice per row
    width = len(references.row_values(name, setting, tuple(data[0])))  # output slice length
    weights = tuple(float(w) for w in np.resize(WEIGHTS, width))
    shape = (len(data), width)
    if axis in (0, -2):  # slices along axis 0: feed the transpose
        transpose = True
    elif axis in (1, -1):
        transpose = False
    else:
        raise ValueError(f"the harness lays slices along axis 0 or 1 of a matrix, not {axis}")
    orient = (lambda a: a.T) if transpose else (lambda a: a)
    x = tf.cast(tf.constant(orient(data), tf.float64), dtype)
    upstream = tf.constant(orient(np.broadcast_to(np.array(weights), shape)))
    return RowLayout(x, upstream, weights, transpose, shape)


def evaluate_rowwise(fn: Callable, name: str, setting, dtype: str, part: str = FINITE,
                     kwargs: dict | None = None, mode: str = "eager") -> RowRun:
    """One TF call of ``fn`` (keyword arguments ``kwargs``, by default the
    setting's) on the finite rows, or on those with nan or ±inf, laid along the
    setting's axis; the gradient is that of ``sum(weights * y)``."""
    layout = row_layout(name, setting, dtype, part)
    run = apply(fn, layout.x, dict(setting) if kwargs is None else kwargs, layout.weights, mode)
    orient = layout.orient
    return RowRun(orient(run.x), orient(run.y), orient(run.dy), layout.weight_row, run.out_dtype,
                  tuple(run.y.shape), orient(np.empty(layout.shape)).shape)


@dataclasses.dataclass(frozen=True)
class Row:
    x: tuple[float, ...]
    y: tuple[float, ...]
    dy: tuple[float, ...]
    exact: tuple  # mpf per output


def rowwise_rows(name: str, setting, x, y, dy) -> tuple[Row, ...]:
    """Slices of one run (inputs, outputs, gradients: one row per slice) beside
    the reference outputs of ``name`` with ``setting``."""
    out = []
    for xr, yr, dyr in zip(x, y, dy):
        xr = tuple(float(v) for v in xr)
        out.append(Row(xr, tuple(map(float, yr)), tuple(map(float, dyr)),
                       references.row_values(name, setting, xr)))
    return tuple(out)


def row_gradients(name: str, setting, rows_: tuple[Row, ...], weights) -> list[tuple[Row, tuple]]:
    """Each row beside the left and right partial derivatives of ``sum(weights * f(row))``."""
    return [(row, references.row_gradient(name, setting, row.x, weights)) for row in rows_]
