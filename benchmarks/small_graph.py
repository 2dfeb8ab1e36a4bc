"""``python -m benchmarks.small_graph``: each function on a small layer in a graph, against Keras's.

A small model's training step (``model.fit`` of the credit-default model: layers of 32
and 16 units, batches of 128) runs each activation as TensorFlow ops in a graph on a
few thousand elements. There an op costs its dispatch (1-3 µs) more than its pass over
memory, and keras_acts leaves such tensors to TensorFlow's kernels (it fuses from
``FUSE_FROM`` elements per 64 samples). This times one call on a ``[128, 32]`` float32
layer whose batch axis the trace does not know (as in ``model.fit``): the forward pass,
and the forward pass with its gradient. Each is ``--chain`` calls in one
``tf.function`` (``t = x + 0.001 f(t)``, so that every call sees the layer's values),
less the same chain without the function; Keras's and keras_acts's side by side in
paired, alternating rounds. Names Keras also has, the gated units left out (they
halve the row). Then the select that formulas share, as ``tf.where`` (TensorFlow's
``SelectV2``) and as keras_acts's ``where`` (``Select`` for branches of one shape), in
float32 and float64, with its comparison.

    python -m benchmarks.small_graph                         # every such name; ~3 minutes
    python -m benchmarks.small_graph --names elu,log_softmax --rounds 41
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_acts  # noqa: E402
from keras_acts import registry  # noqa: E402
from keras_acts.activations._base import where  # noqa: E402
from keras_acts.benchmarking import BATCH_SIZE, keras_function  # noqa: E402

WIDTH = 32  # the credit-default model's first hidden layer
STEP = 1e-3  # t = x + STEP f(t): the chain's values stay the layer's


def default_names() -> list[str]:
    """keras_acts's names that Keras has too, the gated units left out."""
    return [name for name in registry.list_activations()
            if keras_function(name) is not None and registry.spec(name).family != "gated"]


def _chain(fn, length: int, gradient: bool):
    """``length`` calls of ``fn`` (with its gradient) in one traced function of ``x``."""
    def run(x):
        t = x
        for _ in range(length):
            if fn is None:
                t = x + STEP * t
                continue
            if not gradient:
                t = x + STEP * fn(t)
                continue
            with tf.GradientTape() as tape:
                tape.watch(t)
                y = fn(t)
            # dy (x's values) ready only once the forward pass is done, as a training step's,
            # which comes from the layers after: a dy ready from the start let the executor
            # run the backward pass's ops early and in another order than a training step
            with tf.control_dependencies([y]):
                dy = tf.identity(x)
            t = x + STEP * (y + tape.gradient(y, t, output_gradients=dy))
        return t

    return tf.function(run, autograph=False, input_signature=[tf.TensorSpec([None, WIDTH], tf.float32)])


def _alternating(runners: dict, x: tf.Tensor, rounds: int) -> dict:
    """Seconds of each runner on ``x`` per round, every runner once a round, in the given
    order in even rounds and reversed in odd ones."""
    times = {key: [] for key in runners}
    for r in range(rounds):
        for key in (list(runners) if r % 2 == 0 else list(runners)[::-1]):
            start = time.perf_counter()
            runners[key](x).numpy()
            times[key].append(time.perf_counter() - start)
    return times


