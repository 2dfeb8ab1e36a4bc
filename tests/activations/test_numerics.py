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
* float32 gradients within 1e-5 relative plus 4 eps absolute (the custom
  gradients, computed from the output, are float32-only for the ELU family);
* gradients finite wherever the exact derivative rounded to the dtype is
  finite, in every dtype.

Functions of a whole axis (softmax, the gated units) get the same checks per
slice, on rows with large logits, plus sum-to-one for distributions; their
gradient is that of ``sum(WEIGHTS * f(x))``.

A new activation needs one line in ``references.py``; until it has one,
``test_every_activation_has_a_reference`` fails naming it.

The inputs, tolerances and checks are in ``numerics_tools.py``, shared with
``benchmarks/numerics_table.py`` (the same measurements as a table, beside
Keras's built-ins).
"""

from __future__ import annotations

import functools
import inspect
import math

import pytest
from mpmath import mp

import keras_acts
from keras_acts import registry

from . import references
from .numerics_tools import (  # shared with benchmarks/numerics_table.py
    DTYPES,
    FINITE,
    GRADIENT_RTOL,
    INFINITE_ROWS,
    RUN_MODES,
    SPECIAL_VALUES,
    VALUE_TOLERANCE,
    Point,
    Row,
    RowRun,
    Run,
    check_gradient,
    check_value,
    derivative,
    elementwise_points,
    evaluate_elementwise,
    evaluate_rowwise,
    finfo,
    is_kink,
    rounded,
    row_gradients,
    rowwise_rows,
    show,
    show_exact,
    to_float64,
    ulp,
)


# --------------------------------------------------------------------------
# Reports


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
# float32 gradients: within 1e-5 relative plus 4 eps absolute. The absolute part is
# the float32 rounding of gradients computed from the output (TensorFlow's tanh and
# sigmoid gradients, 1 - y^2 and y (1 - y), give 0 where y rounds to 1).
F32_GRADIENT_RTOL = 1e-5
F32_GRADIENT_ATOL = 4 * 2.0 ** -23
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


# Every check runs four times: eagerly (small calls run as compiled kernels); in a
# tf.function with every tensor fused, where keras_acts runs its custom-gradient
# functions as XLA-compiled kernels, whose exp, log, tanh ... are XLA's own
# implementations, not TensorFlow's; in a tf.function with fusion off, op by op, as
# small tensors run in model.fit on a CPU; and inside one jit_compile=True program,
# where keras_acts's XLA forms run (what model.fit compiles on a GPU).
MODES = RUN_MODES
_mode = {"name": "eager"}


@pytest.fixture(params=MODES, autouse=True)
def mode(request):
    _mode["name"] = request.param
    keras_acts.config.set_xla_fusion(request.param != "unfused",
                                     from_elements=0 if request.param == "graph" else None)
    yield request.param
    keras_acts.config.set_xla_fusion(True)


def run_elementwise(name: str, setting, dtype: str, part: str = FINITE) -> Run:
    """One TF call on the finite inputs, or on nan and ±inf (apart, so that a
    failure on those cannot hide the finite results)."""
    return _run_elementwise(name, setting, dtype, part, _mode["name"])


@functools.lru_cache(maxsize=None)
def _run_elementwise(name: str, setting, dtype: str, part: str, mode: str) -> Run:
    return evaluate_elementwise(keras_acts.get(name), dict(setting), dtype, part, mode)


def points(name: str, setting, dtype: str, part: str = FINITE) -> tuple[Point, ...]:
    return _points(name, setting, dtype, part, _mode["name"])


@functools.lru_cache(maxsize=None)
def _points(name: str, setting, dtype: str, part: str, mode: str) -> tuple[Point, ...]:
    run = _run_elementwise(name, setting, dtype, part, mode)
    return elementwise_points(name, setting, run.x, run.y, run.dy)


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


ELEMENTWISE_F32_CASES = cases(references.ELEMENTWISE, dtypes=("float32",))


@pytest.mark.parametrize("name, setting, dtype", ELEMENTWISE_F32_CASES)
def test_float32_gradient_accurate(name, setting, dtype):
    """float32 gradients (custom ones among them) within F32_GRADIENT_RTOL relative plus
    F32_GRADIENT_ATOL absolute of the exact derivative."""
    failures, total = [], 0
    entry = references.ELEMENTWISE[name]
    scale = abs(float(dict(setting).get(entry.periodic_in, 1.0))) if entry.periodic_in else 0.0
    for p in finite_points(name, setting, dtype):
        exact = derivative(p.left, p.right)
        if is_kink(p.left, p.right) or not math.isfinite(rounded(exact, dtype)):
            continue
        if scale and abs(p.x) * scale > 2 ** 24:
            continue  # the derivative depends on an argument float32 cannot resolve
        total += 1
        error = abs(p.dy - to_float64(exact))
        if not error <= F32_GRADIENT_RTOL * abs(to_float64(exact)) + F32_GRADIENT_ATOL:
            failures.append(f"x={show(p.x, dtype)}: gradient={p.dy!r} expected={show_exact(exact)} "
                            f"error={error:.3g}")
    assert not failures, report(
        f"{label(name, setting, dtype)} gradient outside {F32_GRADIENT_RTOL:g} relative "
        f"+ {F32_GRADIENT_ATOL:.3g}", failures, total)


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


def run_rowwise(name: str, setting, dtype: str, part: str = FINITE) -> RowRun:
    """One TF call on the finite rows, or on those with nan or ±inf."""
    return _run_rowwise(name, setting, dtype, part, _mode["name"])


@functools.lru_cache(maxsize=None)
def _run_rowwise(name: str, setting, dtype: str, part: str, mode: str) -> RowRun:
    return evaluate_rowwise(keras_acts.get(name), name, setting, dtype, part, mode=mode)


def row_cases(name, setting, dtype, part: str = FINITE) -> tuple[Row, ...]:
    return _row_cases(name, setting, dtype, part, _mode["name"])


@functools.lru_cache(maxsize=None)
def _row_cases(name, setting, dtype, part: str, mode: str) -> tuple[Row, ...]:
    run = _run_rowwise(name, setting, dtype, part, mode)
    return rowwise_rows(name, setting, run.x, run.y, run.dy)


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
    return row_gradients(name, setting, finite_rows(name, setting, dtype), weights)


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
