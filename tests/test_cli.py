"""The keras-acts command line: parsing, list, show, plot, the demo verb, and errors."""

import math
import pathlib
import subprocess
import sys

import pytest

import keras_acts
from keras_acts import cli, demo

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_demo_options_parse():
    args = cli.build_parser().parse_args(["demo", "--epochs", "3", "--activation", "lisht"])
    assert (args.command, args.epochs, args.activation) == ("demo", 3, "lisht")
    defaults = cli.build_parser().parse_args(["demo"])
    assert defaults.epochs == demo.DEFAULT_EPOCHS
    assert defaults.activation == demo.DEFAULT_ACTIVATION


@pytest.mark.parametrize("argv", [[], ["bogus"], ["demo", "--epochs", "0"], ["demo", "--epochs", "x"]])
def test_bad_command_lines_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert "usage: keras-acts" in capsys.readouterr().err


def test_version(capsys):
    import keras_acts

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert keras_acts.__version__ in capsys.readouterr().out


def test_demo_verb_forwards_options(monkeypatch, capsys):
    seen = {}

    def fake_run(**kwargs):
        seen.update(kwargs)
        return {"binary_accuracy": 0.8, "binary_auc": 0.77, "binary_majority_accuracy": 0.78,
                "multiclass_accuracy": 0.8, "multiclass_majority_accuracy": 0.49, "seconds": 1.0}

    monkeypatch.setattr(demo, "run", fake_run)
    assert cli.main(["demo", "--epochs", "1", "--activation", "LiSHT", "--seed", "5"]) == 0
    assert seen == {"epochs": 1, "activation": "LiSHT", "verbose": 2, "seed": 5}
    assert "Credit-default demo" in capsys.readouterr().out


def test_unknown_activation_in_process(capsys):
    assert cli.main(["demo", "--activation", "lsiht"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err]
    assert err.startswith("keras-acts demo: error: Unknown activation 'lsiht'") and "'lisht'" in err


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "keras_acts", "demo", "--activation", "lsiht"],
        [sys.executable, str(REPO / "examples" / "credit_default.py"), "--activation", "lsiht"],
    ],
    ids=["python -m keras_acts", "examples/credit_default.py"],
)
def test_unknown_activation_subprocess(command):
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "lisht" in done.stderr
    assert "Traceback" not in done.stderr
    error_lines = [line for line in done.stderr.splitlines() if "Unknown activation" in line]
    assert len(error_lines) == 1


# --- list, show, plot ------------------------------------------------------------------------


def _show_values(out: str) -> dict[float, tuple[float, float]]:
    """The x -> (f(x), f'(x)) table printed at the end of ``keras-acts show``."""
    table = out.split("derivative by tf.GradientTape:\n", 1)[1].splitlines()
    assert table[0].split() == ["x", "f(x)", "f'(x)"]
    return {float(x): (float(y), float(dy)) for x, y, dy in (line.split() for line in table[1:])}


