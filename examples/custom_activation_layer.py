"""Write your own learnable activation on keras_acts's base class, train, save, reload.

Declare the parameters and write the formula; building the weights (with
``shared_axes`` / ``per_channel``), the dtype policy, ``get_config`` and saving
come from ``keras_acts.layers.ParametricActivation``.

    python examples/custom_activation_layer.py [--epochs 3] [--seed 0]
"""

import argparse
import pathlib
import sys
import tempfile

import keras
import numpy as np
import tensorflow as tf

from keras_acts.datasets import load_credit_default
from keras_acts.demo import positive_int, seed_argument
from keras_acts.layers import Parameter, ParametricActivation


@keras.saving.register_keras_serializable(package="examples")
class ScaledSoftsign(ParametricActivation):
    """``scale * x / (1 + |slope * x|)`` with a per-channel ``scale`` and a scalar ``slope``."""

    parameters = (
        Parameter("scale", 1.0),
        Parameter("slope", 1.0, scalar=True, constraint=keras.constraints.NonNeg()),
    )
    default_sharing = "channel"

    def formula(self, x, scale, slope):
        return scale * x / (1 + tf.abs(slope * x))


def run(epochs: int = 3, seed: int = 0) -> int:
    """Train a model with the layer, save, reload; 0 if the reloaded model predicts the same."""
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_credit_default("binary", seed=seed)
    model = keras.Sequential([
        keras.Input((x_train.shape[1],)),
        keras.layers.Dense(16),
        ScaledSoftsign(scale_initializer=1.5),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile("adam", "binary_crossentropy", metrics=[keras.metrics.AUC(name="auc")])
    model.fit(x_train, y_train, epochs=epochs, batch_size=256, verbose=2)
    activation = model.layers[1]
    print("learned slope:", float(activation.slope.numpy()),
          "scale (first 4 channels):", np.round(activation.scale.numpy()[:4], 3))

    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "custom_layer.keras"
        model.save(path)
        reloaded = keras.saving.load_model(path)
    same = np.array_equal(model.predict(x_test, verbose=0), reloaded.predict(x_test, verbose=0))
    print("reloaded model gives identical predictions:", same)
    print("test AUC:", round(model.evaluate(x_test, y_test, verbose=0)[1], 4))
    return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python examples/custom_activation_layer.py",
        description="A learnable activation of your own: train, save and reload a model with it.",
    )
    parser.add_argument("--epochs", type=positive_int, default=3, help="training epochs (default: 3)")
    parser.add_argument("--seed", type=seed_argument, default=0, help="seed (default: 0)")
    args = parser.parse_args(argv)
    return run(epochs=args.epochs, seed=args.seed)


if __name__ == "__main__":
    sys.exit(main())
