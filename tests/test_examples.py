"""The example scripts run, with small settings, and do what they say."""

import importlib.util
import pathlib
import subprocess
import sys

import keras
import pytest

import keras_acts

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def compare():
    """examples/compare_activations.py as a module (it registers nothing)."""
    spec = importlib.util.spec_from_file_location(
        "example_compare_activations", EXAMPLES / "compare_activations.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_custom_activation_function_example_saves_and_reloads():
    # A fresh process: the script registers 'lecun_tanh', which should not leak into this one.
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "custom_activation_function.py"), "--epochs", "1"],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "Registered 'lecun_tanh'" in out and "= 1.0000" in out   # f(1) = 1.7159 tanh(2/3)
    assert "'Custom>lecun_tanh'" in out
    assert "Reloaded hidden activation: lecun_tanh" in out
    assert "identical: True" in out


def test_compare_activations_names_function_and_learnable_layer(compare, tmp_path, capsys):
    output = tmp_path / "auc.png"
    argv = ["--activations", "relu", "mish", "prelu", "--epochs", "1", "--output", str(output)]
    assert compare.main(argv) == 0
    out = capsys.readouterr().out
    table = out.split("s/epoch\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert sorted(line.split()[0] for line in table) == ["mish", "prelu", "relu"]
    for line in table:
        _, auc, accuracy, seconds = line.split()
        assert 0.5 < float(auc) <= 1.0 and 0.5 < float(accuracy) <= 1.0 and float(seconds) > 0
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_activations_checks_seed_and_epochs_before_training(compare, capsys):
    for argv in (["--seed", "-1"], ["--seed", str(2 ** 32)], ["--epochs", "0"]):
        with pytest.raises(SystemExit) as exit_info:
            compare.main(argv)
        assert exit_info.value.code == 2
        assert f"argument {argv[0]}: must be" in capsys.readouterr().err


def test_compare_activations_model_builder(compare):
    from keras_acts.demo import build_binary_model

    assert compare.ACTIVATIONS["mish"] is keras_acts.activations.mish
    assert compare.is_layer_factory(keras_acts.layers.PReLU)
    assert compare.is_layer_factory(lambda: keras_acts.layers.PReLU())
    assert not compare.is_layer_factory(keras_acts.activations.mish)
    assert not compare.is_layer_factory("relu")

    by_name = compare.build_model(23, "lisht")
    assert by_name.layers[0].activation is keras_acts.get("lisht")
    learnable = compare.build_model(23, keras_acts.layers.PReLU, "prelu")
    demo_model = build_binary_model(23, "linear")
    kinds = [type(layer).__name__ for layer in learnable.layers]
    assert kinds == ["Dense", "PReLU", "Dense", "PReLU", "Dense"]
    dense = [layer for layer in learnable.layers if isinstance(layer, keras.layers.Dense)]
    assert [d.units for d in dense] == [d.units for d in demo_model.layers]
    assert dense[-1].activation is keras.activations.sigmoid
    ours, demos = learnable.get_compile_config(), demo_model.get_compile_config()
    ours["optimizer"]["config"].pop("name")  # "adam_4" and "adam_5": numbered per instance
    demos["optimizer"]["config"].pop("name")
    assert ours == demos
    assert len(learnable.trainable_weights) == len(demo_model.trainable_weights) + 2


def test_compare_activations_checks_the_image_format_before_training(compare, tmp_path, capsys,
                                                                     monkeypatch):
    monkeypatch.setattr(compare, "compare", lambda *a, **k: pytest.fail("trained before the check"))
    assert compare.main(["--activations", "relu", "--output", str(tmp_path / "auc.xyz")]) == 2
    assert ".png" in capsys.readouterr().err


def test_compare_activations_unknown_name_exits_2(compare, tmp_path, capsys):
    argv = ["--activations", "relu", "lsiht", "--output", str(tmp_path / "a.png")]
    assert compare.main(argv) == 2
    err = capsys.readouterr().err
    assert "Unknown activation 'lsiht'" in err and "'lisht'" in err
    assert not (tmp_path / "a.png").exists()


def test_custom_activation_function_checks_seed_and_epochs_before_training(capsys):
    import runpy

    example = runpy.run_path(str(EXAMPLES / "custom_activation_function.py"))
    for argv in (["--seed", "-1"], ["--seed", str(2 ** 32)], ["--epochs", "0"]):
        with pytest.raises(SystemExit) as exit_info:
            example["main"](argv)
        assert exit_info.value.code == 2
        assert f"argument {argv[0]}: must be" in capsys.readouterr().err