def test_list_has_a_row_for_every_activation(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    first_words = {line.split()[0] for line in out.splitlines() if line.strip()}
    names = keras_acts.list_activations()
    assert set(names) <= first_words
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "gelu_approximate" in rows["gelu_tanh"]            # aliases
    assert "alpha=1.0" in rows["elu"]                         # parameters, without x
    assert "x * tanh(x)" in rows["lisht"]                     # formula, first docstring line
    assert "arXiv:1901.05894" in rows["lisht"]                # reference
    assert "PReLU" in rows["leaky_relu"] and "PReLU" in rows["relu"]  # learnable layer
    assert f"{len(names)} activations" in out


def test_list_markdown(capsys):
    assert cli.main(["list", "--format", "markdown"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "| name | aliases | formula | parameters | layer | reference |"
    assert len(lines) == 2 + len(keras_acts.list_activations())
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines)
    hard_shrink = next(line for line in lines if line.startswith("| hard_shrink |"))
    assert "\\|x\\|" in hard_shrink and "``" not in hard_shrink  # pipes escaped, Markdown code


def test_learnable_layer_lookup(monkeypatch):
    assert cli.learnable_layer("leaky_relu") == "PReLU"
    assert cli.learnable_layer("relu") == "PReLU"
    assert cli.learnable_layer("lisht") is None
    monkeypatch.setitem(cli.LEARNABLE_LAYERS, "lisht", "PReLU")
    assert cli.learnable_layer("lisht") == "PReLU"
    monkeypatch.setitem(cli.LEARNABLE_LAYERS, "tanh", "NoSuchLayer")
    assert cli.learnable_layer("tanh") is None


def test_show_prints_the_docstring_and_float64_values(capsys):
    assert cli.main(["show", "gelu_tanh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("gelu_tanh\n=========\n")
    assert "gelu_approximate" in out and "arXiv:1606.08415" in out
    assert "Hendrycks & Gimpel (2016)" in out                  # the whole docstring
    values = _show_values(out)
    assert sorted(values) == [-3.0, -1.0, 0.0, 1.0, 3.0]
    for x, (y, _) in values.items():
        expected = 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
        assert y == pytest.approx(expected, rel=1e-14, abs=1e-300)


def test_show_sigmoid_derivative_and_points(capsys):
    assert cli.main(["show", "Logistic", "--at", "-2.5", "0", "4"]) == 0
    values = _show_values(capsys.readouterr().out)
    assert sorted(values) == [-2.5, 0.0, 4.0]
    for x, (y, dy) in values.items():
        s = 1 / (1 + math.exp(-x))
        assert y == pytest.approx(s, rel=1e-15)
        assert dy == pytest.approx(s * (1 - s), rel=1e-13)


def test_negative_numbers_in_any_notation_are_values(capsys, tmp_path):
    # argparse takes -1e3 and -inf for options ("expected at least one argument")
    assert cli.main(["show", "Logistic", "--at", "-1e1", "-inf", "0"]) == 0
    values = _show_values(capsys.readouterr().out)
    assert sorted(values) == [-math.inf, -10.0, 0.0]
    assert values[-10.0][0] == pytest.approx(1 / (1 + math.exp(10)), rel=1e-14)
    assert values[-math.inf] == (0.0, 0.0)
    assert cli.main(["plot", "relu", "-o", str(tmp_path / "x.png"), "--x-min", "-1e3", "--x-max", "1e3"]) == 0
    assert "x from -1000 to 1000" in capsys.readouterr().out


def test_show_axiswise_parameterised_and_keras_names(capsys):
    assert cli.main(["show", "softmax", "--at", "1"]) == 0
    out = capsys.readouterr().out
    assert "first output for the input [x, 0]" in out
    assert _show_values(out)[1.0][0] == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-15)
    assert cli.main(["show", "leaky_relu(0.1)", "--at", "-2"]) == 0
    out = capsys.readouterr().out
    assert _show_values(out)[-2.0] == pytest.approx((-0.2, 0.1))
    assert "layer:      keras_acts.layers.PReLU" in out


def test_plot_writes_a_png(tmp_path, capsys):
    from matplotlib.image import imread

    output = tmp_path / "acts.png"
    argv = ["plot", "relu", "gelu_tanh", "swiglu", "--output", str(output),
            "--x-min", "-4", "--x-max", "4", "--num", "41", "--dpi", "50"]
    assert cli.main(argv) == 0
    assert str(output) in capsys.readouterr().out
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = imread(output).shape[:2]
    assert (width, height) == (600, 150)  # three 4 x 3 inch cells at 50 dpi
    single = tmp_path / "one.png"
    assert cli.main(["plot", "tanh", "-o", str(single), "--no-derivative", "--dpi", "20"]) == 0
    assert single.exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["show", "lsiht"], "Unknown activation 'lsiht'. Closest known names: 'lisht'"),
        (["plot", "relu", "lsiht", "-o", "{tmp}/x.png"], "Unknown activation 'lsiht'"),
        (["plot", "relu", "-o", "{tmp}/x.png", "--x-min", "3", "--x-max", "-3"], "--x-min"),
        (["plot", "relu", "-o", "{tmp}/no/such/folder/x.png"], "does not exist"),
        (["plot", "relu", "-o", "{tmp}/x.unknownsuffix"], "could not write"),
        # options of the wrong type, and values the inputs cannot take
        (["show", "elu(alpha='x')"], "`alpha` must be a number"),
        (["show", "relu(max_value=True)"], "`max_value`"),
        (["show", "softmax(axis=5)"], "`axis`=5 is out of range"),
        (["plot", "gelu(approximate='yes')", "-o", "{tmp}/x.png"], "`approximate`"),
        (["plot", "softmax(axis=5)", "-o", "{tmp}/x.png"], "`axis`=5"),
        (["plot", "relu", "-o", "{tmp}/x.png", "--x-max", "inf"], "finite"),
        (["plot", "relu", "-o", "{tmp}/x.png", "--x-min=-1e308", "--x-max=1e308"], "too far apart"),
        # output paths matplotlib would quietly change (adding ".png") or cannot write
        (["plot", "relu", "-o", "{tmp}/noext"], "suffix"),
        (["plot", "relu", "-o", "{tmp}"], "folder"),
        (["plot", "relu", "-o", ""], "folder"),
        (["demo", "--activation", "elu(alpha='x')"], "`alpha` must be a number"),
        (["bench", "--render", "{tmp}/missing.json", "--output", "{tmp}/r.md"], "cannot read --render"),
        (["bench", "--render", "{tmp}/r.json", "--output", "{tmp}"], "--output must name a file"),
        (["bench", "--render", "{tmp}/r.json", "--output", "{tmp}/r.json/r.md"], "cannot make the folder"),
    ],
)
def test_user_errors_exit_2_with_one_line(argv, message, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    (tmp_path / "r.json").write_text("{}")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err]
    assert err.startswith(f"keras-acts {argv[0]}: error: ") and message in err
    assert not (tmp_path / "x.png").exists()


