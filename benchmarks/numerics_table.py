"""The numerics table: keras_acts's activations and Keras's built-ins, against mpmath.

Run from anywhere (about 20 seconds on two CPU cores; progress on stderr)::

    python benchmarks/numerics_table.py                        # every name, every dtype
    python -m benchmarks.numerics_table                        # the same, from the repository root
    python benchmarks/numerics_table.py --names mish,celu --dtypes float32,float64
    python benchmarks/numerics_table.py --output benchmarks/NUMERICS.md

For every keras_acts activation with a reference in
``tests/activations/references.py`` (elementwise and rowwise), with its default
keyword arguments, and each dtype, one row: the worst value error, the worst
float64 gradient error and the number of bad points, measured by the numerics
harness's own code (``tests/activations/numerics_tools.py``: the same inputs,
references and error measures as ``tests/activations/test_numerics.py``);
then the same three columns for Keras's function of the same name, where
Keras has one (``keras.activations.<name>``, Keras's own, never keras_acts's).
``METHOD`` below is the text written into the report.

A Keras function that raises, returns the wrong shape or has no gradient does
not stop the script: its points count as bad. ``main(argv)`` is the command
line and returns the exit status; ``measure(names, dtypes)`` gives the numbers.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import math
import os
import pathlib
import platform
import sys
import time
from typing import Callable, Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no effect once TensorFlow is imported

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the harness lives in tests/activations

import keras  # noqa: E402
import mpmath  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_acts  # noqa: E402
from keras_acts import _keras_hook, registry  # noqa: E402
from tests.activations import numerics_tools as nt  # noqa: E402
from tests.activations import references  # noqa: E402

if not pathlib.Path(nt.__file__).resolve().is_relative_to(ROOT):  # pragma: no cover
    raise ImportError(f"imported the harness from {nt.__file__}, not from {ROOT}/tests: "
                      "another package named 'tests' shadows this repository's")

KERAS_ACTS, KERAS = "keras_acts", "Keras"
IMPLEMENTATIONS = (KERAS_ACTS, KERAS)
# Keras functions that need arguments beyond x: the values matching keras_acts's defaults.
KERAS_EXTRA_ARGS = {"threshold": {"threshold": 0.0, "default_value": 0.0}}
EXAMPLES = 3  # bad points described per cell in the details
LARGEST = 10  # keras_acts's cells closest to their tolerance, listed at the end
NOT_APPLICABLE = "—"

METHOD = """\
Each row is one activation with its default keyword arguments, in one dtype, against
its mpmath reference (`tests/activations/references.py`, 50 digits, at the inputs as
cast to the dtype). The inputs, references and error measures are those of the numerics
harness (`tests/activations/numerics_tools.py`, used by `test_numerics.py`):

* Elementwise functions: {finite} finite inputs per dtype (-10 to 10 in steps of 0.25,
  a few non-dyadic, tiny and large values, ±1e4 and ± the dtype's largest finite value),
  then nan, +inf and -inf. Rowwise functions (softmax family, gated units): {rows} slices
  of 4 along the last axis (large logits, ± the largest value), then {special_rows} slices
  holding ±inf or nan; the gradient is that of `sum(w * f(x))`, `w = {weights}`.
* **value**: the worst error of a finite output, in the unit of the harness's
  tolerance: ULPs of the exact value rounded to the dtype (float32, float64) or error
  relative to the exact value (float16, bfloat16). Where the exact |value| is below the
  dtype's eps, the error is absolute, in ULPs of eps or relative to eps, as the harness
  measures it there; where the exact value overflows the dtype, the output must be that
  inf (else: inf). Tolerances: {tolerances}.
* **grad**: float64 only: the worst error of a finite gradient relative to
  max(|exact derivative|, eps), away from kinks (where the left and right
  derivatives differ). Tolerance: {gradient_rtol:g}.
* **bad**: the number of input points (a number; for rowwise functions a slice) where
  an output or a gradient entry is nan or inf while the exact value rounded to the dtype
  is finite, a nan input does not give nan, or the value at ±inf is not the function's
  limit within tolerance. A call that raises makes all its points bad.
* **bold**: beyond the harness's tolerance (any bad point is bold). {na}: not measured
  (gradient errors in float64 only) or, in the Keras columns, no Keras function of that
  name. Keras's `threshold` is called with `threshold=0.0, default_value=0.0` (keras_acts's
  defaults); Keras's functions are the attributes of `keras.activations`.
