"""``python -m benchmarks.gated_backward``: how the gated units' gradient is written, timed.

A gated unit's gradient has its input's shape, each row the two halves' gradients side by
side: one kernel that reads ``x`` and the half-wide ``dy`` and writes both halves. This
times, inside one XLA kernel called eagerly on ``[N / 1024, 1024]`` float32 (N = 2^24 by
default), the layout keras_acts ships (``keras_acts.activations.gated``: a stack on a new
axis before the split one, reshaped) against other ways to write the same gradient, and
against two floors: ``x * s`` (reads and writes N) and ``x * s + concat([dy, dy])`` (reads
``x`` and ``dy`` and writes halves side by side, what a gated gradient must do at least).
Each variant's gradient is checked equal to the shipped one first. Ratios are to ``x * s``,
the median of paired, alternating repeats (``docs/performance.md`` quotes a run).

    python -m benchmarks.gated_backward                    # glu, reglu, swiglu, geglu; ~1 minute
    python -m benchmarks.gated_backward --units glu --size 2^22 --rounds 21
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

from keras_acts.activations import gated  # noqa: E402
from keras_acts.benchmarking import ROW, median_ratio, parse_size  # noqa: E402

UNITS = ("reglu", "glu", "swiglu", "geglu")


def _two_halves(dy, x, unit):
    """The value's and the gate's gradients, each half as wide as ``x``."""
    return gated.gradient_halves(dy, *tf.split(x, 2, axis=-1), unit)


def _selected(dy, x, unit):
    """Both halves' formulas on every element of ``[rows, 2, half]``, one chosen by position."""
    rows, width = x.shape
    x3 = tf.reshape(x, [rows, 2, width // 2])
    d_value, d_gate = gated.gradient_halves(dy[:, None, :], x3[:, :1], x3[:, 1:], unit)
    first = tf.reshape(tf.range(2) == 0, [1, 2, 1])
    return tf.reshape(tf.where(first, d_value, d_gate), x.shape)


def _slice_updates(dy, x, unit):
    """Each half written into a zeroed gradient in place (XLA's dynamic-update-slice)."""
    rows, width = x.shape
    out = tf.zeros_like(x)
    for begin, half in zip((0, width // 2), _two_halves(dy, x, unit)):
        out = tf.raw_ops.TensorStridedSliceUpdate(
            input=out, begin=[0, begin], end=[rows, begin + width // 2], strides=[1, 1], value=half)
    return out


def _padded(dy, x, unit):
    half = x.shape[-1] // 2
    d_value, d_gate = _two_halves(dy, x, unit)
    return tf.pad(d_value, [[0, 0], [0, half]]) + tf.pad(d_gate, [[0, 0], [half, 0]])


def _compiled(fn):
    return tf.function(fn, jit_compile=True, autograph=False)


def kernels(unit: str) -> dict:
    """Each way to compute ``unit``'s gradient, ``f(dy, x, s)``; the shipped one first."""
    halves = _compiled(lambda dy, x, s: _two_halves(dy, x, unit))
    return {
        "shipped (stack, reshaped)": _compiled(
            lambda dy, x, s: gated._gated_backward(dy, x, 1, "second", unit)),
        "concat on the split axis": _compiled(
            lambda dy, x, s: tf.concat(_two_halves(dy, x, unit), axis=-1)),
        "select over broadcast halves": _compiled(lambda dy, x, s: _selected(dy, x, unit)),
        "two in-place slice updates": _compiled(lambda dy, x, s: _slice_updates(dy, x, unit)),
        "two pads added": _compiled(lambda dy, x, s: _padded(dy, x, unit)),
        "two outputs, TensorFlow's concat": lambda dy, x, s: tf.concat(halves(dy, x, s), axis=-1),
    }


FLOORS = {
    "floor: x * s": _compiled(lambda dy, x, s: x * s),
    "floor: x * s + concat([dy, dy])": _compiled(lambda dy, x, s: x * s + tf.concat([dy, dy], -1)),
}


def measure(unit: str, size: int, rounds: int, seed: int = 0) -> list[dict]:
    """Rows of ``name``, median ``ms`` and ``vs_copy`` (the per-round ratios to ``x * s``:
    median and quartiles)."""
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.standard_normal((size // ROW, ROW), dtype=np.float32) * 2)
    dy = tf.constant(rng.standard_normal((size // ROW, ROW // 2), dtype=np.float32))
    s = tf.constant(1.5)
    variants = kernels(unit)
    shipped, *others = variants
    expected = variants[shipped](dy, x, s).numpy()
    for name in others:  # each compiles here, and must agree with the shipped kernel
        if not np.allclose(variants[name](dy, x, s).numpy(), expected, rtol=1e-6, atol=1e-7):
            raise AssertionError(f"{unit}: {name!r} computes another gradient than the shipped one")
    runners = {**FLOORS, **variants}
    times = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():  # alternating: each round times every runner once
            start = time.perf_counter()
            run(dy, x, s)
            times[name].append(time.perf_counter() - start)
    copy = times["floor: x * s"]
    return [{"name": name, "ms": statistics.median(t) * 1e3, "vs_copy": median_ratio(t, copy)}
            for name, t in times.items()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gated_backward",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", default=",".join(UNITS),
                        help=f"comma-separated gated units (default: {','.join(UNITS)})")
    parser.add_argument("--size", type=parse_size, default=2**24,
                        help="elements of x, a multiple of 1024, e.g. 2^22")
    parser.add_argument("--rounds", type=int, default=15, help="paired repeats (default: 15)")
    args = parser.parse_args(argv)
    units = [u.strip() for u in args.units.split(",") if u.strip()]
    unknown = sorted(set(units) - set(UNITS))
    if unknown:
        parser.error(f"--units: unknown {', '.join(unknown)}; known: {', '.join(UNITS)}")
    print(f"gated gradients inside XLA, [{args.size // ROW}, {ROW}] float32, "
          f"median of {args.rounds} paired rounds")
    for unit in units:
        print(f"\n{unit}\n| kernel | ms | vs x * s | quartiles |\n| --- | --- | --- | --- |")
        for row in measure(unit, args.size, args.rounds):
            ratio = row["vs_copy"]
            print(f"| {row['name']} | {row['ms']:.2f} | {ratio['median']:.2f} "
                  f"| {ratio['q1']:.2f}-{ratio['q3']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
