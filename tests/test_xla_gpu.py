"""benchmarks/xla_gpu.py: export here, run where only JAX is, render.

The run step goes through JAX's CPU backend in a separate process, the way it
runs on a GPU machine (no TensorFlow there). No timing is asserted; the outputs
are, against float64 formulas.
"""

import importlib.util
import json
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("xla_gpu", ROOT / "benchmarks" / "xla_gpu.py")
xla_gpu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(xla_gpu)
NAMES = ("lisht", "glu", "softmax")  # Keras lacks lisht; glu halves the width; softmax is row-wise
SIZES = (2**12, 2**13)


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    out = tmp_path_factory.mktemp("xla_programs")
    assert xla_gpu.main(["export", "--out", str(out), "--sizes", "2^12,2^13",
                         "--names", ",".join(NAMES)]) == 0
    return out


@pytest.fixture(scope="module")
def device_run(programs, tmp_path_factory):
    raw = tmp_path_factory.mktemp("gpu") / "gpu.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "xla_gpu.py"), "run", "--programs", str(programs),
         "--json", str(raw), "--rounds", "2", "--round-ms", "0.1"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "JAX_PLATFORMS": "cpu"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(raw.read_text(encoding="utf-8")), done.stderr


def _manifest(programs):
    return json.loads((programs / "manifest.json").read_text(encoding="utf-8"))


def test_export_writes_every_program(programs):
    manifest = _manifest(programs)
    ids = {p["id"] for p in manifest["programs"]}
    assert not [p for p in manifest["programs"] if "error" in p]
    for size in ("12", "13"):
        for direction in xla_gpu.DIRECTIONS:
            for name in NAMES:
                assert f"{name}.ours.{direction}.{size}" in ids
                assert (f"{name}.keras.{direction}.{size}" in ids) == (name != "lisht")
            # one copy: its dy is as wide as its own output (x), also beside glu's half-wide one
            assert f"copy.{direction}.{size}" in ids and {p["width"] for p in manifest["programs"]
                                                          if p["impl"] == "copy"} == {1024}
    assert {"memory.relu.keras", "memory.lisht.ours", "memory.glu.keras"} <= ids
    assert "memory.lisht.keras" not in ids
    for program in manifest["programs"]:
        assert (programs / program["file"]).stat().st_size > 100


def test_checks_hold_tensorflows_outputs_of_the_formulas(programs):
    """The exported check values are the functions' values at the sampled positions."""
    checks = xla_gpu.load_checks(str(programs))
    x, dy = (a.astype(np.float64) for a in xla_gpu.deterministic_inputs(2**12, 1024))
    flat_x = x.reshape(-1)
    where = xla_gpu.sample_positions(flat_x.size)

    def assert_close(program_id, index, exact):
        got = checks[program_id][index]["samples"].astype(np.float64)
        np.testing.assert_allclose(got, exact[where], rtol=1e-5, atol=1e-5)  # float32 vs float64

    assert_close("lisht.ours.forward.12", 0, flat_x * np.tanh(flat_x))
    assert_close("lisht.ours.backward.12", 1, (np.tanh(x) + x * (1 - np.tanh(x) ** 2)).reshape(-1)
                 * dy.reshape(-1))
    assert_close("copy.forward.12", 0, 1.5 * flat_x)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    assert_close("softmax.keras.forward.12", 0, (e / e.sum(axis=-1, keepdims=True)).reshape(-1))
    a, b = x[:, :512], x[:, 512:]
    glu = (a / (1 + np.exp(-b))).reshape(-1)
    got = checks["glu.ours.forward.12"][0]["samples"].astype(np.float64)
    np.testing.assert_allclose(got, glu[xla_gpu.sample_positions(glu.size)], rtol=1e-6, atol=1e-6)
    assert checks["lisht.ours.forward.12"][0]["sum"] == pytest.approx((flat_x * np.tanh(flat_x)).sum(),
                                                                      rel=1e-6)