def measure(names: list[str], length: int, rounds: int, seed: int = 0) -> list[dict]:
    """Per name and pass: µs per call of Keras's and keras_acts's function, and the median
    and quartiles of their per-round difference (keras_acts's less Keras's: well defined
    where a call costs next to nothing, as relu's)."""
    x = tf.constant(np.random.default_rng(seed).standard_normal((BATCH_SIZE, WIDTH), dtype=np.float32))
    rows = []
    for gradient in (False, True):
        runners = {("", "alone"): _chain(None, length, gradient)}
        for name in names:
            runners[(name, "keras")] = _chain(keras_function(name), length, gradient)
            runners[(name, "ours")] = _chain(keras_acts.get(name), length, gradient)
        for run in runners.values():
            if not np.all(np.isfinite(run(x).numpy())):  # traced, and checked
                raise AssertionError("a chain computed a value that is not finite")
        times = _alternating(runners, x, rounds)
        alone = times[("", "alone")]
        per_call = {key: [(t - a) / length * 1e6 for t, a in zip(times[key], alone)] for key in runners}
        for name in names:
            theirs, ours = per_call[(name, "keras")], per_call[(name, "ours")]
            extra = [o - k for o, k in zip(ours, theirs)]  # paired: both saw the same round
            q1, _, q3 = statistics.quantiles(extra, n=4, method="inclusive") if len(extra) > 1 else extra * 3
            rows.append({"name": name, "pass": "forward+backward" if gradient else "forward",
                         "keras_us": statistics.median(theirs), "ours_us": statistics.median(ours),
                         "extra_us": statistics.median(extra), "q1": q1, "q3": q3})
    return rows


def select_costs(length: int, rounds: int, seed: int = 0) -> list[dict]:
    """µs per select of two branches of the layer's shape, with its comparison, in a graph:
    ``tf.where`` and keras_acts's ``where`` side by side, per dtype."""
    x = tf.constant(np.random.default_rng(seed).standard_normal((BATCH_SIZE, WIDTH), dtype=np.float32))

    def selecting(choose, dtype):
        def fn(t):
            wide = tf.cast(t, dtype)
            return tf.cast(choose(wide > 0, wide, wide * tf.constant(-2.0, dtype)), t.dtype)
        return fn

    rows = []
    for dtype in (tf.float32, tf.float64):
        runners = {"cast alone": _chain(lambda t: tf.cast(tf.cast(t, dtype) * tf.constant(-2.0, dtype), t.dtype),
                                        length, False),
                   "tf.where": _chain(selecting(tf.where, dtype), length, False),
                   "where": _chain(selecting(where, dtype), length, False)}
        for run in runners.values():
            run(x).numpy()
        times = _alternating(runners, x, rounds)
        base = times.pop("cast alone")
        for key, t in times.items():
            rows.append({"select": key, "dtype": dtype.name,
                         "us": statistics.median([(a - b) / length * 1e6 for a, b in zip(t, base)])})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.small_graph",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", default="", help="comma-separated names (default: every name Keras has)")
    parser.add_argument("--chain", type=int, default=50, help="calls per traced function (default: 50)")
    parser.add_argument("--rounds", type=int, default=21, help="paired rounds (default: 21)")
    args = parser.parse_args(argv)
    tf.get_logger().setLevel("ERROR")  # a traced function per name and pass: no retracing notes
    known = default_names()
    names = [n.strip() for n in args.names.split(",") if n.strip()] or known
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"--names: {', '.join(unknown)} not among the names Keras has too: {', '.join(known)}")
    print(f"[{BATCH_SIZE}, {WIDTH}] float32 in a graph (batch axis unknown to the trace), µs per call: "
          f"{args.chain} calls a traced function, median of {args.rounds} paired rounds\n")
    print("| name | pass | Keras µs | keras_acts µs | keras_acts - Keras µs | quartiles |")
    print("| --- | --- | --- | --- | --- | --- |")
    rows = measure(names, args.chain, args.rounds)
    for row in sorted(rows, key=lambda r: (r["name"], r["pass"] != "forward")):
        print(f"| {row['name']} | {row['pass']} | {row['keras_us']:.1f} | {row['ours_us']:.1f} "
              f"| {row['extra_us']:+.1f} | {row['q1']:+.1f} to {row['q3']:+.1f} |")
    print("\nA select of two branches of the layer's shape and its comparison, µs per call "
          "(beyond the branches and casts):\n\n| select | dtype | µs |\n| --- | --- | --- |")
    for row in select_costs(args.chain, args.rounds):
        print(f"| {row['select']} | {row['dtype']} | {row['us']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