"""


# ----------------------------------------------------------------------------- measuring


@dataclasses.dataclass
class Cell:
    """One implementation of one name in one dtype: worst errors and bad points."""

    value_error: float | None = None  # in the unit of VALUE_TOLERANCE[dtype]; None: none measured
    value_at: tuple = ()  # (where, got, exact) of the worst
    gradient_error: float | None = None  # float64 only
    gradient_at: tuple = ()
    bad: int = 0
    points: int = 0
    examples: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)  # raised, wrong dtype or shape

    def value(self, error: float, where: str, got: float, exact) -> None:
        if self.value_error is None or error > self.value_error:
            self.value_error, self.value_at = error, (where, got, exact)

    def gradient(self, error: float, where: str, got: float, exact) -> None:
        if self.gradient_error is None or error > self.gradient_error:
            self.gradient_error, self.gradient_at = error, (where, got, exact)

    def mark_bad(self, problems: list[str], prefix: str = "") -> None:
        """One point, bad if anything is wrong there (``problems``, in words)."""
        if problems:
            self.bad += 1
            if len(self.examples) < EXAMPLES:
                more = ", ..." if len(problems) > 2 else ""
                self.examples.append(prefix + ", ".join(problems[:2]) + more)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one TF call gave: outputs and gradients (float64), or why not."""

    y: np.ndarray | None
    dy: np.ndarray | None
    problem: str = ""  # an exception, a missing gradient or a wrong shape
    out_dtype: str = ""


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if len(text) > 100:
        text = text[:97] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def call(fn: Callable, x: tf.Tensor, kwargs: dict, expected_shape: tuple[int, ...],
         weights: tf.Tensor | None = None) -> Outcome:
    """``fn`` on ``x`` with its gradient (``numerics_tools.apply``); never raises.

    If the gradient fails (an exception, or no gradient), the forward alone,
    with nan gradients; if the forward fails or has the wrong shape, nothing."""
    try:
        run = nt.apply(fn, x, kwargs, weights)
        y, dy, problem, out_dtype = run.y, run.dy, "", run.out_dtype
    except Exception as error:  # noqa: BLE001 - Keras functions may raise anything
        # tape.gradient gives None where no gradient reaches x: apply then fails on None.numpy()
        missing = isinstance(error, AttributeError) and "NoneType" in str(error)
        problem = "no gradient" if missing else _describe(error)
        try:
            out = fn(x, **kwargs)
            y = np.asarray(tf.cast(out, tf.float64).numpy())
            dy, out_dtype = np.full(x.shape, math.nan), tf.as_dtype(out.dtype).name
            problem = f"gradient failed ({problem})"
        except Exception as error2:  # noqa: BLE001
            return Outcome(None, None, _describe(error2))
    if tuple(y.shape) != tuple(expected_shape):
        return Outcome(None, None, f"output shape {tuple(y.shape)}, expected {tuple(expected_shape)}")
    if dy.shape != tuple(x.shape):
        dy = np.full(x.shape, math.nan)
    return Outcome(y, dy, problem, out_dtype)


def _record_call(cell: Cell, outcome: Outcome, dtype: str, part: str) -> None:
    if outcome.problem:
        cell.note(f"{part} inputs: {outcome.problem}")
    if outcome.out_dtype and outcome.out_dtype != dtype:
        cell.note(f"returns {outcome.out_dtype} for {dtype} inputs")


def measure_elementwise(fn: Callable, name: str, dtype: str, kwargs: dict) -> Cell:
    """Worst errors and bad points of ``fn`` (an implementation of ``name``) in ``dtype``."""
    entry, setting, cell = references.ELEMENTWISE[name], (), Cell()
    for part in (nt.FINITE, nt.SPECIAL_VALUES):
        x = nt.elementwise_inputs(dtype, part)
        fed = x.numpy().astype(np.float64)
        cell.points += len(fed)
        outcome = call(fn, x, kwargs, tuple(x.shape))
        _record_call(cell, outcome, dtype, part)
        if outcome.y is None:
            cell.bad += len(fed)
            continue
        for p in nt.elementwise_points(name, setting, fed, outcome.y, outcome.dy):
            where = f"x={nt.show(p.x, dtype)}"
            problems = []
            if math.isnan(p.x):
                if not math.isnan(p.y):
                    problems.append(f"f(nan)={p.y!r}")
            elif math.isinf(p.x):
                if not nt.check_value(p.y, p.exact, dtype).ok:
                    problems.append(f"f({p.x})={nt.show(p.y, dtype)}, limit {nt.show_exact(p.exact)}")
            else:
                if not math.isfinite(p.y) and math.isfinite(nt.rounded(p.exact, dtype)):
                    problems.append(f"f({where[2:]})={p.y}, exact {nt.show_exact(p.exact)}")
                else:
                    cell.value(nt.value_error(p.y, p.exact, dtype), where, p.y, p.exact)
                exact = nt.derivative(p.left, p.right)
                if not math.isfinite(p.dy) and math.isfinite(nt.rounded(exact, dtype)):
                    problems.append(f"f'({where[2:]})={p.dy}, exact {nt.show_exact(exact)}")
                elif (dtype == "float64" and not nt.is_kink(p.left, p.right)
                      and math.isfinite(nt.to_float64(exact))
                      and not nt.beyond_period(entry, setting, p.x, dtype)):
                    cell.gradient(nt.gradient_error(p.dy, exact), where, p.dy, exact)
            cell.mark_bad(problems)
    return cell


