"""Smoke test of the numerics table (benchmarks/numerics_table.py) on a few names.

The script runs its ``main`` on three names in two dtypes (a few seconds): the
report has the table and its columns, keras_acts's cells are within the
numerics harness's tolerances, and Keras's columns show two known Keras
defects (mish at -inf is nan; celu's gradient at 0 is 2). The error measures
the table prints are checked against the harness's own checks, and a broken
function (raising, wrong shape, no gradient) is measured without a crash.
"""

import importlib.util
import math
import pathlib
import sys

import numpy as np
import pytest
import tensorflow as tf
from mpmath import mp

ROOT = pathlib.Path(__file__).resolve().parents[1]
NAMES = ("mish", "celu", "softmax")  # Keras's mish at -inf and celu's gradient at 0; a rowwise name
DTYPES = ("float32", "float64")


def _load_script():
    name = "keras_acts_benchmarks_numerics_table"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "numerics_table.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


table = _load_script()
nt = table.nt  # the harness's shared module, as the script imported it


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("numerics") / "NUMERICS.md"
    status = table.main(["--names", ",".join(NAMES), "--dtypes", ",".join(DTYPES),
                         "--output", str(out)])
    assert status == 0
    return out.read_text(encoding="utf-8")


def _rows(report: str) -> dict:
    """``{(name, dtype): {column: cell}}`` from the report's table."""
    lines = report.splitlines()
    header = "| " + " | ".join(table.COLUMNS) + " |"
    start = lines.index(header) + 2
    rows = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == len(table.COLUMNS), line
        row = dict(zip(table.COLUMNS, cells))
        rows[row["name"], row["dtype"]] = row
    return rows


def _number(cell: str) -> float:
    return float(cell.strip("*"))


def test_header_and_columns(report):
    assert report.startswith("# Numerics of keras_acts's activations and Keras's built-ins")
    assert f"TensorFlow {tf.__version__}" in report
    assert "Keras " in report and "Generated " in report
    assert table.COLUMNS == ("name", "dtype",
                             "keras_acts value", "keras_acts grad", "keras_acts bad",
                             "Keras value", "Keras grad", "Keras bad")
    assert set(_rows(report)) == {(n, d) for n in NAMES for d in DTYPES}


def test_printed_report_is_the_written_one(tmp_path, capsys):
    out = tmp_path / "t.md"
    assert table.main(["--names", "relu", "--dtypes", "float32", "--output", str(out)]) == 0
    assert capsys.readouterr().out.strip() == out.read_text(encoding="utf-8").strip()


def test_keras_acts_within_the_harness_tolerances(report):
    for (name, dtype), row in _rows(report).items():
        tol = nt.VALUE_TOLERANCE[dtype]
        value = _number(row["keras_acts value"])
        assert value <= (tol.ulps if tol.ulps is not None else tol.relative), (name, dtype, value)
        assert row["keras_acts bad"] == "0", (name, dtype)
        if dtype == "float64":
            assert _number(row["keras_acts grad"]) <= nt.GRADIENT_RTOL, (name, dtype)
        else:
            assert row["keras_acts grad"] == table.NOT_APPLICABLE
        assert "**" not in "".join(row[c] for c in table.COLUMNS[2:5]), row
    assert "### keras_acts: nothing" in report


def test_keras_defects_show(report):
    rows = _rows(report)
    for dtype in DTYPES:  # keras.activations.mish(-inf) is nan: a bad point, in bold
        bad = rows["mish", dtype]["Keras bad"]
        assert bad.startswith("**") and _number(bad) > 0, (dtype, bad)
        assert rows["softmax", dtype]["Keras bad"] != "0"  # softmax with +inf logits: nan
    gradient = rows["celu", "float64"]["Keras grad"]  # celu's gradient at 0 is 2, not 1
    assert gradient.startswith("**") and _number(gradient) == pytest.approx(1.0)
    assert "`celu` float64: gradient error 1.0e+00 relative at x=0.0 (got 2.0, exact 1.0)" in report
    assert "`mish` float32: 1 bad of 122 points: f(-inf)=nan" in report


