"""The keras-acts command line: parsing, forwarding to the demo, and errors."""

import pathlib
import subprocess
import sys

import pytest

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