def _row_text(x: tuple[float, ...], dtype: str) -> str:
    return "[" + ", ".join(nt.show(v, dtype) for v in x) + "]"


def measure_rowwise(fn: Callable, name: str, dtype: str, kwargs: dict) -> Cell:
    """The same for a function of slices (softmax family, gated units), along the last axis."""
    setting, cell = (), Cell()
    for part in (nt.FINITE, nt.SPECIAL_VALUES):
        layout = nt.row_layout(name, setting, dtype, part)
        cell.points += layout.shape[0]
        outcome = call(fn, layout.x, kwargs, layout.orient(np.empty(layout.shape)).shape,
                       layout.weights)
        _record_call(cell, outcome, dtype, part)
        if outcome.y is None:
            cell.bad += layout.shape[0]
            continue
        fed = layout.orient(layout.x.numpy().astype(np.float64))
        rows = nt.rowwise_rows(name, setting, fed, layout.orient(outcome.y),
                               layout.orient(outcome.dy))
        if part == nt.FINITE:
            for row, sides in nt.row_gradients(name, setting, rows, layout.weight_row):
                where = f"row={_row_text(row.x, dtype)}"
                problems = []
                for j, (y, exact) in enumerate(zip(row.y, row.exact)):
                    if not math.isfinite(y) and math.isfinite(nt.rounded(exact, dtype)):
                        problems.append(f"y[{j}]={y}, exact {nt.show_exact(exact)}")
                    else:
                        cell.value(nt.value_error(y, exact, dtype), f"{where} output {j}", y, exact)
                for j, (g, (left, right)) in enumerate(zip(row.dy, sides)):
                    exact = nt.derivative(left, right)
                    if not math.isfinite(g) and math.isfinite(nt.rounded(exact, dtype)):
                        problems.append(f"gradient[{j}]={g}, exact {nt.show_exact(exact)}")
                    elif (dtype == "float64" and not nt.is_kink(left, right)
                          and math.isfinite(nt.to_float64(exact))):
                        cell.gradient(nt.gradient_error(g, exact), f"{where} entry {j}", g, exact)
                cell.mark_bad(problems, prefix=f"{where}: ")
        else:  # nan: the outputs depending on it are nan; ±inf: the limits
            for row in rows:
                cell.mark_bad([f"y[{j}]={nt.show(y, dtype)}, exact {nt.show_exact(exact)}"
                               for j, (y, exact) in enumerate(zip(row.y, row.exact))
                               if not nt.check_value(y, exact, dtype).ok],
                              prefix=f"row={_row_text(row.x, dtype)}: ")
    return cell


def measure_one(fn: Callable, name: str, dtype: str, kwargs: dict | None = None) -> Cell:
    """One cell; an unexpected failure of the measurement itself is a note, not a crash."""
    kwargs = kwargs or {}
    measure = measure_elementwise if name in references.ELEMENTWISE else measure_rowwise
    try:
        return measure(fn, name, dtype, kwargs)
    except Exception as error:  # noqa: BLE001 - e.g. an output the references cannot take
        cell = Cell()
        cell.note(f"measurement failed: {_describe(error)}")
        return cell


def table_names() -> list[str]:
    """keras_acts's names with a reference (user registrations aside), in list order."""
    return [n for n in keras_acts.list_activations()
            if registry.spec(n).family != "user" and references.entry(n) is not None]


def keras_function(name: str) -> Callable | None:
    """Keras's own function of that name, or None where Keras has none.

    ``keras.activations.get(name)`` would answer keras_acts's function for the
    names keras_acts adds, so Keras's functions are taken as attributes of the
    ``keras.activations`` module, for the names in Keras's own table
    (``threshold`` included, which Keras's string lookup completes with keras_acts's)."""
    if name not in _keras_hook.keras_names():
        return None
    return getattr(keras.activations, name, None)