def test_names_keras_lacks_have_no_keras_columns():
    assert table.keras_function("lisht") is None
    assert table.keras_function("mish") is __import__("keras").activations.mish
    assert table.keras_function("threshold") is not None  # Keras's own, called with 2 arguments
    results = table.measure(["lisht"], ["float32"])
    assert results["lisht", "float32"][table.KERAS] is None
    assert table.cells(None, "float32") == [table.NOT_APPLICABLE] * 3


@pytest.mark.parametrize("dtype", nt.DTYPES)
def test_error_measures_agree_with_the_harness_checks(dtype):
    """value_error <= tolerance exactly where check_value passes (and the same
    for gradients), on errors just inside and just outside the bounds."""
    tol = nt.VALUE_TOLERANCE[dtype]
    bound = tol.ulps if tol.ulps is not None else tol.relative
    eps = float(nt.finfo(dtype).eps)
    with mp.workdps(60):
        for exact in (mp.mpf("0.7"), mp.mpf(-3) / 7, mp.mpf("1e-30"), mp.mpf(eps) * 1.5, mp.mpf(100)):
            target = nt.rounded(exact, dtype)
            unit = (nt.ulp(target if abs(exact) >= eps else eps, dtype) if tol.ulps
                    else (abs(float(exact)) if abs(exact) >= eps else eps))
            for factor in (0.0, 0.3, 0.9, 1.1, 3.0):
                got = float(exact + factor * bound * unit)
                error = nt.value_error(got, exact, dtype)
                assert (error <= bound) == nt.check_value(got, exact, dtype).ok, (exact, factor)
        for got, exact in ((math.nan, mp.mpf(1)), (math.inf, mp.mpf(1)), (5.0, mp.inf),
                           (math.inf, mp.inf), (math.nan, mp.nan), (0.0, mp.nan)):
            ok = nt.check_value(got, exact, dtype).ok
            assert (nt.value_error(got, exact, dtype) <= bound) == ok, (got, exact)
        for exact in (mp.mpf("0.25"), mp.mpf("1e-20"), mp.mpf(-2) / 3):
            scale = max(abs(float(exact)), float(np.finfo(np.float64).eps))
            for factor in (0.0, 0.5, 2.0):
                got = float(exact + factor * nt.GRADIENT_RTOL * scale)
                agree = (nt.gradient_error(got, exact) <= nt.GRADIENT_RTOL)
                assert agree == nt.check_gradient(got, exact).ok, (exact, factor)
        assert nt.gradient_error(math.nan, mp.mpf(1)) == math.inf


def _raises(x, **kwargs):
    raise RuntimeError("broken on purpose")


def test_broken_functions_count_as_bad_points():
    raising = table.measure_one(_raises, "mish", "float32")
    assert raising.bad == raising.points == 122 and raising.value_error is None
    assert any("RuntimeError: broken on purpose" in n for n in raising.notes)
    assert table.cells(raising, "float32")[0] == "**fails**"

    wrong_shape = table.measure_one(lambda x: tf.reduce_sum(x), "softsign", "float64")
    assert wrong_shape.bad == 122 and any("shape" in n for n in wrong_shape.notes)

    # a gradient of 0 is wrong, not missing (an error); through int32 there is none at all (bad)
    def zero_gradient(x):
        return tf.where(tf.ones_like(x, tf.bool), tf.stop_gradient(x), x)

    wrong_gradient = table.measure_one(zero_gradient, "linear", "float64")
    assert wrong_gradient.bad == 0 and wrong_gradient.gradient_error == pytest.approx(1.0)
    missing = table.measure_one(lambda x: tf.cast(tf.cast(x, tf.int32), x.dtype), "linear", "float32")
    assert missing.bad > 0 and any("gradient failed (no gradient)" in n for n in missing.notes)

    rowwise = table.measure_one(_raises, "softmax", "float32")
    assert rowwise.bad == rowwise.points == len(nt.ROWS) + len(nt.INFINITE_ROWS) + len(nt.NAN_ROWS)


def test_command_line_rejects_unknown_names_and_dtypes(capsys):
    for argv in (["--names", "no_such_activation"], ["--dtypes", "float8"]):
        with pytest.raises(SystemExit) as exit_:
            table.main(argv)
        assert exit_.value.code == 2
    assert "no_such_activation" in capsys.readouterr().err
