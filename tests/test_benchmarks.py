"""Smoke test of the benchmark (keras_acts.benchmarking): a --quick run produces the report.

Timings of a --quick run mean nothing; nothing here checks a timing, only that
every stage runs and the report has its tables, columns and rows.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from keras_acts import benchmarking as bench
from keras_acts import cli

NAMES = ("lisht", "glu")  # a name Keras lacks; a gated name Keras has (output half as wide)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    report, raw = out / "RESULTS.md", out / "results.json"
    status = bench.main(
        ["--quick", "--names", ",".join(NAMES), "--output", str(report), "--json", str(raw)]
    )
    return status, report.read_text(encoding="utf-8"), json.loads(raw.read_text(encoding="utf-8"))


def _header(columns):
    return "| " + " | ".join(columns) + " |"


def _rows(report, columns):
    """The rows of the table whose header is ``columns``, each a list of cells."""
    lines = report.splitlines()
    start = lines.index(_header(columns)) + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_exit_status_and_machine(quick_run):
    status, report, raw = quick_run
    assert status == 0
    assert report.startswith("# keras_acts benchmarks")
    assert "--quick smoke run" in report
    for library in ("TensorFlow", "Keras", "NumPy"):
        assert f"{library} " in report
    assert raw["machine"]["cpu"] and raw["machine"]["usable_cores"] >= 1
    # XLA options change every compiled kernel (--xla_cpu_prefer_vector_width): the report says which
    flags = os.environ.get("XLA_FLAGS", "").strip() or "unset"
    assert raw["machine"]["xla_flags"] == flags and f"XLA_FLAGS {flags}." in report
    # one CPU name covers several generations: on Linux the report names the family and model
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            family = re.search(r"^cpu family\s*:\s*(\d+)$", handle.read(), re.M)
        if family:
            assert raw["machine"]["cpu_id"].startswith(f"family {family.group(1)} model ")
            assert f"{raw['machine']['cpu']} ({raw['machine']['cpu_id']}" in report


def test_report_gives_the_copy_floor_bandwidth(quick_run):
    _, report, raw = quick_run
    size = max(c["size"] for c in raw["kernel_control"])
    fastest_ms = min(c["ms"]["copy"] for c in raw["kernel_control"]
                     if c["size"] == size and c["direction"] == "forward")
    bandwidth = 2 * 4 * size / (fastest_ms / 1e3) / 1e9  # float32 read and written
    assert f"at best {bandwidth:.1f} GB/s read and written" in report


def test_kernel_table_has_every_name_and_mode(quick_run):
    _, report, raw = quick_run
    assert "## 2^12 elements, [4, 1024] float32" in report
    rows = _rows(report, bench.KERNEL_COLUMNS)
    assert [(r[0], r[1]) for r in rows] == [
        (name, mode) for name in (bench.CONTROL, *NAMES) for mode in ("eager", "tf.function", "XLA")
    ]  # the control first: Keras's relu against itself
    assert all(len(r) == len(bench.KERNEL_COLUMNS) for r in rows)
    lisht = [r for r in rows if r[0] == "lisht"]
    assert all(r[2] == r[3] == "n/a" for r in lisht)  # Keras lacks lisht
    assert len(raw["kernels"]) == len(NAMES) * 3 * 2
    assert len(raw["kernel_control"]) == 3 * 2
    assert all(c["vs_keras"]["median"] > 0 for c in raw["kernel_control"])
    for cell in raw["kernels"]:
        assert cell["errors"] == {}
        assert cell["vs_copy"]["median"] > 0
        assert (cell["vs_keras"]["median"] is not None) == (cell["name"] == "glu")


def test_other_tables(quick_run):
    _, report, raw = quick_run
    assert [r[0] for r in _rows(report, bench.SUMMARY_COLUMNS)] == list(NAMES)
    small = _rows(report, bench.SMALL_COLUMNS)
    assert [r[0] for r in small] == list(NAMES)
    assert [(r[6], r[9]) == ("n/a", "n/a") for r in small] == [True, False]  # Keras lacks lisht
    assert all(row["us"]["ours_tape"] > 0 and row["us"]["ours_layer"] > 0 for row in raw["small"])
    assert [r[0] for r in _rows(report, bench.MEMORY_COLUMNS)] == list(NAMES)
    training = _rows(report, bench.TRAINING_COLUMNS)
    assert [r[0] for r in training] == [bench.CONTROL, *NAMES]  # the control first: relu / relu
    assert training[2][2] == "n/a"  # glu: gated, skipped with the reason below the table
    prelu = _rows(report, bench.PRELU_COLUMNS)
    assert len(prelu) == 3 * 2 and {r[1] for r in prelu} == {"eager", "tf.function", "XLA"}
    assert raw["memory"]["available"], raw["memory"]["how"]
    assert all(row["ours"]["peak"] > 0 for row in raw["memory"]["rows"])
    assert "## Targets" in report and "### Missed targets" in report
    assert isinstance(raw["misses"], list)


def test_render_from_json(quick_run, tmp_path):
    _, report, raw = quick_run
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(raw), encoding="utf-8")
    again = tmp_path / "again.md"
    assert bench.main(["--render", str(saved), "--output", str(again)]) == 0
    assert again.read_text(encoding="utf-8") == report


def test_helpers():
    assert bench.parse_size("2^22") == bench.parse_size("2**22") == 4 * 2**20
    with pytest.raises(ValueError):
        bench.parse_size("1000")
    assert bench.median_ratio([1.0, 4.0, 9.0], [1.0, 2.0, 3.0])["median"] == 2.0


@pytest.mark.parametrize("mode", ["eager", "function"])
def test_the_copy_floors_gradient_is_as_wide_as_its_input(mode):
    """A gated unit's upstream gradient is half as wide as ``x``: the copy, whose output is
    as wide as ``x``, takes one of its own shape, not that one. TensorFlow would
    accept the narrower one and return a "gradient" half as large, half the work."""
    import tensorflow as tf

    x, dy_full = tf.ones([2, 8]), tf.ones([2, 8])
    copy = bench._runner(bench._copy, mode, "backward")
    with pytest.raises(ValueError, match="gradient's shape"):
        copy(x, dy_full[:, :4], tf.constant(2.0))
    _, grad = bench._with_upstream(copy, dy_full)(x, dy_full[:, :4], tf.constant(2.0))
    assert grad.shape == x.shape and float(tf.reduce_sum(grad)) == 2.0 * 16


def test_an_unsettled_cell_gets_more_rounds_until_it_settles():
    """Rounds go on past the budgeted ones while ``settled`` says no, every round
    alternating and counted, up to ``settle_rounds`` in all or the extra time."""
    calls = []
    runners = {key: (lambda key=key: calls.append(key)) for key in ("ours", "copy", "keras")}

    def settled_after(rounds):
        def settled(times):
            return len(times["ours"]) >= rounds
        return settled

    def run(**settle):
        calls.clear()
        times, _ = bench.paired_times(runners, (), 3, 3, 0.0, warmup_calls=1, **settle)
        return {key: len(t) for key, t in times.items()}

    assert run() == {"ours": 3, "copy": 3, "keras": 3}
    assert run(settled=settled_after(0), settle_rounds=20, settle_budget_s=60) == dict.fromkeys(runners, 3)
    assert run(settled=settled_after(7), settle_rounds=20, settle_budget_s=60) == dict.fromkeys(runners, 7)
    assert calls[3:9] == ["ours", "copy", "keras", "keras", "copy", "ours"]  # alternating
    assert run(settled=settled_after(99), settle_rounds=12, settle_budget_s=60) == dict.fromkeys(runners, 12)
    assert run(settled=settled_after(99), settle_rounds=12, settle_budget_s=0.0) == dict.fromkeys(runners, 3)


def test_a_cell_is_settled_when_its_quartiles_exclude_one():
    def times(ratios):
        return {"ours": list(ratios), "keras": [1.0] * len(ratios), "copy": [1.0] * len(ratios)}

    assert bench._settled_against_keras(times([1.1, 1.2, 1.3, 1.15, 1.25]))
    assert bench._settled_against_keras(times([0.8, 0.9, 0.85, 0.95, 0.7]))
    assert not bench._settled_against_keras(times([0.9, 1.1, 0.95, 1.05, 1.0]))
    assert bench._settled_against_keras({"ours": [1.0], "copy": [1.0]})  # Keras lacks the name


def test_a_miss_within_the_controls_spread_is_marginal():
    def cell(name, median, q1, q3):
        return {"name": name, "size": 2**22, "mode": "xla", "direction": "backward", "errors": {},
                "vs_keras": {"median": median, "q1": q1, "q3": q3, "n": 9},
                "vs_copy": {"median": 1.0, "q1": 1.0, "q3": 1.0, "n": 9}}

    def marginal(control_q3):
        results = {"kernels": [cell("relu", 1.08, 1.02, 1.12)],
                   "kernel_control": [cell(bench.CONTROL, 1.01, 0.95, control_q3)]}
        [miss] = [m for m in bench.evaluate(results) if m["target"] == "keras"]
        return miss["marginal"]

    assert marginal(1.10) and not marginal(1.05)


@pytest.fixture(scope="module")
def kernel_args():
    import tensorflow as tf

    # 2^16 elements: large enough that softmax runs TensorFlow's kernel eagerly
    shape = [64, bench.ROW]
    x = tf.random.stateless_normal(shape, seed=[1, 2])
    return x, tf.random.stateless_normal(shape, seed=[3, 4]), tf.constant(1.5)


@pytest.mark.parametrize("mode", bench.MODES)
@pytest.mark.parametrize("direction", bench.DIRECTIONS)
def test_keras_acts_relu_runs_the_same_program_as_keras_relu(kernel_args, mode, direction):
    import keras_acts

    ours, theirs = keras_acts.get("relu"), bench.keras_function("relu")
    assert bench.same_program(ours, theirs, mode, direction, kernel_args)


@pytest.mark.parametrize("mode", bench.MODES)
def test_other_work_is_not_the_same_program(kernel_args, mode):
    import keras_acts

    # gelu: another formula; tanh against Keras's relu: another op of the same shape
    assert not bench.same_program(keras_acts.get("gelu"), bench.keras_function("gelu"), mode,
                                  "backward", kernel_args)
    assert not bench.same_program(keras_acts.get("tanh"), bench.keras_function("relu"), mode,
                                  "forward", kernel_args)


@pytest.mark.parametrize("direction", bench.DIRECTIONS)
def test_a_read_on_the_host_is_not_keras_program_eagerly(kernel_args, direction):
    import numpy as np
    import tensorflow as tf

    import keras_acts

    def relu_then_read(x):
        y = tf.nn.relu(x)
        if tf.executing_eagerly():  # work no op shows, nor the traced graph
            np.vdot(y.numpy(), y.numpy())
        return y

    relu = bench.keras_function("relu")
    assert bench.same_program(lambda x: tf.nn.relu(x), relu, "eager", direction, kernel_args)
    assert not bench.same_program(relu_then_read, relu, "eager", direction, kernel_args)
    # keras_acts's softmax executes Keras's one Softmax op, then checks its output on the host
    softmax = keras_acts.get("softmax")
    assert bench._eager_ops(bench._runner(bench._kernel(softmax), "eager", direction), kernel_args) is None
    assert not bench.same_program(softmax, bench.keras_function("softmax"), "eager", direction,
                                  kernel_args)


@pytest.mark.parametrize("mode", bench.MODES)
def test_the_same_ops_on_other_values_are_not_the_same_program(kernel_args, mode):
    import numpy as np
    import tensorflow as tf

    # an attribute, an inline constant and a captured tensor of 1024 entries (XLA's text
    # leaves such a constant out; a captured tensor is a parameter there, not a constant)
    row = np.linspace(0.0, 1.0, bench.ROW, dtype=np.float32)
    captured, captured_again, captured_other = (tf.constant(row), tf.constant(row.copy()),
                                                tf.constant(2 * row))
    pairs = {
        "attribute": (lambda x: tf.nn.leaky_relu(x, 0.2), lambda x: tf.nn.leaky_relu(x, 0.3)),
        "constant": (lambda x: x * row, lambda x: x * (2 * row)),
        "captured": (lambda x: x * captured, lambda x: x * captured_other),
    }
    for what, (one, other) in pairs.items():
        assert not bench.same_program(one, other, mode, "backward", kernel_args), what
    assert bench.same_program(lambda x: x * captured, lambda x: x * captured_again, mode,
                              "backward", kernel_args)


def test_a_slower_cell_running_keras_program_is_noise_not_a_miss():
    def cell(same):
        return {"name": "relu", "size": 2**22, "mode": "function", "direction": "forward",
                "errors": {}, "keras_has": True, "same_program": same,
                "vs_keras": {"median": 1.3, "q1": 1.2, "q3": 1.4, "n": 9},
                "vs_copy": {"median": 1.0, "q1": 1.0, "q3": 1.0, "n": 9}}

    assert [m["target"] for m in bench.evaluate({"kernels": [cell(False)]})] == ["keras"]
    results = {"kernels": [cell(True)]}
    assert bench.evaluate(results) == []
    lines = bench._same_program_lines(results)
    assert "* relu, 2^22 tf.function forward: 1.30 (quartiles 1.20-1.40)" in lines
    assert bench._keras_ratio_cell(cell(True)) == "1.30="
    assert bench._keras_ratio_cell(cell(False)) == "**1.30**"


def test_bad_name_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--names", "lsiht"])
    assert exit_info.value.code == 2
    assert "lisht" in capsys.readouterr().err


@pytest.mark.parametrize("names, message", [
    (",", "no names given"), ("", "no names given"),
    ("leaky_relu(0.1)", "names only (each is timed with its default options)"),
    ("relu(max_value=6.0, threshold=1.0)", "names only"),
])
def test_empty_and_parameterised_names_are_usage_errors(names, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--names", names])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_an_unwritable_file_is_refused_before_measuring(tmp_path, capsys, monkeypatch):
    # os.access said a folder was writable where the file could not be made (a name too
    # long, /proc as root): the run measured for minutes, then ended in a traceback
    monkeypatch.setattr(bench, "run", lambda *a, **k: pytest.fail("measured"))
    long_name = tmp_path / ("a" * 300 + ".md")
    assert bench.main(["--quick", "--output", str(long_name)]) == 2
    assert "cannot write --output" in capsys.readouterr().err
    existing = tmp_path / "kept.md"
    existing.write_text("kept", encoding="utf-8")
    for output in (tmp_path / "new.md", existing):
        assert bench.main(["--quick", "--output", str(output), "--json", str(long_name)]) == 2
        assert "cannot write --json" in capsys.readouterr().err
    # the check leaves nothing behind: no new file, an existing one as it was
    assert not (tmp_path / "new.md").exists()
    assert existing.read_text(encoding="utf-8") == "kept"


def test_the_output_check_leaves_a_link_and_its_missing_target_as_they_were(tmp_path):
    link = tmp_path / "report.md"
    link.symlink_to(tmp_path / "target.md")  # dangling
    assert bench._writable(str(link), "--output") is None
    assert link.is_symlink() and not (tmp_path / "target.md").exists()


@pytest.mark.parametrize("content", ["[]", "{}", '{"machine": 1}'])
def test_render_of_json_that_is_not_results_is_one_line(content, tmp_path, capsys):
    saved = tmp_path / "other.json"
    saved.write_text(content, encoding="utf-8")
    assert bench.main(["--render", str(saved), "--output", str(tmp_path / "r.md")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is not a results file written with --json" in err
    assert not (tmp_path / "r.md").exists()


def test_keras_acts_bench_verb_and_module_entry_point(tmp_path):
    report = tmp_path / "verb.md"
    status = cli.main(["bench", "--quick", "--names", "lisht", "--stages", "small",
                       "--output", str(report)])
    assert status == 0 and "| lisht |" in report.read_text(encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--help"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "--quick" in result.stdout


def test_a_small_call_with_its_gradient_or_after_a_product_slower_than_keras_is_a_miss():
    def row(alone, with_gradient, after_product):
        ratio = [{"median": m, "q1": m - 0.1, "q3": m + 0.1, "n": 15}
                 for m in (alone, with_gradient, after_product)]
        return {"name": "elu", "keras_has": True, "us": {}, "vs_keras": ratio[0],
                "tape_vs_keras": ratio[1], "layer_vs_keras": ratio[2], "errors": {}}

    misses = bench.evaluate({"small": [row(0.9, 1.4, 1.3)]})
    assert [(m["target"], m["where"]) for m in misses] == [
        ("keras", "[1, 1024] eager, one call and its gradient"),
        ("keras", "[8, 128] eager, one call after a matrix product")]
    assert bench.evaluate({"small": [row(0.9, 0.95, 1.0)]}) == []


def test_gated_backward_layouts_agree_and_report(capsys):
    """benchmarks/gated_backward.py: every way it times of writing a gated gradient computes
    the shipped gradient (checked inside ``measure``), and the report names each of them."""
    from benchmarks import gated_backward

    assert gated_backward.main(["--units", "glu", "--size", "2^12", "--rounds", "1"]) == 0
    report = capsys.readouterr().out
    for name in [*gated_backward.FLOORS, *gated_backward.kernels("glu")]:
        assert f"| {name} |" in report
    with pytest.raises(SystemExit):
        gated_backward.main(["--units", "gelu"])
    assert "--units: unknown gelu; known: reglu, glu, swiglu, geglu" in capsys.readouterr().err


def test_training_forms_reports_each_form_and_the_accurate_forward(capsys):
    """benchmarks/training_forms.py: the forms of elu agree outside the band near 0
    (checked inside ``check``), the report names each, and only the expm1 forms keep the
    band's digits: TensorFlow's kernel is hundreds of ULP off there."""
    from benchmarks import training_forms

    errors = training_forms.check("elu")
    assert errors[training_forms.OURS] <= 8 < 100 < errors[training_forms.KERAS]
    assert errors[training_forms.KERNEL] > 100 and errors[training_forms.SELECT] <= 8
    assert training_forms.main(["--names", "elu", "--quick", "--rounds", "1", "--block", "1",
                                "--chain", "2", "--forward-rounds", "1"]) == 0
    report = capsys.readouterr().out
    for label in training_forms.forms("elu"):
        assert f"| {label} |" in report
    with pytest.raises(SystemExit):
        training_forms.main(["--names", "gelu"])
    assert "--names: unknown gelu; known: elu, selu" in capsys.readouterr().err


def test_training_forms_refuses_a_form_that_computes_another_function(monkeypatch):
    from benchmarks import training_forms

    shipped = training_forms.forms("selu")
    wrong = {**shipped, training_forms.KERNEL: lambda x: shipped[training_forms.KERNEL](x) * 1.001}
    monkeypatch.setattr(training_forms, "forms", lambda name: wrong)
    with pytest.raises(AssertionError, match="computes other values"):
        training_forms.check("selu")


def test_small_graph_reports_both_passes_of_each_name(capsys):
    """benchmarks/small_graph.py: a row per name and pass, Keras's and keras_acts's cost
    side by side; only names Keras has (no gated unit) are taken."""
    from benchmarks import small_graph

    names = small_graph.default_names()
    assert {"elu", "log_softmax", "softmax", "relu"} <= set(names)
    assert not {"glu", "lisht"} & set(names)
    assert small_graph.main(["--names", "elu,softmax", "--chain", "2", "--rounds", "1"]) == 0
    report = capsys.readouterr().out
    for name in ("elu", "softmax"):
        for phase in ("forward", "forward+backward"):
            assert f"| {name} | {phase} |" in report
    for select in ("tf.where", "where"):
        for dtype in ("float32", "float64"):
            assert f"| {select} | {dtype} |" in report
    with pytest.raises(SystemExit):
        small_graph.main(["--names", "lisht"])
    assert "--names: lisht not among the names Keras has too" in capsys.readouterr().err


def test_gated_backward_refuses_a_layout_that_computes_another_gradient(monkeypatch):
    from benchmarks import gated_backward

    shipped = gated_backward.kernels("glu")
    name = next(iter(shipped))
    wrong = {name: shipped[name], "halves swapped": lambda dy, x, s: shipped[name](dy, x, s)[:, ::-1]}
    monkeypatch.setattr(gated_backward, "kernels", lambda unit: wrong)
    with pytest.raises(AssertionError, match="'halves swapped' computes another gradient"):
        gated_backward.measure("glu", 2**12, rounds=1)


def test_new_shapes_reports_every_mode_with_keras_beside_where_it_has_the_name(capsys):
    """benchmarks/new_shapes.py: a row per name, a keras_acts and a Keras cell per mode
    (Keras's empty for a name it lacks); unknown names and sizes below 1 are refused."""
    from benchmarks import new_shapes

    assert new_shapes.main(["--names", "mish,lisht", "--shapes", "1", "--width", "8"]) == 0
    report = capsys.readouterr().out
    mish = next(line for line in report.splitlines() if line.startswith("| mish |"))
    lisht = next(line for line in report.splitlines() if line.startswith("| lisht |"))
    assert len(mish.split("|")) == len(lisht.split("|")) == 2 + 1 + 2 * len(new_shapes.MODES)
    assert all(cell.strip() for cell in mish.split("|")[1:-1])
    assert [cell.strip() for cell in lisht.split("|")[3:-1:2]] == [""] * len(new_shapes.MODES)
    with pytest.raises(SystemExit):
        new_shapes.main(["--names", "lishtt"])
    assert "--names: unknown lishtt; known: " in capsys.readouterr().err
    with pytest.raises(SystemExit):
        new_shapes.main(["--shapes", "0"])
    assert "--shapes and --width must be at least 1" in capsys.readouterr().err
