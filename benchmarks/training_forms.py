"""``python -m benchmarks.training_forms``: where elu's and selu's training gap comes from, timed.

keras_acts's elu and selu compute the negative side with ``expm1``, where Keras's one
kernel (TensorFlow's ``Elu``, ``Selu``) computes ``exp(x) - 1`` and loses the digits of
small negative inputs. Their gradient is TensorFlow's own kernel from the output
(``EluGrad``, ``SeluGrad``), as Keras's is. This times the credit-default model's
compiled training step (as the benchmark's training stage: ``model.fit``'s function,
batches of 128, alternating blocks of steps) with four forms of each function:

* Keras's function;
* keras_acts's (outside XLA, as this small model runs it: ``min(relu(x), expm1(x))``,
  scaled for selu);
* TensorFlow's kernel under keras_acts's gradient (``gradient_from_output``), which
  differs from keras_acts's only in the forward formula and from Keras's only in how the
  gradient is attached;
* ``where(x > 0, x, expm1(x))`` (scaled for selu) under that gradient: keras_acts's form
  before, the same bits as its form now from one more kernel and a boolean tensor.

Then each forward alone, as the small graph of the model's first layer runs it: ``k``
calls chained in one ``tf.function`` on a ``[128, 32]`` float32 tensor, less the chain
without them, per call. And each form's largest error on ``[-0.25, 0)`` against float64's
``expm1``, in float32 ULP, in a graph on rows of 32 as the model runs it (the digits the
accurate forward keeps). The forms must agree elsewhere, and their gradients everywhere;
the run stops if they do not.

    python -m benchmarks.training_forms                      # elu and selu; ~2 minutes
    python -m benchmarks.training_forms --names elu --rounds 300
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_acts  # noqa: E402
from keras_acts.activations._base import gradient_from_output  # noqa: E402
from keras_acts.benchmarking import (  # noqa: E402
    BATCH_SIZE, QUICK, Config, median_ratio, training_data, training_step_timer)

# Each name's TensorFlow kernel, its gradient from the output, and its float64 reference.
_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805
KERNELS = {
    "elu": (tf.raw_ops.Elu, tf.raw_ops.EluGrad,
            lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "selu": (tf.raw_ops.Selu, tf.raw_ops.SeluGrad,
             lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))),
}
KERAS, OURS, KERNEL = "Keras's", "keras_acts's", "TensorFlow's kernel, keras_acts's gradient"
SELECT = "a select on expm1, keras_acts's gradient"  # keras_acts's form outside XLA until 2026-12
BAND = (-0.25, 0.0)  # where exp(x) - 1 in float32 loses digits
WIDTH = 32  # the first hidden layer's width in the credit-default model


def forms(name: str) -> dict:
    """The forms of ``name``, Keras's first, each a function of one tensor."""
    kernel, kernel_gradient, _ = KERNELS[name]
    scale, alpha = (_SELU_SCALE, _SELU_ALPHA) if name == "selu" else (1.0, 1.0)
    with_gradient = gradient_from_output(lambda dy, y: kernel_gradient(gradients=dy, outputs=y))
    via_kernel = with_gradient(lambda x: kernel(features=x))
    via_select = with_gradient(lambda x: tf.where(x > 0, tf.constant(scale, x.dtype) * x,
                                                  tf.constant(scale * alpha, x.dtype) * tf.math.expm1(x)))
    via_kernel.__name__, via_select.__name__ = f"{name}_kernel", f"{name}_select"  # the layers' configs
    return {KERAS: keras.activations.get(name), OURS: keras_acts.get(name), KERNEL: via_kernel,
            SELECT: via_select}


def _ulp_error(y: np.ndarray, reference: np.ndarray) -> float:
    """The largest error of float32 ``y`` in units of the float32 spacing at the reference."""
    spacing = np.spacing(np.abs(reference).astype(np.float32)).astype(np.float64)
    return float(np.max(np.abs(y.astype(np.float64) - reference) / spacing))


