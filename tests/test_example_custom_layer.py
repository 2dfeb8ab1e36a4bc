"""examples/custom_activation_layer.py: a user subclass trains, saves and reloads."""

import pathlib
import runpy

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_custom_activation_layer_example(capsys):
    namespace = runpy.run_path(str(ROOT / "examples" / "custom_activation_layer.py"))
    assert namespace["main"](epochs=1) == 0
    out = capsys.readouterr().out
    assert "identical predictions: True" in out
    slope = float(out.split("learned slope:")[1].split()[0])
    assert slope != 1.0  # the scalar parameter was trained
