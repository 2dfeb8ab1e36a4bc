"""The credit-default demo: keras_acts activations in two small Keras models.

Run it with any of::

    keras-acts demo
    python -m keras_acts.demo --activation lisht --epochs 5
    python examples/credit_default.py

It trains, on the UCI "Default of Credit Card Clients" data that ships with
keras_acts (see :mod:`keras_acts.datasets`):

1. a binary classifier (will the client default next month?) whose hidden
   layers use a keras_acts activation given by name, ``activation="gelu_tanh"``,
   exactly as for Keras's own names, and reports test accuracy and AUC;
2. a 4-class softmax classifier of the September repayment status
   (``Dense(16, "relu") -> Dense(8, "sigmoid") -> Dense(4, "softmax")``),
   and reports test accuracy.

Both models print Keras's usual per-epoch progress; a summary follows, with
the accuracy of always guessing the most common class for comparison.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time

import keras
import numpy as np
import tensorflow as tf

import keras_acts  # noqa: F401  (the import makes the keras_acts names valid activation strings)
from keras_acts.datasets import load_credit_default

__all__ = [
    "DEFAULT_ACTIVATION",
    "DEFAULT_EPOCHS",
    "add_arguments",
    "check_hidden_activation",
    "format_summary",
    "main",
    "run",
]

DEFAULT_ACTIVATION = "gelu_tanh"
DEFAULT_EPOCHS = 20
DEFAULT_SEED = 0
BATCH_SIZE = 128


def _model_name(prefix: str, activation_name: str) -> str:
    """A Keras model name from an activation's name: a configured one
    (``"leaky_relu(negative_slope=0.1)"``) holds characters Keras refuses in names.

    >>> _model_name("default", "leaky_relu(negative_slope=0.1)")
    'default_leaky_relu_negative_slope_0_1'
    """
    return re.sub(r"[^A-Za-z0-9_]+", "_", f"{prefix}_{activation_name}").strip("_")


def check_hidden_activation(activation: str) -> None:
    """Raise ValueError unless ``activation`` (a name ``keras_acts.get`` takes) can be
    a hidden ``Dense`` layer's activation: it must keep the layer's shape, as Keras's
    ``Dense`` declares its output before the activation runs. Gated units halve it
    (``glu``, as Keras's own ``"glu"``), and an axis past a Dense output's rank fails.

    >>> check_hidden_activation("swiglu")
    Traceback (most recent call last):
    ...
    ValueError: `activation` 'swiglu' changes a Dense layer's output shape ((2, 32) -> (2, 16)), which Keras's Dense does not expect of its activation (a gated unit halves the last axis); choose an elementwise one
    """
    function = keras_acts.get(activation)
    try:
        shape = tuple(function(tf.zeros([2, 32])).shape)
    except (ValueError, TypeError, tf.errors.InvalidArgumentError) as error:
        raise ValueError(f"`activation` {activation!r} cannot be a Dense layer's activation: "
                         f"{str(error).splitlines()[0]}") from None
    if shape != (2, 32):
        raise ValueError(
            f"`activation` {activation!r} changes a Dense layer's output shape ((2, 32) -> {shape}), "
            "which Keras's Dense does not expect of its activation (a gated unit halves the last "
            "axis); choose an elementwise one")


def build_binary_model(n_features: int, activation: str = DEFAULT_ACTIVATION) -> keras.Model:
    """The default classifier: two hidden layers with ``activation``, a sigmoid output."""
    model = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(32, activation=activation),
            keras.layers.Dense(16, activation=activation),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name=_model_name("default", keras_acts.get(activation).__name__),
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.AUC(name="auc")],
    )
    return model


def build_multiclass_model(n_features: int) -> keras.Model:
    """The repayment-status classifier: relu, then sigmoid, then a 4-way softmax."""
    model = keras.Sequential(
        [
            keras.Input(shape=(n_features,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(8, activation="sigmoid"),
            keras.layers.Dense(4, activation="softmax"),
        ],
        name="repayment_status",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _majority_rate(y_train: np.ndarray, y_test: np.ndarray) -> float:
    """Test accuracy of always predicting the most common training label."""
    majority = np.bincount(y_train).argmax()
    return float(np.mean(y_test == majority))


def run(
    epochs: int = DEFAULT_EPOCHS,
    activation: str = DEFAULT_ACTIVATION,
    verbose: int = 2,
    seed: int = DEFAULT_SEED,
) -> dict[str, float]:
    """Train and evaluate both demo models.

    Args:
        epochs: training epochs for each model.
        activation: activation of the binary model's hidden layers: any name
            ``keras_acts.get`` accepts (keras_acts's or Keras's own).
        verbose: Keras's verbosity for ``fit`` and ``evaluate``: 0 silent,
            1 progress bars, 2 one line per epoch.
        seed: seed of the data split, the weight initialization and the
            shuffling (``keras.utils.set_random_seed``).

    Returns:
        A dict of test-set metrics: ``binary_accuracy``, ``binary_auc``, ``binary_loss`` and
        ``multiclass_accuracy``, with ``binary_majority_accuracy`` and
        ``multiclass_majority_accuracy`` (always guessing the most common
        class) for comparison, and ``seconds`` (wall time of the run).

    Raises:
        ValueError: an unknown ``activation`` name (the message lists the
            closest known names) or one that changes a layer's shape
            (:func:`check_hidden_activation`), ``epochs`` below 1, ``seed`` outside
            [0, 2**32), or ``verbose`` not 0, 1 or 2.
        TypeError: ``epochs``, ``seed`` or ``verbose`` is not an int, or an
            option in ``activation`` has the wrong type.
    """
    check_hidden_activation(activation)  # fail fast, before any training
    _check_int(epochs, "epochs", 1)
    _check_int(seed, "seed", 0, _SEEDS)
    _check_int(verbose, "verbose", 0, 3)
    start = time.perf_counter()
    metrics: dict[str, float] = {}

    # 1. Binary: will the client default next month?
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_credit_default("binary", seed=seed)
    model = build_binary_model(x_train.shape[1], activation)
    if verbose:
        print(f"\n[1/2] Default next month: {model.name}, {len(x_train)} training rows")
    model.fit(x_train, y_train, epochs=epochs, batch_size=BATCH_SIZE, verbose=verbose)
    scores = model.evaluate(x_test, y_test, batch_size=1024, verbose=verbose, return_dict=True)
    metrics["binary_accuracy"] = float(scores["accuracy"])
    metrics["binary_auc"] = float(scores["auc"])
    metrics["binary_loss"] = float(scores["loss"])
    metrics["binary_majority_accuracy"] = _majority_rate(y_train, y_test)

    # 2. Four classes: the September repayment status (PAY_0 binned, not a feature).
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_credit_default("4class", seed=seed)
    model = build_multiclass_model(x_train.shape[1])
    if verbose:
        print(f"\n[2/2] Repayment status, 4 classes: {model.name}, {len(x_train)} training rows")
    model.fit(x_train, y_train, epochs=epochs, batch_size=BATCH_SIZE, verbose=verbose)
    scores = model.evaluate(x_test, y_test, batch_size=1024, verbose=verbose, return_dict=True)
    metrics["multiclass_accuracy"] = float(scores["accuracy"])
    metrics["multiclass_majority_accuracy"] = _majority_rate(y_train, y_test)

    metrics["seconds"] = time.perf_counter() - start
    return metrics


def format_summary(metrics: dict[str, float], activation: str = DEFAULT_ACTIVATION) -> str:
    """The short text summary printed at the end of the demo.

    >>> print(format_summary({"binary_accuracy": 0.82, "binary_auc": 0.78,
    ...     "binary_majority_accuracy": 0.779, "multiclass_accuracy": 0.7,
    ...     "multiclass_majority_accuracy": 0.491, "seconds": 12.3}, "lisht"))
    Credit-default demo (test set, 12.3 s)
      binary, hidden activation 'lisht': accuracy 0.8200 (majority class 0.7790), AUC 0.7800
      4-class repayment status:          accuracy 0.7000 (majority class 0.4910)
    """
    lines = [
        f"Credit-default demo (test set, {metrics['seconds']:.1f} s)",
        f"  binary, hidden activation {activation!r}: "
        f"accuracy {metrics['binary_accuracy']:.4f} "
        f"(majority class {metrics['binary_majority_accuracy']:.4f}), "
        f"AUC {metrics['binary_auc']:.4f}",
        f"  4-class repayment status:          "
        f"accuracy {metrics['multiclass_accuracy']:.4f} "
        f"(majority class {metrics['multiclass_majority_accuracy']:.4f})",
    ]
    if not math.isfinite(metrics.get("binary_loss", 0.0)):
        # the metrics of a diverged model read as numbers (AUC 0): say why
        lines.append(f"  the binary model's loss is {metrics['binary_loss']}: training diverged "
                     f"with {activation!r} (try fewer epochs or another activation)")
    return "\n".join(lines)


_SEEDS = 2 ** 32  # keras.utils.set_random_seed takes seeds below this


def _check_int(value, argument: str, low: int, high: int | None = None) -> None:
    """A TypeError unless ``value`` is an int (not a bool), a ValueError unless
    ``low <= value < high``; each names ``argument``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{argument}` must be an int, got {type(value).__name__}: {value!r}")
    if value < low or (high is not None and value >= high):
        bound = f"at least {low}" if high is None else f"from {low} to {high - 1}"
        raise ValueError(f"`{argument}` must be {bound}, got {value!r}")


def seed_argument(text: str) -> int:
    """An argparse type: a seed ``keras.utils.set_random_seed`` takes (0 to 2^32 - 1)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < _SEEDS:
        raise argparse.ArgumentTypeError(f"must be from 0 to {_SEEDS - 1}, got {value}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (epochs, repeats)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the demo's options to ``parser`` (shared by this module and ``keras-acts demo``)."""
    parser.add_argument(
        "--epochs", type=positive_int, default=DEFAULT_EPOCHS,
        help=f"training epochs for each model (default: {DEFAULT_EPOCHS})",
    )
    parser.add_argument(
        "--activation", default=DEFAULT_ACTIVATION,
        help="activation of the binary model's hidden layers: a keras_acts or Keras name "
        f"(default: {DEFAULT_ACTIVATION})",
    )
    parser.add_argument(
        "--seed", type=seed_argument, default=DEFAULT_SEED,
        help=f"seed of the split, the initial weights and the shuffling (default: {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--verbose", type=int, choices=(0, 1, 2), default=2,
        help="Keras's verbosity: 0 silent, 1 progress bars, 2 one line per epoch (default: 2)",
    )
    return parser


def run_from_args(args: argparse.Namespace, prog: str) -> int:
    """Run the demo for parsed options; returns the exit status.

    An unknown activation name (or an option of the wrong type in a parameterised
    one) gives one line on stderr and status 2, no traceback.
    """
    try:
        check_hidden_activation(args.activation)
    except (ValueError, TypeError) as error:  # a misspelt name, an option of the wrong type
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    metrics = run(epochs=args.epochs, activation=args.activation, verbose=args.verbose, seed=args.seed)
    print()
    print(format_summary(metrics, args.activation))
    return 0


def main(argv: list[str] | None = None, *, prog: str = "python -m keras_acts.demo") -> int:
    """Command line of ``python -m keras_acts.demo``; returns the exit status.

    Args:
        argv: the options (default: ``sys.argv[1:]``).
        prog: the program name shown in help and error messages.
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Train two small Keras models on the credit-default data with keras_acts.",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run_from_args(args, parser.prog)


if __name__ == "__main__":
    sys.exit(main())
