"""Numerics of every keras_acts activation, against mpmath references.

For each activation in ``keras_acts.list_activations()`` (user registrations
aside), each keyword setting its reference lists (the defaults first) and each
float dtype, the function and its ``tf.GradientTape`` gradient are evaluated
in two batches (the finite inputs; nan and ±inf), each one TF call, on fixed
inputs cast to the dtype; the references (``references.py``, 50 digits) are
computed at the cast inputs, once per module (cached). Requirements checked:

* values: float32 within 8 ULP and float64 within 128 ULP of the exact value,
  float16 within 1.5e-3 and bfloat16 within 1.2e-2 relative, wherever the exact
  |value| is at least the dtype's eps; below it, the same bound at eps, as an
  absolute error (so the bound is continuous: tiny values must come out tiny);
  where the exact value rounds to ±inf in the dtype, the output is that inf;
* no nan or inf where the exact value rounded to the dtype is finite;
* nan in, nan out; at ±inf the function's limit, within the same tolerance;
* float64 gradients within 1e-6 relative of the exact derivative (absolute
  1e-6 * eps below |derivative| = eps), except at kinks, where the left and
  right derivatives differ;
* gradients finite wherever the exact derivative rounded to the dtype is
  finite, in every dtype.

Functions of a whole axis (softmax, the gated units) get the same checks per
slice, on rows with large logits, plus sum-to-one for distributions; their
gradient is that of ``sum(WEIGHTS * f(x))``.

A new activation needs one line in ``references.py``; until it has one,
``test_every_activation_has_a_reference`` fails naming it.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math

import ml_dtypes
import numpy as np
import pytest
import tensorflow as tf
from mpmath import libmp, mp

import keras_acts
from keras_acts import registry

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


def is_kink(left, right) -> bool:
    return abs(left - right) > KINK_RTOL * max(abs(left), abs(right), 1)


def derivative(left, right):
    """The derivative from the one-sided ones: their mean (exact off kinks)."""
    return (left + right) / 2


def report(title: str, failures: list[str], total: int, limit: int = 20) -> str:
    lines = [f"{title}: {len(failures)} of {total} points fail"]
    lines += ["  " + f for f in failures[:limit]]
    if len(failures) > limit:
        lines.append(f"  ... and {len(failures) - limit} more")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Cases


def our_activations() -> list[str]:
    """``list_activations()`` less user registrations (other tests may add some)."""
    return [n for n in keras_acts.list_activations() if registry.spec(n).family != "user"]


def setting_text(setting) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in setting)


def label(name: str, setting, dtype: str | None = None) -> str:
    text = f"{name}({setting_text(setting)})" if setting else name
    return f"{text}-{dtype}" if dtype else text


def cases(table: dict, dtypes=DTYPES) -> list:
    return [
        pytest.param(name, setting, dtype, id=label(name, setting, dtype))
        for name in our_activations()
        if name in table
        for setting in references.settings(name)
        for dtype in dtypes
    ]


ELEMENTWISE_CASES = cases(references.ELEMENTWISE)
ELEMENTWISE_F64_CASES = cases(references.ELEMENTWISE, dtypes=("float64",))
ROWWISE_CASES = cases(references.ROWWISE)
ROWWISE_F64_CASES = cases(references.ROWWISE, dtypes=("float64",))
DISTRIBUTION_CASES = cases({n: r for n, r in references.ROWWISE.items() if r.sums_to_one})


def test_every_activation_has_a_reference():
    missing = [n for n in our_activations() if references.entry(n) is None]
    assert not missing, (
        f"No reference for {missing}: add one line per name to tests/activations/references.py"
    )


def test_every_reference_is_an_activation():
    stale = sorted((set(references.ELEMENTWISE) | set(references.ROWWISE)) - set(our_activations()))
    assert not stale, f"references.py has entries for names keras_acts lacks: {stale}"


@pytest.mark.parametrize("name", [n for n, e in references.ELEMENTWISE.items() if e.literal])
def test_rewritten_references_equal_the_literal_formula(name):
    """Where a reference is rewritten to avoid cancellation, it equals the formula as published."""
    entry = references.ELEMENTWISE[name]
    with mp.workdps(300):  # enough for the literal form's cancellation at these points
        for x in (-30, -10, -3.3, -1, -0.25, 0, 1e-5, 0.5, 2, 7.5, 30):
            a, b = entry.formula(mp.mpf(x)), entry.literal(mp.mpf(x))
            assert abs(a - b) <= mp.mpf(10) ** -60 * max(abs(a), mp.mpf(10) ** -200), (name, x)


# --------------------------------------------------------------------------
# Elementwise functions: two TF calls per (name, setting, dtype), cached


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


def _apply(fn, x: tf.Tensor, kwargs: dict, weights: tf.Tensor | None = None) -> Run:
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x, **kwargs)
        objective = y if weights is None else tf.reduce_sum(tf.cast(weights, y.dtype) * y)
    dy = tape.gradient(objective, x)
    return Run(
        x=x.numpy().astype(np.float64),
        y=np.asarray(y.numpy()).astype(np.float64),
        dy=np.asarray(dy.numpy()).astype(np.float64),
        out_dtype=y.dtype.name,
        grad_dtype=dy.dtype.name,
        shape_ok=y.shape == x.shape,
    )


FINITE, SPECIAL_VALUES = "finite", "special"  # the two batches of each case


@functools.lru_cache(maxsize=None)
def run_elementwise(name: str, setting, dtype: str, part: str = FINITE) -> Run:
    """One TF call on the finite inputs, or on nan and ±inf (apart, so that a
    failure on those cannot hide the finite results)."""
    inputs = finite_inputs(dtype) if part == FINITE else np.array(SPECIAL)
    x = tf.cast(tf.constant(inputs, tf.float64), dtype)  # rounds what the dtype lacks
    return _apply(keras_acts.get(name), x, dict(setting))


@dataclasses.dataclass(frozen=True)
class Point:
    x: float
    y: float
    dy: float
    exact: object  # mpf
    left: object = None  # one-sided derivatives (finite x only)
    right: object = None


@functools.lru_cache(maxsize=None)
def points(name: str, setting, dtype: str, part: str = FINITE) -> tuple[Point, ...]:
    run = run_elementwise(name, setting, dtype, part)
    out = []
    for x, y, dy in zip(run.x, run.y, run.dy):
        x = float(x)
        exact = references.value(name, setting, x)
        left = right = None
        if math.isfinite(x):
            left, right = references.one_sided_derivatives(name, setting, x)
        out.append(Point(x, float(y), float(dy), exact, left, right))
    return tuple(out)


def finite_points(name, setting, dtype) -> tuple[Point, ...]:
    return points(name, setting, dtype, FINITE)


@pytest.mark.parametrize("name, setting, dtype", ELEMENTWISE_CASES)
def test_output_dtype_and_shape(name, setting, dtype):
    run = run_elementwise(name, setting, dtype)
    assert (run.out_dtype, run.grad_dtype, run.shape_ok) == (dtype, dtype, True)


@pytest.mark.parametrize("name, setting, dtype", ELEMENTWISE_CASES)
def test_values_accurate(name, setting, dtype):
    """Accuracy wherever the output is finite or the exact value overflows the dtype."""
    failures, total = [], 0
    for p in finite_points(name, setting, dtype):
        if not math.isfinite(p.y) and math.isfinite(rounded(p.exact, dtype)):
            continue  # test_values_finite's business
        total += 1
        check = check_value(p.y, p.exact, dtype)
        if not check.ok:
            failures.append(f"x={show(p.x, dtype)}: {check.text}")
    assert not failures, report(
        f"{label(name, setting, dtype)} outside {VALUE_TOLERANCE[dtype]}", failures, total)


@pytest.mark.parametrize("name, setting, dtype", ELEMENTWISE_CASES)
def test_values_finite(name, setting, dtype):
    """No nan or inf where the exact value, rounded to the dtype, is finite."""
    failures, total = [], 0
    for p in finite_points(name, setting, dtype):
        if math.isfinite(rounded(p.exact, dtype)):
            total += 1
            if not math.isfinite(p.y):
                failures.append(f"x={show(p.x, dtype)}: got={p.y} expected={show_exact(p.exact)}")
    assert not failures, report(f"{label(name, setting, dtype)} non-finite", failures, total)


@pytest.mark.parametrize("name, setting, dtype", ELEMENTWISE_CASES)
def test_nan_in_nan_out(name, setting, dtype):
    got = [p.y for p in points(name, setting, dtype, SPECIAL_VALUES) if math.isnan(p.x)]
    assert got and all(math.isnan(y) for y in got), f"{label(name, setting, dtype)}(nan) = {got}"


@pytest.mark.parametrize("name, setting, dtype", ELEMENTWISE_CASES)
def test_limits_at_infinity(name, setting, dtype):
    failures = []
    for p in points(name, setting, dtype, SPECIAL_VALUES):
        if math.isinf(p.x):
            check = check_value(p.y, p.exact, dtype)
            if not check.ok:
                failures.append(f"x={p.x}: {check.text}")
    assert not failures, report(f"{label(name, setting, dtype)} at ±inf", failures, 2)


@pytest.mark.parametrize("name, setting, dtype", ELEMENTWISE_CASES)
def test_gradient_finite(name, setting, dtype):
    """Finite wherever the exact derivative, rounded to the dtype, is (one-sided mean at kinks)."""
    failures, total = [], 0
    for p in finite_points(name, setting, dtype):
        exact = derivative(p.left, p.right)
        if math.isfinite(rounded(exact, dtype)):
            total += 1
            if not math.isfinite(p.dy):
                failures.append(f"x={show(p.x, dtype)}: gradient={p.dy} expected={show_exact(exact)}")
    assert not failures, report(f"{label(name, setting, dtype)} gradient non-finite", failures, total)


@pytest.mark.parametrize("name, setting, dtype", ELEMENTWISE_F64_CASES)
def test_gradient_accurate(name, setting, dtype):
    failures, total = [], 0
    entry = references.ELEMENTWISE[name]
    scale = abs(float(dict(setting).get(entry.periodic_in, 1.0))) if entry.periodic_in else 0.0
    for p in finite_points(name, setting, dtype):
        exact = derivative(p.left, p.right)
        if is_kink(p.left, p.right) or not math.isfinite(to_float64(exact)):
            continue
        if scale and abs(p.x) * scale > float(finfo(dtype).max):
            continue  # the derivative depends on an argument beyond the dtype (see references)
        total += 1
        check = check_gradient(p.dy, exact)
        if not check.ok:
            failures.append(f"x={p.x!r}: {check.text}")
    assert not failures, report(
        f"{label(name, setting, dtype)} gradient outside {GRADIENT_RTOL:g} relative", failures, total)


@pytest.mark.parametrize("name, setting, dtype", ELEMENTWISE_F64_CASES)
def test_kinks_only_at_branch_points(name, setting, dtype):
    """The gradient check skips kinks; they may only be at 0, at ± a keyword's
    value or default, or where the reference declares them."""
    entry = references.ELEMENTWISE[name]
    defaults = [p.default for p in inspect.signature(entry.formula).parameters.values()]
    numbers = [v for v in (*dict(setting).values(), *defaults)
               if isinstance(v, (int, float)) and not isinstance(v, bool)]
    allowed = {0.0, *entry.kinks} | {float(v) for v in numbers} | {-float(v) for v in numbers}
    kinks = [p.x for p in finite_points(name, setting, dtype) if is_kink(p.left, p.right)]
    assert set(kinks) <= allowed, f"{label(name, setting)}: kinks at {kinks}, expected within {allowed}"


# --------------------------------------------------------------------------
# Rowwise functions (softmax, gated units): slices along `axis`, two TF calls per case


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


@functools.lru_cache(maxsize=None)
def run_rowwise(name: str, setting, dtype: str, part: str = FINITE) -> RowRun:
    """One TF call on the finite rows, or on those with nan or ±inf."""
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
    run = _apply(keras_acts.get(name), x, dict(setting),
                 tf.constant(orient(np.broadcast_to(np.array(weights), shape))))
    return RowRun(orient(run.x), orient(run.y), orient(run.dy), weights, run.out_dtype,
                  tuple(run.y.shape), orient(np.empty(shape)).shape)


@dataclasses.dataclass(frozen=True)
class Row:
    x: tuple[float, ...]
    y: tuple[float, ...]
    dy: tuple[float, ...]
    exact: tuple  # mpf per output


@functools.lru_cache(maxsize=None)
def row_cases(name, setting, dtype, part: str = FINITE) -> tuple[Row, ...]:
    run = run_rowwise(name, setting, dtype, part)
    out = []
    for x, y, dy in zip(run.x, run.y, run.dy):
        x = tuple(float(v) for v in x)
        out.append(Row(x, tuple(map(float, y)), tuple(map(float, dy)),
                       references.row_values(name, setting, x)))
    return tuple(out)


def finite_rows(name, setting, dtype) -> tuple[Row, ...]:
    return row_cases(name, setting, dtype, FINITE)


def row_text(row: Row, dtype: str) -> str:
    return "[" + ", ".join(show(v, dtype) for v in row.x) + "]"


@pytest.mark.parametrize("name, setting, dtype", ROWWISE_CASES)
def test_rowwise_output_dtype_and_shape(name, setting, dtype):
    run = run_rowwise(name, setting, dtype)
    assert (run.out_dtype, run.out_shape) == (dtype, run.expected_shape)


@pytest.mark.parametrize("name, setting, dtype", ROWWISE_CASES)
def test_rowwise_values_accurate(name, setting, dtype):
    failures, total = [], 0
    for row in finite_rows(name, setting, dtype):
        for j, (y, exact) in enumerate(zip(row.y, row.exact)):
            if not math.isfinite(y) and math.isfinite(rounded(exact, dtype)):
                continue  # test_rowwise_values_finite's business
            total += 1
            check = check_value(y, exact, dtype)
            if not check.ok:
                failures.append(f"row={row_text(row, dtype)}[{j}]: {check.text}")
    assert not failures, report(
        f"{label(name, setting, dtype)} outside {VALUE_TOLERANCE[dtype]}", failures, total)


@pytest.mark.parametrize("name, setting, dtype", ROWWISE_CASES)
def test_rowwise_values_finite(name, setting, dtype):
    failures, total = [], 0
    for row in finite_rows(name, setting, dtype):
        for j, (y, exact) in enumerate(zip(row.y, row.exact)):
            if math.isfinite(rounded(exact, dtype)):
                total += 1
                if not math.isfinite(y):
                    failures.append(f"row={row_text(row, dtype)}[{j}]: got={y} "
                                    f"expected={show_exact(exact)}")
    assert not failures, report(f"{label(name, setting, dtype)} non-finite", failures, total)


@pytest.mark.parametrize("name, setting, dtype", DISTRIBUTION_CASES)
def test_rowwise_sums_to_one(name, setting, dtype):
    tol = VALUE_TOLERANCE[dtype]
    failures = []
    rows_ = finite_rows(name, setting, dtype)  # rows with ±inf: test_rowwise_limits_at_infinity
    for row in rows_:
        total = math.fsum(row.y)
        # each entry may be off by its own tolerance; the sum by at most their sum
        allowed = sum(
            (tol.ulps * ulp(rounded(e, dtype), dtype) if tol.ulps else tol.relative * abs(to_float64(e)))
            for e in row.exact
        ) + ulp(1.0, dtype)
        if not abs(total - 1) <= allowed:
            failures.append(f"row={row_text(row, dtype)}: sum={total!r} (allowed error {allowed:.3g})")
    assert not failures, report(f"{label(name, setting, dtype)} sum", failures, len(rows_))


@pytest.mark.parametrize("name, setting, dtype", ROWWISE_CASES)
def test_rowwise_nan_in_nan_out(name, setting, dtype):
    """Every output that depends on a nan input is nan (for softmax: the whole
    slice); the others keep their values."""
    failures, total = [], 0
    for row in row_cases(name, setting, dtype, SPECIAL_VALUES):
        if any(map(math.isnan, row.x)):
            for j, (y, exact) in enumerate(zip(row.y, row.exact)):
                total += 1
                check = check_value(y, exact, dtype)
                if not check.ok:
                    failures.append(f"row={row_text(row, dtype)}[{j}]: {check.text}")
    assert not failures, report(f"{label(name, setting, dtype)} nan in", failures, total)


@pytest.mark.parametrize("name, setting, dtype", ROWWISE_CASES)
def test_rowwise_limits_at_infinity(name, setting, dtype):
    failures = []
    for row in row_cases(name, setting, dtype, SPECIAL_VALUES):
        if any(map(math.isinf, row.x)) and not any(map(math.isnan, row.x)):
            for j, (y, exact) in enumerate(zip(row.y, row.exact)):
                check = check_value(y, exact, dtype)
                if not check.ok:
                    failures.append(f"row={row_text(row, dtype)}[{j}]: {check.text}")
    assert not failures, report(f"{label(name, setting, dtype)} at ±inf", failures,
                                len(INFINITE_ROWS) * len(row_cases(name, setting, dtype, SPECIAL_VALUES)[0].y))


def row_derivatives(name, setting, dtype) -> list[tuple[Row, tuple]]:
    weights = run_rowwise(name, setting, dtype).weights
    return [
        (row, references.row_gradient(name, setting, row.x, weights))
        for row in finite_rows(name, setting, dtype)
    ]


@pytest.mark.parametrize("name, setting, dtype", ROWWISE_CASES)
def test_rowwise_gradient_finite(name, setting, dtype):
    failures, total = [], 0
    for row, sides in row_derivatives(name, setting, dtype):
        for j, (g, (left, right)) in enumerate(zip(row.dy, sides)):
            exact = derivative(left, right)
            if math.isfinite(rounded(exact, dtype)):
                total += 1
                if not math.isfinite(g):
                    failures.append(f"row={row_text(row, dtype)}[{j}]: gradient={g} "
                                    f"expected={show_exact(exact)}")
    assert not failures, report(f"{label(name, setting, dtype)} gradient non-finite", failures, total)


@pytest.mark.parametrize("name, setting, dtype", ROWWISE_F64_CASES)
def test_rowwise_gradient_accurate(name, setting, dtype):
    failures, total = [], 0
    for row, sides in row_derivatives(name, setting, dtype):
        for j, (g, (left, right)) in enumerate(zip(row.dy, sides)):
            exact = derivative(left, right)
            if is_kink(left, right) or not math.isfinite(to_float64(exact)):
                continue
            total += 1
            check = check_gradient(g, exact)
            if not check.ok:
                failures.append(f"row={row_text(row, dtype)}[{j}]: {check.text}")
    assert not failures, report(
        f"{label(name, setting, dtype)} gradient of sum({list(run_rowwise(name, setting, dtype).weights)} * y) outside "
        f"{GRADIENT_RTOL:g} relative", failures, total)
