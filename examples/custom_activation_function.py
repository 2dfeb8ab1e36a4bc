"""Your own activation function, by name, in a Keras model that saves and reloads.

    python examples/custom_activation_function.py

The steps:

1. write the function with TensorFlow ops (here LeCun's scaled tanh,
   ``1.7159 * tanh(2 x / 3)``);
2. register it with ``keras_acts.register_activation``: its name now works as
   ``activation="lecun_tanh"`` in any Keras layer, like keras_acts's own names;
3. train a small Dense model on the credit-default data that ships with
   keras_acts;
4. save it to a ``.keras`` file and load it back with
   ``keras.saving.load_model``: the loaded model gives the same predictions,
   bit for bit.

The model is saved with the function as ``"Custom>lecun_tanh"``; another
process loads it after running the registration, i.e. after importing the
module that defines and registers the function.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

import keras_acts
from keras_acts.datasets import load_credit_default
from keras_acts.demo import positive_int, seed_argument


@keras_acts.register_activation
def lecun_tanh(x):
    """LeCun's scaled tanh: ``1.7159 * tanh(2 x / 3)``, so that ``f(+-1) = +-1``.

    Reference: LeCun, Bottou, Orr & Müller (1998), "Efficient BackProp".
    """
    x = tf.convert_to_tensor(x)
    return tf.constant(1.7159, x.dtype) * tf.math.tanh(tf.constant(2.0 / 3.0, x.dtype) * x)


def build_model(n_features: int) -> keras.Model:
    """A small binary classifier whose hidden layers use the registered name."""
    model = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(16, activation="lecun_tanh"),  # the new name, as a string
            keras.layers.Dense(8, activation="lecun_tanh"),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="default_lecun_tanh",
    )
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.AUC(name="auc")])
    return model


def run(epochs: int = 2, seed: int = 0, folder: str | pathlib.Path | None = None) -> dict:
    """Train, save, reload and compare; returns what happened.

    Args:
        epochs: training epochs.
        seed: seed of the split and of the initial weights.
        folder: where to write ``lecun_tanh_model.keras`` (default: a
            temporary folder, deleted afterwards).

    Returns:
        A dict with the test ``auc`` and ``accuracy``, the ``path`` of the
        saved file, the loaded model's hidden ``activation`` and ``identical``
        (whether the loaded model's predictions equal the original's exactly).
    """
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_credit_default("binary", seed=seed)
    model = build_model(x_train.shape[1])
    assert model.layers[0].activation is lecun_tanh  # the string resolved to our function
    model.fit(x_train, y_train, epochs=epochs, batch_size=128, verbose=0)
    scores = model.evaluate(x_test, y_test, batch_size=1024, verbose=0, return_dict=True)
    before = model.predict(x_test, batch_size=1024, verbose=0)

    with tempfile.TemporaryDirectory() as temporary:
        path = pathlib.Path(folder or temporary) / "lecun_tanh_model.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        after = loaded.predict(x_test, batch_size=1024, verbose=0)
        saved_as = keras.saving.get_registered_name(loaded.layers[0].activation)
    return {
        "auc": float(scores["auc"]),
        "accuracy": float(scores["accuracy"]),
        "path": path,
        "saved_as": saved_as,
        "activation": loaded.layers[0].activation,
        "identical": bool(np.array_equal(before, after)),
        "rows": len(x_test),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python examples/custom_activation_function.py",
        description="Register an activation, use its name in a model, save and reload the model.",
    )
    parser.add_argument("--epochs", type=positive_int, default=2, help="training epochs (default: 2)")
    parser.add_argument("--seed", type=seed_argument, default=0, help="seed (default: 0)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    print("Registered 'lecun_tanh' = 1.7159 * tanh(2x/3): "
          f"keras_acts.get('lecun_tanh')(1.0) = {float(keras_acts.get('lecun_tanh')(1.0)):.4f}")
    result = run(epochs=args.epochs, seed=args.seed)
    print(f"Trained Dense(16, 'lecun_tanh') -> Dense(8, 'lecun_tanh') -> Dense(1, 'sigmoid') "
          f"for {args.epochs} epoch(s): test AUC {result['auc']:.4f}, "
          f"accuracy {result['accuracy']:.4f}")
    print(f"Saved to a temporary {result['path'].name} (activation saved as "
          f"{result['saved_as']!r}) and reloaded with keras.saving.load_model")
    print(f"Reloaded hidden activation: {result['activation'].__name__}; predictions on "
          f"{result['rows']} test rows identical: {result['identical']}")
    print(f"Done in {time.perf_counter() - start:.1f} s")
    if not result["identical"]:
        print("error: the reloaded model's predictions differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
