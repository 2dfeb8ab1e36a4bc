"""examples/custom_activation_layer.py: a user subclass trains, saves and reloads."""

import pathlib
import runpy

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def example():
    return runpy.run_path(str(ROOT / "examples" / "custom_activation_layer.py"))


def test_custom_activation_layer_example(example, capsys):
    assert example["main"](["--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "identical predictions: True" in out
    slope = float(out.split("learned slope:")[1].split()[0])
    assert slope != 1.0  # the scalar parameter was trained


@pytest.mark.parametrize("argv", [["--epochs", "0"], ["--seed", "-1"], ["--epohcs", "1"]])
def test_bad_options_are_usage_errors_before_training(example, argv, capsys, monkeypatch):
    # it took no options: a typo or --help ran the whole training
    monkeypatch.setitem(example["run"].__globals__, "load_credit_default",
                        lambda *a, **k: pytest.fail("trained"))
    with pytest.raises(SystemExit) as exit_info:
        example["main"](argv)
    assert exit_info.value.code == 2
    assert "error: " in capsys.readouterr().err
