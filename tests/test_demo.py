"""The credit-default demo: trains once per test session and checks its metrics."""

import numpy as np
import pytest

from keras_acts import demo

MAJORITY_4CLASS = 14_737 / 30_000  # share of "revolving credit", the most common class


@pytest.fixture(scope="module")
def metrics():
    return demo.run(verbose=0)


def test_binary_auc(metrics):
    assert metrics["binary_auc"] >= 0.75


def test_binary_accuracy_beats_majority_class(metrics):
    assert metrics["binary_accuracy"] > metrics["binary_majority_accuracy"]


def test_multiclass_accuracy_beats_majority_class(metrics):
    assert metrics["multiclass_accuracy"] > MAJORITY_4CLASS
    assert metrics["multiclass_majority_accuracy"] == pytest.approx(MAJORITY_4CLASS, abs=2e-3)


def test_metric_keys_and_summary(metrics):
    assert {"binary_accuracy", "binary_auc", "binary_loss", "multiclass_accuracy"} <= set(metrics)
    assert 0 < metrics["binary_loss"] < 1
    summary = demo.format_summary(metrics, demo.DEFAULT_ACTIVATION)
    assert "AUC" in summary and repr(demo.DEFAULT_ACTIVATION) in summary


def test_default_activation_is_a_keras_acts_name():
    import keras_acts

    assert demo.DEFAULT_ACTIVATION in keras_acts.list_activations()


def test_unknown_activation_fails_before_training():
    with pytest.raises(ValueError, match="lisht"):
        demo.run(epochs=1, activation="lsiht", verbose=0)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 1.5}, TypeError, "`epochs` must be an int"),
    ({"epochs": True}, TypeError, "`epochs`"),
    ({"epochs": "3"}, TypeError, "`epochs`"),
    ({"epochs": 0}, ValueError, "`epochs` must be at least 1"),
    ({"seed": -1}, ValueError, "`seed` must be from 0 to 4294967295"),
    ({"seed": 2 ** 40}, ValueError, "`seed`"),
    ({"verbose": 7}, ValueError, "`verbose`"),
    ({"activation": "elu(alpha='x')"}, TypeError, "`alpha`"),
])
def test_bad_arguments_fail_before_training(kwargs, error, message):
    with pytest.raises(error, match=message):
        demo.run(**kwargs)


def test_a_parameterised_activation_makes_a_valid_model_name():
    # Keras refuses "(", "=" and "," in names: the model could not be trained
    model = demo.build_binary_model(3, "leaky_relu(0.1)")
    assert model.name == "default_leaky_relu_negative_slope_0_1"
    model.fit(np.zeros((4, 3), "float32"), np.zeros((4, 1), "float32"), epochs=1, verbose=0)


def test_main_unknown_activation_one_line(capsys):
    assert demo.main(["--activation", "lsiht"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'lisht'" in err


@pytest.mark.parametrize("activation, message", [
    ("swiglu", "changes a Dense layer's output shape ((2, 32) -> (2, 16))"),
    ("glu", "a gated unit halves the last axis"),
    ("softmax(axis=5)", "cannot be a Dense layer's activation: `axis`=5 is out of range"),
])
def test_an_activation_that_breaks_the_dense_stack_is_one_line_before_training(
        activation, message, monkeypatch, capsys):
    # Keras's Dense declares its output shape before the activation runs: a gated unit
    # made the next layer fail in fit, after the data was loaded, with Keras's traceback
    monkeypatch.setattr(demo, "load_credit_default", lambda *a, **k: pytest.fail("trained"))
    assert demo.main(["--activation", activation]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    with pytest.raises(ValueError, match="`activation`"):
        demo.run(activation=activation)


def test_main_prints_summary(monkeypatch, capsys):
    seen = {}

    def fake_run(**kwargs):
        seen.update(kwargs)
        return {"binary_accuracy": 0.8, "binary_auc": 0.77, "binary_majority_accuracy": 0.78,
                "multiclass_accuracy": 0.8, "multiclass_majority_accuracy": 0.49, "seconds": 1.0}

    monkeypatch.setattr(demo, "run", fake_run)
    assert demo.main(["--epochs", "2", "--activation", "gelu_tanh", "--verbose", "0"]) == 0
    assert seen == {"epochs": 2, "activation": "gelu_tanh", "verbose": 0, "seed": demo.DEFAULT_SEED}
    assert "AUC 0.7700" in capsys.readouterr().out


def test_a_diverged_model_is_said_to_be_so_in_the_summary():
    # a NaN loss left accuracy at the majority class and AUC 0, read as results
    metrics = {"binary_accuracy": 0.7788, "binary_auc": 0.0, "binary_majority_accuracy": 0.7788,
               "multiclass_accuracy": 0.6658, "multiclass_majority_accuracy": 0.4912, "seconds": 3.0}
    assert "diverged" not in demo.format_summary({**metrics, "binary_loss": 0.45}, "lisht")
    summary = demo.format_summary({**metrics, "binary_loss": float("nan")}, "exponential")
    assert "the binary model's loss is nan: training diverged with 'exponential'" in summary