def measure(names: Sequence[str], dtypes: Sequence[str], log=None) -> dict:
    """``{(name, dtype): {"keras_acts": Cell, "Keras": Cell | None}}``."""
    results = {}
    for name in names:
        started = time.perf_counter()
        ours, theirs = keras_acts.get(name), keras_function(name)
        for dtype in dtypes:
            results[name, dtype] = {
                KERAS_ACTS: measure_one(ours, name, dtype),
                KERAS: None if theirs is None
                else measure_one(theirs, name, dtype, KERAS_EXTRA_ARGS.get(name)),
            }
        if log:
            log(f"{name}: {time.perf_counter() - started:.1f}s")
    return results


# ----------------------------------------------------------------------------- the report

COLUMNS = ("name", "dtype",
           "keras_acts value", "keras_acts grad", "keras_acts bad",
           "Keras value", "Keras grad", "Keras bad")


def _relative(dtype: str) -> bool:
    """Whether the dtype's value errors are relative (float16, bfloat16), not in ULPs."""
    return nt.VALUE_TOLERANCE[dtype].ulps is None


def within_value_tolerance(error: float | None, dtype: str) -> bool:
    tol = nt.VALUE_TOLERANCE[dtype]
    return error is None or error <= (tol.ulps if tol.ulps is not None else tol.relative)


def within_gradient_tolerance(error: float | None) -> bool:
    return error is None or error <= nt.GRADIENT_RTOL


def _number(v: float, relative: bool) -> str:
    if math.isinf(v) or math.isnan(v):
        return str(v)
    if v == 0:
        return "0"
    return f"{v:.1e}" if relative else f"{v:.3g}"


def _bold(text: str, bad: bool) -> str:
    return f"**{text}**" if bad else text


def cells(cell: Cell | None, dtype: str) -> list[str]:
    """The three columns of one implementation."""
    if cell is None:
        return [NOT_APPLICABLE] * 3
    if cell.value_error is None:
        value = "**fails**" if cell.notes or cell.bad else NOT_APPLICABLE
    else:
        value = _bold(_number(cell.value_error, _relative(dtype)),
                      not within_value_tolerance(cell.value_error, dtype))
    if cell.gradient_error is None:
        gradient = NOT_APPLICABLE
    else:
        gradient = _bold(_number(cell.gradient_error, True),
                         not within_gradient_tolerance(cell.gradient_error))
    return [value, gradient, _bold(str(cell.bad), cell.bad > 0)]


def _value_unit(cell: Cell, dtype: str) -> str:
    """The unit of the cell's worst value error: of the exact value, or of eps below it."""
    exact = cell.value_at[2]
    tiny = mpmath.isfinite(exact) and abs(exact) < float(nt.finfo(dtype).eps)
    if _relative(dtype):
        return "relative to eps (absolute)" if tiny else "relative"
    return "ULP of eps (absolute)" if tiny else "ULP"


def _at(worst: tuple, dtype: str) -> str:
    where, got, exact = worst
    return f"{where} (got {nt.show(got, dtype)}, exact {nt.show_exact(exact)})"


def faults(cell: Cell | None, dtype: str) -> list[str]:
    """What is beyond tolerance in one cell, in words (empty: nothing)."""
    if cell is None:
        return []
    found = []
    if not within_value_tolerance(cell.value_error, dtype):
        found.append(f"value error {_number(cell.value_error, _relative(dtype))} "
                     f"{_value_unit(cell, dtype)} at {_at(cell.value_at, dtype)}")
    if not within_gradient_tolerance(cell.gradient_error):
        found.append(f"gradient error {_number(cell.gradient_error, True)} relative "
                     f"at {_at(cell.gradient_at, 'float64')}")
    if cell.bad:
        found.append(f"{cell.bad} bad of {cell.points} points"
                     + (": " + " | ".join(cell.examples) if cell.examples else ""))
    found += cell.notes
    return found


def worst_fractions(cell: Cell | None, dtype: str) -> list[tuple[float, str]]:
    """The cell's worst value and gradient errors as fractions of their tolerances, in words."""
    if cell is None:
        return []
    out = []
    if cell.value_error is not None:
        tol = nt.VALUE_TOLERANCE[dtype]
        out.append((cell.value_error / (tol.relative if _relative(dtype) else tol.ulps),
                    f"value error {_number(cell.value_error, _relative(dtype))} "
                    f"{_value_unit(cell, dtype)} at {_at(cell.value_at, dtype)}"))
    if cell.gradient_error is not None:
        out.append((cell.gradient_error / nt.GRADIENT_RTOL,
                    f"gradient error {_number(cell.gradient_error, True)} relative "
                    f"at {_at(cell.gradient_at, 'float64')}"))
    return out


