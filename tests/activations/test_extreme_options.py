"""Options at the ends of a dtype's range (keras_acts/activations/_base.py computes in a
wider type where an option lies past the input's; rectifiers.py's sine_relu keeps its
epsilon apart from sqrt(2)): a value the dtype cannot hold, or whose product with a
constant it cannot, must not turn finite results into NaN or inf.

References are 50-digit mpmath values of the published formulas. Results below float32's
smallest normal number may come out as 0: the CPU flushes them (docs/known_defects.md).
"""

import mpmath as mp
import numpy as np
import pytest
import tensorflow as tf

from keras_acts import activations as A

X = np.float32([-1e30, -100.0, -3.0, -1.0, -1e-3, -1e-30, 0.0, 1e-30, 1e-3, 1.0, 3.0, 100.0, 1e30])
TINY = {"float16": 2.0 ** -14, "bfloat16": 2.0 ** -126, "float32": 2.0 ** -126}  # smallest normal


def _softplus(x, beta):
    return mp.log1p(mp.exp(beta * x)) / beta


def _squareplus(x, b):
    return (x + mp.sqrt(x * x + b)) / 2


def _sine_relu(x, epsilon):
    return x if x > 0 else epsilon * (mp.sin(x) - mp.cos(x))


def _elu(x, alpha):
    return x if x > 0 else alpha * mp.expm1(x)


def _leaky_relu(x, slope):
    return x if x > 0 else slope * x


def _silu(x, beta):
    return x / (1 + mp.exp(-beta * x))


CASES = [
    (A.softplus, _softplus, {"beta": 1e39}, "float32"),  # beta rounds to inf: NaN at 0
    (A.softplus, _softplus, {"beta": 1e-37}, "float32"),
    (A.squareplus, _squareplus, {"b": 1e39}, "float32"),  # NaN, where y is about 1.6e19
    (A.squareplus, _squareplus, {"b": 3e38}, "float32"),
    (A.sine_relu, _sine_relu, {"epsilon": 3e38}, "float32"),  # epsilon sqrt(2) overflows in XLA
    (A.elu, _elu, {"alpha": 1e39}, "float32"),  # inf * 0 at 0
    (A.leaky_relu, _leaky_relu, {"negative_slope": 1e39}, "float32"),
    (A.silu, _silu, {"beta": 1e39}, "float32"),  # NaN everywhere
    (A.silu, _silu, {"beta": -1e39}, "float32"),
    (A.leaky_relu, _leaky_relu, {"negative_slope": 1e5}, "float16"),  # past 65504
    (A.leaky_relu, _leaky_relu, {"negative_slope": 1e-6}, "float16"),  # below its normal numbers
    (A.leaky_relu, _leaky_relu, {"negative_slope": 1e39}, "bfloat16"),
    (A.leaky_relu, _leaky_relu, {"negative_slope": 10 ** 39}, "float32"),  # an int, as large
]


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
@pytest.mark.parametrize("fn, reference, options, dtype", CASES,
                         ids=[f"{f.__name__}-{next(iter(o.values()))}-{d}" for f, _, o, d in CASES])
def test_values_at_extreme_options(fn, reference, options, dtype, mode):
    def run(x):
        return fn(x, **options)

    if mode != "eager":
        run = tf.function(run, autograph=False, jit_compile=mode == "xla")
    x = tf.cast(tf.constant(X), dtype)
    inputs = x.numpy().astype(np.float64)
    got = run(x).numpy().astype(np.float64)
    with mp.workdps(50):
        exact = np.array([float(reference(mp.mpf(v), *map(mp.mpf, options.values()))) for v in inputs])
    assert not np.isnan(got).any(), got
    numpy_dtype = x.dtype.as_numpy_dtype
    with np.errstate(over="ignore"):
        rounded = exact.astype(numpy_dtype).astype(np.float64)
    beyond = np.isinf(rounded)  # past the dtype's largest number: inf of the right sign
    np.testing.assert_array_equal(got[beyond], rounded[beyond])
    normal = (np.abs(exact) >= TINY[dtype]) & ~beyond
    steps = np.array([float(np.spacing(np.asarray(abs(v), numpy_dtype))) for v in exact[normal]])
    assert np.all(np.abs(got[normal] - exact[normal]) <= 8 * steps), list(zip(inputs[normal], got[normal], exact[normal]))
    small = ~normal & ~beyond  # flushed to 0, or within a subnormal step
    assert np.all((got[small] == 0) | (np.abs(got[small] - exact[small]) <= TINY[dtype] * 2.0 ** -10)), got[small]