def test_run_checks_and_times_every_cell_without_tensorflow(device_run):
    results, log = device_run
    assert results["imported_tensorflow"] is False
    assert results["errors"] == {}
    assert "preflight" in log
    cells = {(c["name"], c["size"], c["direction"]): c for c in results["cells"]}
    assert set(cells) == {(n, s, d) for n in NAMES for s in SIZES for d in xla_gpu.DIRECTIONS}
    for (name, size, direction), cell in cells.items():
        assert set(cell["ms"]) == ({"ours", "copy"} if name == "lisht" else {"ours", "keras", "copy"})
        assert all(v > 0 for v in cell["ms"].values())
        assert cell["vs_copy"]["median"] > 0
        if size == min(SIZES):  # TensorFlow's check values exist at the smallest size
            assert set(cell["check"]) == set(cell["ms"])
            assert max(cell["check"].values()) <= xla_gpu.CHECK_TOLERANCE
        else:
            assert cell["check"] == {}
        width = 512 if name == "glu" else 1024
        rows = size // 1024
        outputs = rows * width * 4 + (rows * 1024 * 4 if direction == "backward" else 0)
        inputs = rows * 1024 * 4 + (rows * width * 4 if direction == "backward" else 0)
        assert cell["bytes"]["ours"] == inputs + outputs
        # the copy reads x (and a dy as wide) and writes as much: its gradient is x's shape
        assert cell["bytes"]["copy"] == rows * 1024 * 4 * (4 if direction == "backward" else 2)


def test_run_reads_memory_of_every_training_step(device_run):
    results, _ = device_run
    rows = {(r["name"], r["impl"]): r for r in results["memory"]}
    assert set(rows) == {("relu", "keras"), ("lisht", "ours"), ("glu", "ours"), ("glu", "keras"),
                         ("softmax", "ours"), ("softmax", "keras")}
    layers, width, batch = xla_gpu.MEMORY_STACK
    weights = 4 * (layers * (width * width + width))
    for row in rows.values():
        if row["name"] != "glu":  # glu's layers after the first take half-width inputs
            # the arguments are the weights and the batch (x, y); the outputs their gradients
            assert row["argument"] == weights + 2 * 4 * batch * width
            assert row["output"] >= weights
        assert row["peak"] == row["argument"] + row["output"] + row["temp"] - row["alias"]
    # A gradient keeps the function's input, never its formula's intermediates, also inside
    # one XLA program (lisht's x tanh(x): XLA would otherwise keep tanh(x) for the backward pass).
    relu = rows["relu", "keras"]["temp"]
    assert rows["lisht", "ours"]["temp"] <= relu, (rows["lisht", "ours"]["temp"], relu)


def test_render_reports_every_cell(device_run, tmp_path):
    results, _ = device_run
    raw = tmp_path / "gpu.json"
    raw.write_text(json.dumps(results), encoding="utf-8")
    report_path = tmp_path / "RESULTS_GPU.md"
    assert xla_gpu.main(["render", str(raw), "--output", str(report_path)]) == 0
    report = report_path.read_text(encoding="utf-8")
    assert report.startswith("# keras_acts on a GPU")
    assert "## 2^12 elements, [4, 1024] float32" in report and "## 2^13 elements" in report
    assert "Outputs off TensorFlow's by more than 1e-05: none." in report
    assert "the copy's is as wide as its own output, `x`" in report
    assert "| lisht | fwd+bwd | n/a |" in report
    assert "## Training-step memory" in report and "| glu | " in report


def test_compare_catches_wrong_and_unwritten_outputs():
    x, _ = xla_gpu.deterministic_inputs(2**12, 1024)
    expected = xla_gpu.fingerprint(np.tanh(x))
    assert xla_gpu.compare(np.tanh(x), expected) == 0.0
    off = np.tanh(x) * (1 + 1e-3)
    assert xla_gpu.compare(off, expected) == pytest.approx(1e-3, rel=1e-2)
    unwritten = np.tanh(x)
    unwritten[-1, 7] = 0.0  # a position no sample sees: the sums do
    assert xla_gpu.compare(unwritten, expected) > xla_gpu.CHECK_TOLERANCE
    nan = np.tanh(x)
    nan.reshape(-1)[0] = np.nan
    assert xla_gpu.compare(nan, expected) == math.inf


def test_deterministic_inputs_cover_their_ranges():
    x, dy = xla_gpu.deterministic_inputs(2**16, 512)
    again, _ = xla_gpu.deterministic_inputs(2**16, 512)
    assert np.array_equal(x, again)
    assert x.shape == (64, 1024) and dy.shape == (64, 512)
    # evenly spread: every twelfth of [-6, 6) holds about a twelfth of the values
    counts, _ = np.histogram(x, bins=12, range=(-6, 6))
    assert counts.min() > 0.99 * x.size / 12 and counts.max() < 1.01 * x.size / 12
    assert -1 <= dy.min() and dy.max() < 1


def test_docstring_examples():
    import doctest

    assert doctest.testmod(xla_gpu, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0