def _versions() -> str:
    return (f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
            f"keras_acts {keras_acts.__version__}, NumPy {np.__version__}, "
            f"mpmath {mpmath.__version__}, Python {platform.python_version()}")


def render_markdown(results: dict, names: Sequence[str], dtypes: Sequence[str],
                    seconds: float, argv: Sequence[str]) -> str:
    tolerances = ", ".join(f"{d} {nt.VALUE_TOLERANCE[d]}" for d in nt.DTYPES)
    method = METHOD.format(
        finite=len(nt.finite_inputs("float32")), rows=len(nt.ROWS),
        special_rows=len(nt.INFINITE_ROWS) + len(nt.NAN_ROWS),
        weights=list(nt.WEIGHTS), tolerances=tolerances, gradient_rtol=nt.GRADIENT_RTOL,
        na=NOT_APPLICABLE,
    )
    command = " ".join(["python benchmarks/numerics_table.py", *argv])
    summary: list[str] = []
    lines = [
        "# Numerics of keras_acts's activations and Keras's built-ins",
        "",
        f"Generated {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} by `{command}` "
        f"in {seconds:.0f} s.",
        f"{_versions()}; {platform.platform()}.",
        "",
        method,
        "",  # the summary, once the details are known
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join([":---", ":---"] + ["---:"] * 6) + "|",
    ]
    summary_at = lines.index(method) + 1
    for name in names:
        for dtype in dtypes:
            row = results[name, dtype]
            lines.append("| " + " | ".join(
                [name, dtype, *cells(row[KERAS_ACTS], dtype), *cells(row[KERAS], dtype)]) + " |")
    details = []
    for implementation in IMPLEMENTATIONS:
        found = [(name, dtype, faults(results[name, dtype][implementation], dtype))
                 for name in names for dtype in dtypes]
        measured = [f for f in found if results[f[0], f[1]][implementation] is not None]
        found = [f for f in found if f[2]]
        summary.append(
            f"{implementation}: {len(found)} of {len(measured)} cells beyond tolerance"
            + (f", in {len({f[0] for f in found})} of {len({f[0] for f in measured})} names"
               if found else ""))
        details += [f"### {implementation}" + ("" if found else ": nothing"), ""]
        details += [f"* `{name}` {dtype}: " + "; ".join(items) for name, dtype, items in found]
        if found:
            details.append("")
    lines[summary_at] = "**Summary**: " + "; ".join(summary) + "."
    lines += ["", "## Beyond tolerance", "", *details]
    lines += ["## keras_acts's largest errors, as a fraction of the tolerance", ""]
    largest = sorted(((fraction, name, dtype, text) for name in names for dtype in dtypes
                      for fraction, text in worst_fractions(results[name, dtype][KERAS_ACTS], dtype)),
                     key=lambda item: -item[0])[:LARGEST]
    lines += [f"* `{name}` {dtype}: {text}: {fraction:.2f} of the tolerance"
              for fraction, name, dtype, text in largest]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- command line


def _log(message: str) -> None:
    print(f"[numerics_table] {message}", file=sys.stderr, flush=True)


def _csv(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: measure, print the Markdown report, write it to ``--output``."""
    parser = argparse.ArgumentParser(
        prog="python benchmarks/numerics_table.py",
        description="Worst value error, worst float64 gradient error and bad points of "
                    "keras_acts's activations and Keras's built-ins, against mpmath.",
    )
    parser.add_argument("--names", type=_csv, default=None,
                        help="comma-separated activation names (default: every one with a reference)")
    parser.add_argument("--dtypes", type=_csv, default=list(nt.DTYPES),
                        help=f"comma-separated dtypes among {','.join(nt.DTYPES)} (default: all)")
    parser.add_argument("--output", default=None, help="also write the report to this Markdown file")
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    known = table_names()
    names = args.names or known
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"no reference for {unknown}; names: {', '.join(known)}")
    bad_dtypes = [d for d in args.dtypes if d not in nt.DTYPES]
    if bad_dtypes or not args.dtypes:
        parser.error(f"dtypes must be among {', '.join(nt.DTYPES)}, not {bad_dtypes}")

    started = time.perf_counter()
    results = measure(names, args.dtypes, log=_log)
    seconds = time.perf_counter() - started
    report = render_markdown(results, names, args.dtypes, seconds, argv)
    print(report)
    if args.output:
        directory = os.path.dirname(args.output)
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(report)
        _log(f"wrote {args.output}")
    _log(f"{len(names)} names x {len(args.dtypes)} dtypes in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
