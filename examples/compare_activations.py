"""Compare activations on the credit-default data: one model, a dozen activations.

Trains the binary classifier of ``keras-acts demo`` (will the client default
next month?) once per activation, with the same data split, initial seed and
epochs, then prints a table of test AUC, test accuracy and seconds per epoch,
and saves the validation AUC curves as an image:

    python examples/compare_activations.py
    python examples/compare_activations.py --epochs 10 --output auc.png
    python examples/compare_activations.py --activations relu gelu_tanh prelu

The model is keras_acts.demo.build_binary_model: ``Dense(32) -> Dense(16) ->
Dense(1, "sigmoid")`` with the activation under test in the hidden layers. An
activation is given by name (``"lisht"``, as ``activation="lisht"``), as a
function (``keras_acts.activations.mish``: the string ``"mish"`` would mean
Keras's own mish), or as a layer factory (``keras_acts.layers.PReLU``): each
hidden ``Dense`` is then linear and followed by a new layer from the factory,
whose weights are learned with the rest of the model.

With the default 5 epochs the twelve runs take a few minutes on two CPU cores.
"""

from __future__ import annotations

import argparse
import inspect
import pathlib
import statistics
import sys
import time
from typing import Any, Callable

import keras
import numpy as np

import keras_acts
from keras_acts.datasets import load_credit_default
from keras_acts.demo import BATCH_SIZE, build_binary_model, check_hidden_activation, positive_int, seed_argument

DEFAULT_EPOCHS = 5
DEFAULT_OUTPUT = "compare_activations.png"
VALIDATION_SPLIT = 0.2

# label -> what the hidden layers use: a name, an activation function, or a layer factory.
ACTIVATIONS: dict[str, Any] = {
    "relu": "relu",
    "gelu_tanh": "gelu_tanh",
    "lisht": "lisht",
    "mish": keras_acts.activations.mish,  # keras_acts's mish (the string "mish" is Keras's)
    "quick_gelu": "quick_gelu",
    "squared_relu": "squared_relu",
    "snake": "snake",
    "elu": "elu",
    "selu": "selu",
    "softsign": "softsign",
    "tanh": "tanh",
    "prelu": keras_acts.layers.PReLU,  # learnable: a linear Dense, then a PReLU layer
}


def is_layer_factory(activation: Any) -> bool:
    """True for a Keras layer class or a callable taking no arguments (that makes a layer).

    Activation functions take the input tensor, so they need one argument.
    """
    if isinstance(activation, type):
        return issubclass(activation, keras.layers.Layer)
    if isinstance(activation, str) or not callable(activation):
        return False
    try:
        signature = inspect.signature(activation)
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in signature.parameters.values()
    )


def build_model(
    n_features: int, activation: str | Callable, label: str | None = None
) -> keras.Model:
    """demo.build_binary_model with ``activation``: a name, a function or a layer factory.

    For a layer factory the demo's model is built with linear hidden layers and
    rebuilt with a new layer from the factory after each hidden ``Dense``,
    keeping the demo's sizes, output layer, optimizer, loss and metrics.
    """
    if not is_layer_factory(activation):
        return build_binary_model(n_features, activation)
    base = build_binary_model(n_features, "linear")
    stack: list[keras.layers.Layer] = [keras.Input(shape=(n_features,))]
    dense_layers = [layer for layer in base.layers if isinstance(layer, keras.layers.Dense)]
    for i, dense in enumerate(dense_layers):
        config = dense.get_config()
        config.pop("name", None)
        stack.append(type(dense).from_config(config))
        if i < len(dense_layers) - 1:  # the hidden layers, not the sigmoid output
            stack.append(activation())
    name = label or getattr(activation, "__name__", "layer")
    model = keras.Sequential(stack, name=f"default_{name.lower()}")
    model.compile_from_config(base.get_compile_config())
    return model


class EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of each training epoch (validation included)."""

    def on_train_begin(self, logs=None):
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def compare(
    activations: dict[str, Any],
    epochs: int = DEFAULT_EPOCHS,
    seed: int = 0,
    verbose: int = 0,
) -> list[dict[str, Any]]:
    """Train and evaluate the model once per activation; one result dict each.

    Every run uses the same split and the same seed. Results hold ``label``,
    ``auc`` and ``accuracy`` (test set), ``seconds_per_epoch`` (median) and
    ``val_auc`` (one value per epoch, on the last 20% of the training rows).
    """
    (x_train, y_train), (x_test, y_test) = load_credit_default("binary", seed=seed)
    results = []
    for label, activation in activations.items():
        keras.utils.set_random_seed(seed)
        model = build_model(x_train.shape[1], activation, label)
        timer = EpochTimer()
        history = model.fit(
            x_train, y_train, epochs=epochs, batch_size=BATCH_SIZE,
            validation_split=VALIDATION_SPLIT, callbacks=[timer], verbose=verbose,
        )
        scores = model.evaluate(x_test, y_test, batch_size=1024, verbose=0, return_dict=True)
        results.append({
            "label": label,
            "auc": float(scores["auc"]),
            "accuracy": float(scores["accuracy"]),
            "seconds_per_epoch": statistics.median(timer.seconds),
            "val_auc": [float(v) for v in history.history["val_auc"]],
        })
        print(f"  {label:<14} test AUC {results[-1]['auc']:.4f}", flush=True)
    return results


def format_table(results: list[dict[str, Any]]) -> str:
    """The results as a text table, best test AUC first.

    >>> print(format_table([{"label": "relu", "auc": 0.77, "accuracy": 0.82,
    ...     "seconds_per_epoch": 1.5, "val_auc": [0.7, 0.76]}]))
    activation      test AUC  test accuracy  s/epoch
    relu              0.7700         0.8200     1.50
    """
    lines = [f"{'activation':<14}  {'test AUC':>8}  {'test accuracy':>13}  {'s/epoch':>7}"]
    for r in sorted(results, key=lambda r: -r["auc"]):
        lines.append(
            f"{r['label']:<14}  {r['auc']:>8.4f}  {r['accuracy']:>13.4f}  "
            f"{r['seconds_per_epoch']:>7.2f}"
        )
    return "\n".join(lines)


def save_curves(results: list[dict[str, Any]], output: pathlib.Path) -> pathlib.Path:
    """Save the validation AUC of every run, epoch by epoch, as an image."""
    from matplotlib.figure import Figure  # no pyplot: nothing is shown, Agg renders the file

    figure = Figure(figsize=(9, 5), layout="constrained")
    axes = figure.add_subplot()
    for i, r in enumerate(sorted(results, key=lambda r: -r["auc"])):
        epochs = np.arange(1, len(r["val_auc"]) + 1)
        style = "-" if i < 10 else "--"  # matplotlib's cycle has ten colours
        axes.plot(epochs, r["val_auc"], style, marker="o", markersize=3,
                  label=f"{r['label']} ({r['auc']:.3f})")
    axes.set_xlabel("epoch")
    axes.set_ylabel("validation AUC")
    axes.set_title("Credit default: validation AUC by hidden activation\n(test AUC in brackets)")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
    figure.savefig(output, dpi=100)
    return output


def _image_formats() -> set[str]:
    """The file suffixes matplotlib writes (png, svg, pdf, ...)."""
    from matplotlib.figure import Figure

    return set(Figure().canvas.get_supported_filetypes())


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit status (2 for an unknown activation)."""
    parser = argparse.ArgumentParser(
        prog="python examples/compare_activations.py",
        description="Train the credit-default model with several activations and compare them.",
    )
    parser.add_argument("--epochs", type=positive_int, default=DEFAULT_EPOCHS,
                        help=f"training epochs per activation (default: {DEFAULT_EPOCHS})")
    parser.add_argument("--activations", nargs="+", metavar="NAME", default=list(ACTIVATIONS),
                        help="activations to compare: labels of the built-in list "
                        f"({', '.join(ACTIVATIONS)}) or any keras_acts name "
                        "(default: all of the list)")
    parser.add_argument("--output", type=pathlib.Path, default=pathlib.Path(DEFAULT_OUTPUT),
                        help=f"image of the validation AUC curves (default: ./{DEFAULT_OUTPUT})")
    parser.add_argument("--seed", type=seed_argument, default=0,
                        help="seed of the split and weights (default: 0)")
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=0,
                        help="Keras's verbosity during training (default: 0)")
    args = parser.parse_args(argv)

    chosen: dict[str, Any] = {}
    for name in args.activations:
        if name in ACTIVATIONS:
            chosen[name] = ACTIVATIONS[name]
            continue
        try:
            check_hidden_activation(name)
        except (ValueError, TypeError) as error:  # a misspelt name, an option of the wrong type
            print(f"{parser.prog}: error: {error}", file=sys.stderr)
            return 2
        chosen[name] = name
    if not args.output.parent.is_dir():
        print(f"{parser.prog}: error: no such folder for --output: {args.output.parent}",
              file=sys.stderr)
        return 2
    formats = _image_formats()
    if args.output.suffix.lstrip(".").lower() not in formats:  # checked before training, not after
        print(f"{parser.prog}: error: --output must end in one of "
              f"{', '.join('.' + f for f in sorted(formats))}, got {args.output}", file=sys.stderr)
        return 2

    print(f"Training the credit-default model with {len(chosen)} activations, "
          f"{args.epochs} epoch(s) each:")
    results = compare(chosen, epochs=args.epochs, seed=args.seed, verbose=args.verbose)
    print()
    print(format_table(results))
    save_curves(results, args.output)
    print(f"\nValidation AUC curves saved to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
