"""Learnable layers: each formula against NumPy, paper defaults, sharing, errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_acts import layers as L

X = np.linspace(-4, 4, 24).reshape(1, 3, 8).astype("float64")


def _run(layer):
    return layer(tf.constant(X, tf.float32)).numpy().astype("float64")


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


_FORMULAS = pytest.mark.parametrize("layer, reference", [
    (lambda: L.PReLU(alpha_initializer=0.3), lambda x: np.where(x > 0, x, 0.3 * x)),
    (lambda: L.Swish(beta_initializer=1.5), lambda x: x * _sigmoid(1.5 * x)),
    (lambda: L.PELU(a_initializer=2.0, b_initializer=0.5),
     lambda x: np.where(x >= 0, 4.0 * x, 2.0 * np.expm1(x / 0.5))),
    (lambda: L.SReLU(), lambda x: np.where(x >= 1, x, np.where(x <= 0, 0.2 * x, x))),
    (lambda: L.SReLU(t_right_initializer=2.0, a_right_initializer=0.5),
     lambda x: np.where(x >= 2, 2 + 0.5 * (x - 2), np.where(x <= 0, 0.2 * x, x))),
    (lambda: L.APL(hinges=2, a_initializer=0.5, b_initializer=1.0),
     lambda x: np.maximum(x, 0) + 2 * 0.5 * np.maximum(1.0 - x, 0)),
    (lambda: L.Snake(frequency_initializer=2.0), lambda x: x + np.sin(2 * x) ** 2 / 2),
    (lambda: L.TLU(tau_initializer=-1.0), lambda x: np.maximum(x, -1.0)),
    (lambda: L.StarReLU(), lambda x: 0.8944 * np.maximum(x, 0) ** 2 - 0.4472),
    (lambda: L.ACON(p1_initializer=1.5, p2_initializer=0.2, beta_initializer=2.0),
     lambda x: 1.3 * x * _sigmoid(2.0 * 1.3 * x) + 0.2 * x),
    (lambda: L.DyT(alpha_initializer=0.7, gamma_initializer=2.0, beta_initializer=0.1),
     lambda x: 2.0 * np.tanh(0.7 * x) + 0.1),
], ids=["PReLU", "Swish", "PELU", "SReLU", "SReLU-moved", "APL", "Snake", "TLU", "StarReLU",
        "ACON", "DyT"])


@_FORMULAS
def test_formula(layer, reference):
    np.testing.assert_allclose(_run(layer()), reference(X), rtol=2e-6, atol=2e-6)


@_FORMULAS
def test_integer_inputs_give_floats_not_integer_weights(layer, reference):
    """Integers become the layer's float dtype, as the functions' do (Keras's PReLU
    raises); cast to the integers' dtype, the weights were cut to integers."""
    ints = np.arange(-4, 5, dtype=np.int32).reshape(1, 1, 9)
    got = layer()(ints)
    assert got.dtype == tf.float32
    np.testing.assert_allclose(got.numpy(), reference(ints.astype(np.float64)), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("mode", ["eager", "function", "xla"])
def test_prelu_values_and_gradients_in_each_mode(mode):
    # Inside the caller's XLA program PReLU takes a form of its own (formula_in_xla).
    layer = L.PReLU(alpha_initializer=0.3)
    x = X.copy()
    x[0, 0, :3] = [np.nan, -np.inf, np.inf]
    weights = np.random.default_rng(0).uniform(0.5, 2.0, X.shape)

    def run(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(weights.astype("float32") * y)
        return (y, *tape.gradient(loss, [x, layer.alpha]))

    if mode != "eager":
        run = tf.function(run, jit_compile=mode == "xla", autograph=False)
    y, dx, dalpha = (t.numpy().astype("float64") for t in run(tf.constant(x, tf.float32)))
    x32 = x.astype("float32")  # the product as float32 rounds it: the same bits in every mode
    np.testing.assert_array_equal(y, np.where(x32 > 0, x32, np.float32(0.3) * x32))
    finite = np.isfinite(x)  # the gradients at nan and ±inf have no meaning
    np.testing.assert_allclose(dx[finite], np.where(x > 0, 1.0, 0.3)[finite] * weights[finite],
                               rtol=1e-6)
    np.testing.assert_allclose(dalpha[finite[0]], (np.where(x > 0, 0.0, x) * weights)[0][finite[0]],
                               rtol=1e-6)


@pytest.mark.parametrize("batch", [100, 4])
def test_prelu_inside_xla_sums_alphas_gradient_in_one_reduction(batch):
    """Alpha shaped as a sample: inside XLA its gradient, a sum over the batch, is one
    vectorized XLA reduction of the rows that fold into steps of 16 (batch_sums; XLA's
    own gradient wrote the terms out first), the same values as autodiff outside XLA,
    second derivatives (a gradient penalty's) too."""
    rng = np.random.default_rng(1)
    layer = L.PReLU()
    layer.build((None, 64))
    layer.alpha.assign(rng.uniform(0.1, 0.5, (64,)).astype("float32"))
    x = rng.normal(0, 2, (batch, 64)).astype("float32")
    x[0, :4] = 0.0
    dy = rng.normal(0, 1, (batch, 64)).astype("float32")

    def run(x, dy):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = layer(x)
            dx, dalpha = inner.gradient(y, [x, layer.alpha], output_gradients=dy)
            penalty = tf.reduce_sum(dx * dx) + tf.reduce_sum(dalpha * dalpha)
        return (y, dx, dalpha, *outer.gradient(penalty, [x, layer.alpha]))

    compiled = tf.function(run, jit_compile=True, autograph=False)
    got = [t.numpy() for t in compiled(tf.constant(x), tf.constant(dy))]
    expected = [t.numpy() for t in tf.function(run, autograph=False)(tf.constant(x), tf.constant(dy))]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=2e-5, atol=1e-4)
    a = layer.alpha.numpy().astype("float64")
    np.testing.assert_allclose(got[2], (dy * np.minimum(x, 0)).astype("float64").sum(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got[1], np.where(x > 0, dy, a * dy), rtol=1e-6)
    graph = compiled.get_concrete_function(tf.constant(x), tf.constant(dy)).graph.as_graph_def()
    nodes = [*graph.node, *(n for f in graph.library.function for n in f.node_def)]
    assert sum(n.op.startswith("XlaVariadicReduce") for n in nodes) >= 1


def test_parameter_shapes_follow_paper_defaults():
    shapes = {}
    for name in ("PReLU", "Swish", "PELU", "SReLU", "APL", "Snake", "TLU", "StarReLU", "ACON", "DyT"):
        layer = getattr(L, name)()
        layer.build((None, 3, 8))
        shapes[name] = {w.name: tuple(w.shape) for w in layer.weights}
    assert shapes["PReLU"] == {"alpha": (3, 8)}  # per element, as Keras
    assert shapes["Swish"] == {"beta": (1, 8)}  # per channel
    assert shapes["APL"] == {"a": (2, 1, 8), "b": (2, 1, 8)}
    assert shapes["StarReLU"] == {"scale": (), "bias": ()}
    assert shapes["DyT"] == {"alpha": (), "gamma": (1, 8), "beta": (1, 8)}


def test_prelu_per_channel_like_pytorch():
    layer = L.PReLU(per_channel=True, alpha_initializer=0.25)
    layer.build((None, 5, 5, 16))
    assert tuple(layer.alpha.shape) == (1, 1, 16)
    np.testing.assert_array_equal(layer.alpha.numpy(), 0.25)
    with pytest.raises(ValueError, match="shared_axes"):
        L.PReLU(per_channel=True, shared_axes=[1])


def test_prelu_weights_exist_once_built_symbolically():
    inputs = keras.Input((None, 6))
    layer = L.PReLU()
    keras.Model(inputs, layer(inputs))  # never called on data
    assert tuple(layer.alpha.shape) == (1, 6)


def test_a_layer_passed_as_activation_is_built_with_its_host():
    # Keras builds a host from shapes alone, without running its activation;
    # keras_acts builds the activation layer right after, on the shape it will see.
    dense = keras.layers.Dense(4, activation=L.PReLU())
    conv = keras.layers.Conv1D(4, 2, activation=L.PReLU(shared_axes=[1]))
    lstm = keras.layers.LSTM(3, activation=L.PReLU(), recurrent_activation=L.Swish())
    kerass = keras.layers.Dense(2, activation=keras.layers.PReLU())  # Keras's own layer too
    inputs = keras.Input((5, 4))
    model = keras.Model(inputs, kerass(lstm(conv(inputs))))  # never called on data
    assert tuple(conv.activation.alpha.shape) == (1, 4)
    assert tuple(lstm.cell.activation.alpha.shape) == (3,)
    assert tuple(lstm.cell.recurrent_activation.beta.shape) == (3,)
    assert tuple(kerass.activation.alpha.shape) == (2,)
    dense_model = keras.Sequential([keras.Input((3,)), dense])
    assert tuple(dense.activation.alpha.shape) == (4,)
    assert dense_model.count_params() == 3 * 4 + 4 + 4
    assert {w.path for w in dense.weights} >= {dense.activation.alpha.path}
    assert model.count_params() == sum(int(np.prod(w.shape)) for w in model.weights)
    assert len(model.weights) == 2 + 1 + 3 + 2 + 2 + 1


def test_prelu_as_activation_of_dense_is_trained():
    dense = keras.layers.Dense(4, activation=L.PReLU(alpha_initializer=0.25))
    model = keras.Sequential([keras.Input((3,)), dense])
    model.compile("sgd", "mse")
    # x and -x: every unit is negative for one of them, so every alpha gets a gradient.
    x = np.concatenate([np.ones((4, 3)), -np.ones((4, 3))])
    model.fit(x, np.full((8, 4), 0.5), epochs=1, verbose=0)
    alphas = [w for w in model.trainable_weights if w.path.endswith("alpha")]
    assert len(alphas) == 1 and not np.any(np.isclose(alphas[0].numpy(), 0.25))


def test_rational_starts_near_leaky_relu_with_a_safe_denominator():
    layer = L.Rational()
    x = np.linspace(-3, 3, 601)
    y = layer(tf.constant(x[None], tf.float32)).numpy()[0]
    assert np.max(np.abs(y - np.where(x > 0, x, 0.01 * x))) < 0.07
    a = layer.numerator.numpy().astype("float64")
    b = np.abs(layer.denominator.numpy().astype("float64"))
    direct = np.polyval(a[::-1], x) / (1 + sum(bk * np.abs(x) ** (k + 1) for k, bk in enumerate(b)))
    np.testing.assert_allclose(y, direct, rtol=1e-5, atol=1e-6)
    # Large inputs: evaluated in 1/x, no overflow; the slope at infinity is a_m / b_n.
    big = layer(tf.constant([[1e30, -1e30, 3.0e38]], tf.float32)).numpy()[0]
    assert np.all(np.isfinite(big))
    np.testing.assert_allclose(big[:2] / [1e30, -1e30], a[-1] / b[-1], rtol=1e-5)


@pytest.mark.parametrize("degrees", [(0, 4), (5, -1), (2.5, 1), "54", (5,), (True, 2)])
def test_rational_rejects_senseless_degrees(degrees):
    with pytest.raises(ValueError, match="degrees"):
        L.Rational(degrees=degrees)


def test_maxout():
    x = np.arange(12, dtype="float32").reshape(1, 12) * np.array([1, -1] * 6, "float32")
    y = L.Maxout(3)(x).numpy()
    np.testing.assert_array_equal(y, x.reshape(1, 3, 4).max(axis=-1))
    with pytest.raises(ValueError, match="num_units"):
        L.Maxout(5)(x)
    with pytest.raises(ValueError, match="num_units"):
        L.Maxout(0)


def test_maxout_passes_a_time_step_mask_on():
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    mask = tf.constant([[True, True, False], [True, False, False]])
    assert L.Maxout(2).supports_masking
    np.testing.assert_array_equal(L.Maxout(2).compute_mask(x, mask).numpy(), mask.numpy())
    assert L.Maxout(1, axis=1).compute_mask(x, mask) is None  # the masked axis is cut
    # in a model: an LSTM after Maxout sees the Embedding's mask (masked steps keep the state)
    tokens = np.array([[3, 5, 0, 0]])
    inputs = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(10, 4, mask_zero=True)(inputs)
    outputs = keras.layers.LSTM(3)(L.Maxout(2)(embedded))
    model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(model(tokens).numpy(), model(tokens[:, :2]).numpy(), rtol=1e-6)


def test_each_apl_layer_draws_its_own_hinges():
    # a seeded initializer shared by every layer gave every APL the same hinges
    first, second = L.APL(), L.APL()
    first.build((None, 8))
    second.build((None, 8))
    assert not np.array_equal(first.b.numpy(), second.b.numpy())
    keras.utils.set_random_seed(3)
    again = L.APL()
    again.build((None, 8))
    keras.utils.set_random_seed(3)
    same = L.APL()
    same.build((None, 8))
    np.testing.assert_array_equal(again.b.numpy(), same.b.numpy())  # reproducible with Keras's seed


def test_a_default_initializer_of_ones_own_class_is_used_as_it_is():
    # its config need not rebuild it (Keras's base get_config() is {}): no copy is made
    class Fixed(keras.initializers.Initializer):
        def __init__(self, value):
            self.value = value

        def __call__(self, shape, dtype=None):
            return tf.fill(shape, tf.constant(self.value, dtype))

    class Scaled(L.ParametricActivation):
        parameters = (L.Parameter("scale", Fixed(0.25)),)
        default_sharing = "channel"

        def formula(self, x, scale):
            return scale * x

    layer = Scaled()
    layer.build((None, 2))
    np.testing.assert_array_equal(layer.scale.numpy(), [0.25, 0.25])
    other = Scaled(scale_initializer=0.5)
    other.build((None, 2))
    np.testing.assert_array_equal(other.scale.numpy(), [0.5, 0.5])


def test_rrelu_random_in_training_mean_at_inference_seedable():
    x = -np.ones((1, 1000), "float32")
    layer = L.RReLU(seed=7)
    np.testing.assert_allclose(layer(x).numpy(), -(1 / 8 + 1 / 3) / 2, rtol=1e-6)
    slopes = -layer(x, training=True).numpy()
    assert slopes.min() >= 1 / 8 and slopes.max() <= 1 / 3 and slopes.std() > 0.03
    again = -L.RReLU(seed=7)(x, training=True).numpy()
    np.testing.assert_array_equal(slopes, again)
    with pytest.raises(ValueError, match="lower"):
        L.RReLU(lower=0.5, upper=0.1)


def test_constraints_keep_pelu_and_snake_parameters_positive():
    layer = L.PELU()
    layer.build((None, 4))
    assert layer.a.constraint(tf.constant([-1.0, 0.5])).numpy().tolist() == [
        pytest.approx(0.1), 0.5]
    assert L.Snake(frequency_initializer=1.0).frequency_constraint(tf.constant([0.0])).numpy()[0] \
        == pytest.approx(1e-3)


def test_user_subclass_of_the_base_class():
    @keras.saving.register_keras_serializable(package="tests")
    class ScaledTanh(L.ParametricActivation):
        parameters = (L.Parameter("scale", 1.0), L.Parameter("slope", 2.0, scalar=True))
        default_sharing = "channel"

        def formula(self, x, scale, slope):
            return scale * tf.math.tanh(slope * x)

    layer = ScaledTanh(scale_initializer=1.5, scale_regularizer="l2")
    np.testing.assert_allclose(_run(layer), 1.5 * np.tanh(2.0 * X), rtol=2e-6, atol=2e-6)
    assert tuple(layer.scale.shape) == (1, 8) and tuple(layer.slope.shape) == ()
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert isinstance(clone, ScaledTanh)
    assert isinstance(clone.scale_regularizer, keras.regularizers.L2)
    assert len(layer.losses) == 1  # the regularizer is applied


def test_float64_weights_from_numbers_are_rounded_once_to_float64():
    """Keras's Constant (TensorFlow backend) makes a float32 tensor first: a float64
    PReLU's 0.1 held 0.10000000149011612, StarReLU's 0.8944 0.8944000005722046."""
    prelu = L.PReLU(alpha_initializer=0.1, dtype="float64")
    prelu.build((None, 3))
    assert prelu.alpha.numpy().tolist() == [0.1, 0.1, 0.1]
    star = L.StarReLU(dtype="float64")
    star.build((None, 3))
    assert sorted(float(w.numpy().ravel()[0]) for w in star.weights) == [-0.4472, 0.8944]
    rational = L.Rational(dtype="float64")
    rational.build((None, 3))
    in_float32 = L.Rational()
    in_float32.build((None, 3))
    wide, narrow = rational.weights[0].numpy(), in_float32.weights[0].numpy()
    np.testing.assert_array_equal(wide.astype(np.float32), narrow)  # the same fit, rounded once
    assert np.any(wide != narrow.astype(np.float64))  # and not via float32


@pytest.mark.parametrize("policy, half", [("mixed_float16", np.float16), ("mixed_bfloat16", None)])
def test_mixed_precision_rounds_once_from_float32_weights(policy, half):
    """Under a mixed policy the formula runs in float32 on the float32 weights and the
    output is rounded once; Keras's autocast handed it weights already rounded to the
    half type (StarReLU at 1.75: 2.29297 in float16, where 2.29102 is the rounding)."""
    import ml_dtypes

    half = half or ml_dtypes.bfloat16
    bits, smallest_normal = (11, 2.0 ** -14) if half is np.float16 else (8, 2.0 ** -126)
    x = np.linspace(-3, 3, 4001).astype(np.float32).reshape(1, -1)
    keras.mixed_precision.set_global_policy(policy)
    try:
        layers = {"StarReLU": L.StarReLU(scale_initializer=0.8944, bias_initializer=-0.4472),
                  "DyT": L.DyT(alpha_initializer=0.7, gamma_initializer=1.1, beta_initializer=0.1)}
        got = {name: layer(x).numpy().astype(np.float64) for name, layer in layers.items()}
    finally:
        keras.mixed_precision.set_global_policy("float32")
    w = np.float64
    t = x.astype(half).astype(w)  # Keras casts a layer's inputs to the policy's compute dtype
    exact = {"StarReLU": w(np.float32(0.8944)) * np.maximum(t, 0) ** 2 + w(np.float32(-0.4472)),
             "DyT": w(np.float32(1.1)) * np.tanh(w(np.float32(0.7)) * t) + w(np.float32(0.1))}
    for name in layers:
        ulp = 2.0 ** (np.floor(np.log2(np.maximum(np.abs(exact[name]), smallest_normal))) - (bits - 1))
        assert np.all(np.abs(got[name] - exact[name]) <= 0.51 * ulp + 1e-6 * np.abs(exact[name])), name


@pytest.mark.parametrize("make, built_on, refused, taken", [
    # one value per element (Keras's PReLU): the rank and every unshared axis are the weights'
    (lambda: L.PReLU(), (2, 5, 8), [(2, 3, 5, 8), (3, 8), (2, 4, 8)], [(7, 5, 8)]),
    # one per channel: the channels, at any rank
    (lambda: L.PReLU(per_channel=True), (2, 5, 8), [(4, 6), (2, 5, 7)], [(4, 8), (2, 3, 5, 8)]),
    (lambda: L.Swish(), (2, 8), [(2, 6)], [(2, 3, 8)]),
    (lambda: L.APL(), (2, 8), [(2, 6)], [(5, 8)]),
    # every axis shared: anything
    (lambda: L.PReLU(shared_axes=[1, 2]), (2, 5, 8), [], [(2, 3, 4)]),
], ids=["PReLU", "PReLU per channel", "Swish", "APL", "PReLU all shared"])
def test_inputs_the_weights_were_not_built_for_are_keras_s_error(make, built_on, refused, taken):
    # they were TensorFlow's broadcast error, or broadcast silently over a new axis
    layer = make()
    layer(np.ones(built_on, "float32"))
    for shape in refused:
        with pytest.raises(ValueError, match=f"of layer '{layer.name}' is incompatible with the layer"):
            layer(np.ones(shape, "float32"))
    for shape in taken:
        assert layer(np.ones(shape, "float32")).shape == shape