def _in_small_graph(fn):
    """``fn`` and its gradient as the model's layers run them: in a ``tf.function``, on rows
    of :data:`WIDTH` (too small for keras_acts to fuse them into XLA)."""
    @tf.function(autograph=False)
    def run(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = fn(t)
        return y, tape.gradient(y, t)

    def call(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y, dy = run(tf.constant(values.reshape(-1, WIDTH)))
        return y.numpy().ravel(), dy.numpy().ravel()

    return call


def check(name: str) -> dict:
    """Each form's error in ULP on :data:`BAND`, in a small graph; raises if two forms
    disagree outside it (values) or anywhere (gradients, from TensorFlow's kernel all)."""
    *_, reference = KERNELS[name]
    grid = np.linspace(-6, 6, 64 * WIDTH, dtype=np.float32)
    outside = (grid < BAND[0]) | (grid >= BAND[1])
    band = np.linspace(*BAND, 64 * WIDTH + 1, dtype=np.float32)[:-1]
    errors, values, gradients = {}, {}, {}
    for label, fn in forms(name).items():
        run = _in_small_graph(fn)
        y, gradients[label] = run(grid)
        values[label] = y[outside]
        errors[label] = _ulp_error(run(band)[0], reference(band.astype(np.float64)))
    first = next(iter(values))
    for label in values:
        if not np.allclose(values[label], values[first], rtol=2e-6, atol=0):
            raise AssertionError(f"{name}: {label!r} computes other values than {first!r}")
        if not np.allclose(gradients[label], gradients[first], rtol=2e-6, atol=1e-7):
            raise AssertionError(f"{name}: {label!r} has another gradient than {first!r}")
    return errors


def training(name: str, config: Config, rounds: int) -> dict:
    """Each form's steps/s over Keras's: median and quartiles of per-round ratios."""
    x, y = training_data(config)
    runners = {label: training_step_timer(config, fn, x, y) for label, fn in forms(name).items()}
    labels = list(runners)
    times = {label: [] for label in labels}
    for r in range(rounds):
        for label in labels if r % 2 == 0 else labels[::-1]:
            times[label].append(runners[label](config.training_block))
    return {label: {"ratio": median_ratio(times[KERAS], t), "steps_per_s": 1 / statistics.median(t)}
            for label, t in times.items()}


def forward_cost(name: str, chain: int, rounds: int, seed: int = 0) -> dict:
    """µs per forward call in a graph on ``[BATCH_SIZE, WIDTH]``: ``chain`` calls in one
    ``tf.function``, less the same chain without them (median of paired rounds)."""
    x = tf.constant(np.random.default_rng(seed).standard_normal((BATCH_SIZE, WIDTH), dtype=np.float32))

    def chained(fn):
        def run(t):
            for _ in range(chain):
                t = fn(t) * 0.5  # halved: every call sees values of both signs
            return t
        return tf.function(run, autograph=False)

    runners = {"(chain alone)": chained(lambda t: t),
               **{label: chained(fn) for label, fn in forms(name).items()}}
    for run in runners.values():
        run(x).numpy()  # traced
    times = {label: [] for label in runners}
    for _ in range(rounds):
        for label, run in runners.items():
            start = time.perf_counter()
            run(x).numpy()
            times[label].append(time.perf_counter() - start)
    alone = times.pop("(chain alone)")
    return {label: statistics.median([(a - b) / chain for a, b in zip(t, alone)]) * 1e6
            for label, t in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.training_forms",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", default=",".join(KERNELS),
                        help=f"comma-separated names (default: {','.join(KERNELS)})")
    parser.add_argument("--rounds", type=int, default=150,
                        help="alternating training rounds of --block steps (default: 150)")
    parser.add_argument("--block", type=int, default=20, help="training steps per round (default: 20)")
    parser.add_argument("--chain", type=int, default=100, help="forward calls per graph (default: 100)")
    parser.add_argument("--forward-rounds", type=int, default=31,
                        help="paired rounds of the forward chains (default: 31)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 2 batches of data, training steps run eagerly")
    args = parser.parse_args(argv)
    tf.get_logger().setLevel("ERROR")  # each form's chain is a tf.function of its own: no retracing notes
    names = [n.strip() for n in args.names.split(",") if n.strip()]
    unknown = sorted(set(names) - set(KERNELS))
    if unknown:
        parser.error(f"--names: unknown {', '.join(unknown)}; known: {', '.join(KERNELS)}")
    config = Config(**{**(QUICK if args.quick else {}), "training_block": args.block})
    print(f"credit-default training steps (batch {BATCH_SIZE}), {args.rounds} alternating rounds "
          f"of {args.block}; forward on [{BATCH_SIZE}, {WIDTH}] float32, {args.chain} calls a graph, "
          f"median of {args.forward_rounds} paired rounds")
    for name in names:
        errors = check(name)
        steps = training(name, config, args.rounds)
        forward = forward_cost(name, args.chain, args.forward_rounds)
        print(f"\n{name}\n| form | steps/s | over Keras's | quartiles | forward µs | ULP on "
              f"[{BAND[0]}, 0) |\n| --- | --- | --- | --- | --- | --- |")
        for label in steps:
            ratio = steps[label]["ratio"]
            print(f"| {label} | {steps[label]['steps_per_s']:.0f} | {ratio['median']:.3f} "
                  f"| {ratio['q1']:.3f}-{ratio['q3']:.3f} | {forward[label]:.1f} | {errors[label]:.3g} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