def test_show_prints_the_options_a_parameterised_name_was_given(capsys):
    assert cli.main(["show", "elu(alpha=0.5)", "--at", "-1"]) == 0
    out = capsys.readouterr().out
    assert "parameters: alpha=0.5" in out
    assert f"{0.5 * math.expm1(-1.0)!r}" in out  # the value at -1 is computed with 0.5 too


def test_seeds_are_checked_by_the_parser(capsys):
    # keras.utils.set_random_seed refuses these only after the data is loaded (or,
    # in bench, after minutes of measuring).
    for verb in ("demo", "bench"):
        for seed in ("-1", str(2 ** 32)):
            with pytest.raises(SystemExit) as exit_info:
                cli.main([verb, "--seed", seed])
            assert exit_info.value.code == 2
            assert "--seed: must be from 0 to 4294967295" in capsys.readouterr().err


def test_plot_and_show_need_a_name(capsys):
    for argv in (["plot", "-o", "x.png"], ["show"], ["plot", "relu"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2
    assert "usage: keras-acts" in capsys.readouterr().err


def test_unknown_name_subprocess_has_no_traceback(tmp_path):
    output = str(tmp_path / "a.png")
    command = [sys.executable, "-m", "keras_acts", "plot", "relu", "lsiht", "-o", output]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if "error:" in line] == [
        "keras-acts plot: error: Unknown activation 'lsiht'. Closest known names: "
        + ", ".join(repr(n) for n in _closest("lsiht")) + "."
    ]


def _closest(name):
    try:
        keras_acts.get(name)
    except ValueError as error:
        closest = str(error).split("Closest known names:")[1]
        return [part.strip(" '.") for part in closest.split(",")]
    raise AssertionError(f"{name!r} is known")


def test_show_of_an_option_the_inputs_cannot_take_prints_only_the_error(capsys):
    assert cli.main(["show", "softmax(axis=5)"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "`axis`=5 is out of range" in err


def test_show_gives_a_required_options_value(capsys):
    def scaled_cli_test(x, scale):
        return x * scale

    keras_acts.register_activation(scaled_cli_test)
    assert cli.main(["show", "scaled_cli_test(scale=2.0)", "--at", "1.5"]) == 0
    out = capsys.readouterr().out
    assert "parameters: scale=2.0" in out
    assert "formula:" not in out  # it has no docstring: no empty line for it
    assert _show_values(out)[1.5] == (3.0, 2.0)
