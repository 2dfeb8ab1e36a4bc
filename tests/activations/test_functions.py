"""Seed functions: signatures, input kinds, dtypes, and published examples."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts import activations as A

GATED = {"glu", "swiglu", "geglu", "reglu"}  # they halve the split axis
AXIS_WISE = {"softmax", "log_softmax", "softmin", "sparsemax"} | GATED


# TF 2's documented examples (tf.keras.activations docstrings, TF 2.x).
def test_tf2_relu_documented_examples():
    foo = tf.constant([-10, -5, 0.0, 5, 10], dtype=tf.float32)
    np.testing.assert_array_equal(A.relu(foo).numpy(), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(A.relu(foo, alpha=0.5).numpy(), [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(A.relu(foo, max_value=5.0).numpy(), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(A.relu(foo, threshold=5.0).numpy(), [0, 0, 0, 0, 10])


def test_relu_accepts_kerass_negative_slope_spelling():
    foo = tf.constant([-10, -5, 0.0, 5, 10])
    np.testing.assert_array_equal(A.relu(foo, negative_slope=0.5).numpy(), [-5, -2.5, 0, 5, 10])
    with pytest.raises(ValueError, match="alpha"):
        A.relu(foo, alpha=0.1, negative_slope=0.2)
    with pytest.raises(ValueError, match="max_value"):
        A.relu(foo, max_value=-1.0)


def test_relu_tf2_formula_with_all_options():
    # TF 2: clip(x * [x > t], 0, max) - alpha * relu(t - x)
    x = np.linspace(-4, 4, 33)
    got = A.relu(tf.constant(x), alpha=0.25, max_value=2.0, threshold=1.0).numpy()
    expected = np.clip(x * (x > 1.0), 0, 2.0) - 0.25 * np.maximum(1.0 - x, 0)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)


def test_tf2_documented_values():
    a = tf.constant([-20, -1.0, 0.0, 1.0, 20], dtype=tf.float32)
    np.testing.assert_allclose(
        A.sigmoid(a).numpy(), [2.0611537e-09, 2.6894143e-01, 5.0e-01, 7.3105860e-01, 1.0], rtol=1e-6)
    np.testing.assert_allclose(
        A.softplus(a).numpy(), [2.0611537e-09, 3.1326166e-01, 6.9314718e-01, 1.3132616, 20.0],
        rtol=1e-6)
    np.testing.assert_allclose(A.softsign(tf.constant([-1.0, 0.0, 1.0])).numpy(), [-0.5, 0, 0.5])
    b = tf.constant([-3.0, -1.0, 0.0, 1.0, 3.0])
    np.testing.assert_allclose(
        A.tanh(b).numpy(), [-0.9950547, -0.7615942, 0.0, 0.7615942, 0.9950547], rtol=1e-6)


def test_selu_constants_and_elu_alpha():
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    np.testing.assert_allclose(
        A.selu(x).numpy(), 1.05070098 * np.where(x > 0, x, 1.67326324 * np.expm1(x)), rtol=1e-8)
    np.testing.assert_allclose(
        A.elu(x, alpha=0.5).numpy(), np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-15)
    np.testing.assert_allclose(A.elu(x).numpy(), np.where(x > 0, x, np.expm1(x)), rtol=1e-15)


@pytest.mark.parametrize("name", ["elu", "selu"])
def test_elu_and_selu_in_a_small_graph_take_no_select_and_keep_every_value(name):
    """Outside XLA (a small model's graph), float32 elu and selu are minimums of cheap
    kernels: no comparison, no select. Their values are the formula's: x's side exact, the
    other within 8 ULP of float64's expm1, limits, NaN and both zeros' signs kept, and the
    same bits as the select form's."""
    scale, alpha = (1.0507009873554805, 1.6732632423543772) if name == "selu" else (1.0, 1.0)
    fn = tf.function(getattr(A, name), autograph=False)
    graph = fn.get_concrete_function(tf.TensorSpec([None, 32], tf.float32)).graph
    kinds = {op.type for op in graph.get_operations()}
    assert "Expm1" in kinds and not kinds & {"Select", "SelectV2", "Greater", "Less"}, kinds

    special = np.array([-np.inf, -100.0, -1e-30, -0.0, 0.0, 1e-30, 3.0, 100.0, 1e30, np.inf, np.nan],
                       np.float32)
    grid = np.random.default_rng(0).standard_normal(4096).astype(np.float32) * np.float32(4)
    x = np.concatenate([special, grid, grid * np.float32(1e-4), np.ones(21, np.float32)])
    got = fn(tf.constant(x.reshape(-1, 32))).numpy().ravel()  # rows of 32: not fused into XLA
    wide = x.astype(np.float64)
    negative = scale * alpha * np.expm1(np.minimum(wide, 0))
    positive = (np.float32(scale) * x if name == "selu" else x).astype(np.float64)
    expected = np.where(wide > 0, positive, negative)
    finite = np.isfinite(expected) & (expected != 0)
    ulps = np.abs(got[finite] - expected[finite]) / np.spacing(np.abs(expected[finite]).astype(np.float32))
    assert ulps.max() <= 8, ulps.max()  # the numerics suite's float32 bound
    np.testing.assert_array_equal(got[wide > 0], positive[wide > 0].astype(np.float32))  # bit for bit
    # The same bits as the select on TensorFlow's expm1 (the form before this one).
    t = tf.constant(x)
    selected = tf.where(t > 0, np.float32(scale) * t, np.float32(scale * alpha) * tf.math.expm1(t)).numpy()
    np.testing.assert_array_equal(got.view(np.int32), selected.view(np.int32))
    assert got[0] == np.float32(-scale * alpha) and np.isnan(got[10]) and got[9] == np.inf
    assert np.signbit(got[3]) and got[3] == 0 and not np.signbit(got[4]) and got[4] == 0


def test_softmax_of_the_seed_example():
    out = A.softmax([1.0, 2.0, 5.0])
    np.testing.assert_allclose(out.numpy(), [0.0171, 0.0466, 0.9362], atol=5e-5)
    assert int(tf.argmax(out)) == 2
    np.testing.assert_allclose(float(tf.reduce_sum(out)), 1.0, rtol=1e-6)


def test_softmax_axis_and_rank_errors():
    x = np.array([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_allclose(A.softmax(x, axis=0).numpy().sum(axis=0), [1, 1], rtol=1e-15)
    with pytest.raises(ValueError, match="scalar"):
        A.softmax(3.0)
    with pytest.raises(ValueError, match="axis"):
        A.softmax(x, axis=2)


def test_borrower_example_linear_vs_sigmoid():
    # A score z = 0.4 * debt - 0.03 * age - 0.95 for two borrowers, young (25) and old (35),
    # whose debt rises from 1 to 3: the linear score moves by 0.8 for both, the sigmoid
    # (probability of default) by 0.16337568 for the young and 0.14204389 for the old.
    def score(debt, age):
        return tf.constant(0.4 * debt - 0.03 * age - 0.95, tf.float32)

    young = [score(1, 25), score(3, 25)]
    old = [score(1, 35), score(3, 35)]
    for pair in (young, old):
        assert float(A.linear(pair[1]) - A.linear(pair[0])) == pytest.approx(0.8, abs=1e-6)
    assert float(A.sigmoid(young[1]) - A.sigmoid(young[0])) == pytest.approx(0.16337568, abs=1e-6)
    assert float(A.sigmoid(old[1]) - A.sigmoid(old[0])) == pytest.approx(0.14204389, abs=1e-6)


def test_seed_network_from_tf_constant_features():
    keras.utils.set_random_seed(7)
    features = tf.constant(np.random.default_rng(7).normal(size=(6, 23)), tf.float32)
    model = keras.Sequential([
        keras.Input((23,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(8, activation="sigmoid"),
        keras.layers.Dense(4, activation="softmax"),
    ])
    probabilities = model(features).numpy()
    assert probabilities.shape == (6, 4)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    # The same network by hand, in float64 numpy.
    (w1, b1), (w2, b2), (w3, b3) = [layer.get_weights() for layer in model.layers]
    h = np.maximum(features.numpy() @ w1 + b1, 0)
    h = 1 / (1 + np.exp(-(h @ w2 + b2)))
    z = h @ w3 + b3
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5)


@pytest.mark.parametrize("name", keras_acts.list_activations())
def test_inputs_of_every_kind(name):
    fn = keras_acts.get(name)
    values = [[-1.5, 0.25, 2.0, -0.5]]
    reference = fn(tf.constant(values, tf.float32)).numpy()
    for value in (values, np.array(values, np.float32), tf.Variable(values)):
        out = fn(value)
        assert isinstance(out, tf.Tensor) and out.dtype == tf.float32
        np.testing.assert_array_equal(out.numpy(), reference)
    if name not in AXIS_WISE:
        scalar = fn(0.5)
        assert scalar.shape == () and scalar.dtype == tf.float32
    integers = fn(tf.constant([[-1, 0, 2, 3]]))
    assert integers.dtype == tf.float32
    np.testing.assert_array_equal(integers.numpy(), fn([[-1.0, 0.0, 2.0, 3.0]]).numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("name", keras_acts.list_activations())
def test_dtype_and_shape_preserved(name, dtype):
    x = tf.cast(tf.reshape(tf.linspace(-3.0, 3.0, 24), (2, 3, 4)), dtype)
    out = keras_acts.get(name)(x)
    assert out.dtype == x.dtype
    assert out.shape == ((2, 3, 2) if name in GATED else x.shape)
    assert np.all(np.isfinite(tf.cast(out, tf.float64).numpy())), name


@pytest.mark.parametrize("name", keras_acts.list_activations())
def test_functional_api_with_keras_input(name):
    inputs = keras.Input((4,))
    outputs = keras_acts.get(name)(inputs)
    model = keras.Model(inputs, outputs)
    x = np.array([[-2.0, -0.5, 0.5, 3.0]], np.float32)
    np.testing.assert_array_equal(model(x).numpy(), keras_acts.get(name)(x).numpy())


@pytest.mark.parametrize("name", keras_acts.list_activations())
def test_static_shapes_survive_the_compiled_kernels(name):
    # Rows of 1024 take the XLA-compiled passes in a graph (keras_acts.config); a layer
    # after the activation needs its output's last axis, a model's summary every axis.
    fn, width = keras_acts.get(name), (512 if name in GATED else 1024)

    @tf.function(input_signature=[tf.TensorSpec([None, 1024])] * 2, autograph=False)
    def forward_backward(x, dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return y, tape.gradient(y, x, output_gradients=dy[:, :width])

    y, grad = forward_backward.get_concrete_function().structured_outputs
    assert y.shape.as_list() == [None, width]
    assert grad.shape.as_list() == [None, 1024]
    assert fn(keras.Input((1024,))).shape == (None, width)


def test_functional_api_with_options_is_serializable():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, A.relu(inputs, max_value=1.0, negative_slope=0.1))
    clone = keras.Model.from_config(model.get_config())
    x = np.array([[-2.0, 0.5, 3.0]], np.float32)
    np.testing.assert_allclose(clone(x).numpy(), [[-0.2, 0.5, 1.0]], rtol=1e-7)


@pytest.mark.parametrize("bad", ["abc", tf.constant(["a"]), tf.constant([1 + 2j])])
def test_non_real_inputs_are_type_errors(bad):
    with pytest.raises(TypeError, match="`x`"):
        A.lisht(bad)


def test_snake_frequency():
    x = np.array([-1.0, 0.3, 2.0])
    np.testing.assert_allclose(
        A.snake(x, frequency=2.0).numpy(), x + np.sin(2 * x) ** 2 / 2, rtol=1e-14)
    with pytest.raises(ValueError, match="frequency"):
        A.snake(x, frequency=0.0)


def test_leaky_relu_spellings_and_exact_float64_slope():
    x = tf.constant([-1.0, 2.0], tf.float64)
    np.testing.assert_array_equal(A.leaky_relu(x).numpy(), [-0.2, 2.0])
    np.testing.assert_array_equal(A.leaky_relu(x, alpha=0.1).numpy(), [-0.1, 2.0])
    np.testing.assert_array_equal(A.leaky_relu(x, negative_slope=0.1).numpy(), [-0.1, 2.0])


@pytest.mark.parametrize("level, replacement", [(0.0, 0.0), (1.0, -5.0), (0.5, 0.5), (-1.0, 2.0)])
@pytest.mark.parametrize("compiled", [False, True])
def test_threshold_gradient_passes_above_the_threshold_only(level, replacement, compiled):
    """Slope 1 above the threshold and 0 at or below it, whether the replacement lies
    below the threshold (the gradient then reads the output) or above it (the input,
    the output no longer telling the sides apart); NaN passes its gradient, as autodiff
    of the select does. Large tensors take the fused kernels, small ones TensorFlow's ops."""
    specials = [-np.inf, -2.0, level - 1e-3, level, level + 1e-3, 2.0, replacement, np.nan, np.inf]
    x = np.concatenate([specials, np.random.default_rng(0).normal(0, 2, 2 ** 17 - len(specials))])
    x = tf.constant(x.astype(np.float32))

    def value_and_gradient(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = A.threshold(t, threshold=level, default_value=replacement)
        return y, tape.gradient(y, t, output_gradients=tf.fill(tf.shape(t), 3.0))

    for size in (16, 2 ** 17):
        run = tf.function(value_and_gradient, jit_compile=True) if compiled else value_and_gradient
        y, dy = run(x[:size])
        xs = x[:size].numpy()
        expected = np.where(xs <= level, np.float32(replacement), xs)
        np.testing.assert_array_equal(y.numpy(), expected)
        np.testing.assert_array_equal(dy.numpy(), np.where(xs <= level, 0.0, 3.0).astype(np.float32))


@pytest.mark.parametrize("argument", ["threshold", "default_value"])
def test_threshold_options_must_be_numbers(argument):
    with pytest.raises(TypeError, match=f"`{argument}` must be a number"):
        A.threshold(tf.ones([2]), **{argument: "0.5"})


def test_silu_beta_must_be_a_finite_number():
    with pytest.raises(TypeError, match="`beta` must be a number"):
        A.silu(tf.ones([2]), beta="2")
    with pytest.raises(ValueError, match="`beta` must be finite"):
        A.silu(tf.ones([2]), beta=float("inf"))


def test_rrelu_function_random_in_training_seedable_mean_otherwise():
    x = -tf.ones([2000])
    np.testing.assert_allclose(A.rrelu(x).numpy(), -(1 / 8 + 1 / 3) / 2, rtol=1e-6)
    slopes = -A.rrelu(x, training=True, seed=3).numpy()
    assert slopes.min() >= 1 / 8 and slopes.max() <= 1 / 3 and slopes.std() > 0.03
    np.testing.assert_array_equal(-A.rrelu(x, training=True, seed=3).numpy(), slopes)
    np.testing.assert_array_equal(A.rrelu(-x, training=True, seed=3).numpy(), -x.numpy())


def test_custom_gradients_are_recorded_under_a_tape_and_skipped_without_one():
    from keras_acts.activations import _base

    assert _base._tape_is_recording.__module__.startswith("tensorflow"), (
        f"TensorFlow {tf.__version__} moved could_possibly_record (see "
        "keras_acts/activations/_base.py): custom gradients are now recorded in every eager call."
    )
    x = tf.constant([40.0, -3.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        assert _base._tape_is_recording()
        y = A.sigmoid(x)
    # sigmoid(40) rounds to 1, so TensorFlow's own gradient y (1 - y) would be 0.
    gradient = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(gradient, [np.exp(-40.0), np.exp(-3) / (1 + np.exp(-3)) ** 2], rtol=1e-12)
    assert not _base._tape_is_recording()
    np.testing.assert_array_equal(A.sigmoid(x).numpy(), y.numpy())


def _sigmoid_gated_float64(beta, argument=None):
    """x sigmoid(g(x)) in float64 NumPy (g = beta x unless given): the published formulas."""
    def f(x):
        u = beta * x if argument is None else argument(x)
        with np.errstate(over="ignore"):
            return x / (1 + np.exp(-u))
    return f


SIGMOID_GATED = {
    "quick_gelu": ({}, _sigmoid_gated_float64(1.702)),
    "silu(beta=1.5)": ({"beta": 1.5}, _sigmoid_gated_float64(1.5)),
    "silu(beta=-1.5)": ({"beta": -1.5}, _sigmoid_gated_float64(-1.5)),
    "gelu_tanh": ({}, _sigmoid_gated_float64(1.0, lambda x: 2 * np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
}


@pytest.mark.parametrize("case", sorted(SIGMOID_GATED))
def test_sigmoid_gates_in_float32_within_8_ulp_across_their_tail(case):
    # In the tail the gate is exp(g(x)), whose relative error is |g(x)| times g's: the
    # float32 forms inside XLA (eager calls run them) must carry g's rounding. A dense
    # grid finds what the numerics tests' points may step over (up to 16 ULP without).
    options, reference = SIGMOID_GATED[case]
    name = case.split("(")[0]
    x = np.linspace(-90, 90, 2**18, dtype=np.float32)
    got = keras_acts.get(name)(tf.constant(x), **options).numpy().astype(np.float64)
    exact = reference(x.astype(np.float64))
    eps = np.finfo(np.float32).eps
    # ULPs of the value rounded to float32 where it is at least eps, of eps below (the tests' bound)
    unit = np.spacing(np.maximum(np.abs(exact), eps).astype(np.float32)).astype(np.float64)
    worst = np.argmax(np.abs(got - exact) / unit)
    assert np.abs(got - exact)[worst] <= 8 * unit[worst], (x[worst], got[worst], exact[worst])
