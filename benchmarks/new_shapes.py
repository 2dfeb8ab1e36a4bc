"""``python -m benchmarks.new_shapes``: what a call on a shape not seen before costs.

keras_acts runs many passes as XLA-compiled kernels (README, "Fused kernels"), and XLA
compiles a kernel once per input shape. Where shapes vary from call to call (a served
model's batch sizes, sequences of many lengths), every new shape pays that compilation;
Keras's functions, TensorFlow's kernels, pay nothing. This times it for each name, on
``[b, WIDTH]`` float32 tensors with ``b`` a batch size the process has not seen:

* ``graph forward``: a ``tf.function`` whose input signature leaves the batch size open,
  as ``model.predict`` and an exported model's signature trace it (``WIDTH`` = 1024
  elements per sample is where graphs fuse);
* ``graph forward+backward``: the same with the gradient, as a training step;
* ``eager forward``: a direct call (eagerly every size fuses).

Each cost is the first call on a new batch size less a second call on it, the median
over ``--shapes`` new sizes, keras_acts's and Keras's function (where Keras has the
name) side by side; the process traced both at another batch size first.

    python -m benchmarks.new_shapes --output benchmarks/NEW_SHAPES.md   # every name; ~3 minutes
    python -m benchmarks.new_shapes --names sparsemax,mish --shapes 5    # the table on stdout
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_acts  # noqa: E402
from keras_acts import registry  # noqa: E402
from keras_acts.benchmarking import code_version, keras_function, machine_info  # noqa: E402

WIDTH = 1024  # elements per sample: a graph fuses from 2^10 per sample
MODES = ("graph forward", "graph forward+backward", "eager forward")


def default_names() -> list[str]:
    """Every keras_acts name (a user's registrations left out)."""
    return sorted(spec.name for spec in registry.specs() if spec.family != "user")


def _runner(fn, mode: str, width: int):
    """``fn`` as ``mode`` calls it, a function of ``x``."""
    if mode == "eager forward":
        return fn
    spec = [tf.TensorSpec([None, width], tf.float32)]
    if mode == "graph forward":
        return tf.function(fn, input_signature=spec, autograph=False)

    def forward_backward(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return y, tape.gradient(y, x)

    return tf.function(forward_backward, input_signature=spec, autograph=False)


def _seconds(run, x) -> float:
    start = time.perf_counter()
    for out in tf.nest.flatten(run(x)):
        out.numpy()
    return time.perf_counter() - start


def measure(names: list[str], shapes: int, width: int = WIDTH, seed: int = 0) -> list[dict]:
    """Per name and mode: ms a call on a new batch size costs beyond a repeated call,
    keras_acts's and Keras's (None where Keras lacks the name), medians over ``shapes``
    batch sizes. Each name's measured calls get batch sizes of their own, from 2 up (so
    that with ``width`` 1024 eager calls stay under 2^16 elements, as small layers'):
    kernels compiled for one call's shape are never another's."""
    rng = np.random.default_rng(seed)
    rows = []
    for name in names:
        fresh = itertools.count(2)  # batch 1 traces every runner
        for mode in MODES:
            sides = {"ours": keras_acts.get(name), "keras": keras_function(name)}
            costs = {}
            for side, fn in sides.items():
                if fn is None:
                    costs[side] = None
                    continue
                run = _runner(fn, mode, width)
                _seconds(run, tf.constant(rng.standard_normal((1, width), dtype=np.float32)))
                extra = []
                for _ in range(shapes):
                    x = tf.constant(rng.standard_normal((next(fresh), width), dtype=np.float32))
                    first = _seconds(run, x)
                    extra.append(first - _seconds(run, x))
                costs[side] = statistics.median(extra) * 1e3
            rows.append({"name": name, "mode": mode, "ours_ms": costs["ours"], "keras_ms": costs["keras"]})
    return rows


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.new_shapes",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", default="", help="comma-separated names (default: every name)")
    parser.add_argument("--shapes", type=int, default=3, help="new batch sizes per cell (default: 3)")
    parser.add_argument("--width", type=int, default=WIDTH,
                        help=f"elements per sample (default: {WIDTH}, where graphs fuse)")
    parser.add_argument("--output", default=None, help="also write the table here (markdown)")
    args = parser.parse_args(argv)
    if args.shapes < 1 or args.width < 1:
        parser.error("--shapes and --width must be at least 1")
    tf.get_logger().setLevel("ERROR")
    known = default_names()
    names = [n.strip() for n in args.names.split(",") if n.strip()] or known
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"--names: unknown {', '.join(unknown)}; known: {', '.join(known)}")
    machine, code = machine_info(), code_version()
    rows = measure(names, args.shapes, args.width)
    lines = [
        f"ms a call on a new batch size costs beyond a repeated call, [b, {args.width}] float32, "
        f"median of {args.shapes} new sizes",
        "",
        f"Measured on {machine['date']}: {machine['cpu']}, {machine['usable_cores']} usable cores; "
        f"Python {machine['python']}, TensorFlow {machine['tensorflow']}, Keras {machine['keras']}, "
        f"keras_acts {machine['keras_acts']} at commit {code['commit']}"
        + (" with changes" if code["changed"] else "") + f"; XLA_FLAGS {machine['xla_flags']}.",
        "",
        "| name | " + " | ".join(f"{mode}: keras_acts | Keras" for mode in MODES) + " |",
        "| --- |" + " --- | --- |" * len(MODES),
    ]
    for name in names:
        cells = {row["mode"]: row for row in rows if row["name"] == name}
        lines.append(f"| {name} | " + " | ".join(f"{_ms(cells[m]['ours_ms'])} | {_ms(cells[m]['keras_ms'])}"
                                                 for m in MODES) + " |")
    report = "\n".join(lines) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(report)
    print(report, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
