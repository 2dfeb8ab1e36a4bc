"""keras_acts.plot: figures, plotted values, derivatives, layers, and errors.

The plotted numbers are read back from the figure's lines and compared with
float64 formulas and central finite differences.
"""

import functools
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_acts
from keras_acts import registry
from keras_acts.plot import evaluate, kind_of, plot

OWN_NAMES = [s.name for s in registry.specs() if s.family != "user"]
GATED = ["glu", "swiglu", "geglu", "reglu"]
AXISWISE = ["softmax", "log_softmax", "softmin", "sparsemax"]


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _lines(axes):
    f, *rest = axes.lines
    return f.get_xdata(), f.get_ydata(), (rest[0].get_ydata() if rest else None)


def test_one_name_one_axes_with_function_and_derivative():
    fig = plot("sigmoid", x_range=(-6, 6), num=121)
    assert len(fig.axes) == 1
    assert len(fig.axes[0].lines) == 2
    x, y, dy = _lines(fig.axes[0])
    np.testing.assert_array_equal(x, np.linspace(-6, 6, 121))
    assert y.dtype == dy.dtype == np.float64
    np.testing.assert_allclose(y, _sigmoid(x), rtol=1e-14)
    np.testing.assert_allclose(dy, y * (1 - y), rtol=1e-12, atol=1e-16)  # sigmoid' = s (1 - s)


def test_without_derivative_one_line_per_axes():
    fig = plot(["tanh", "relu"], derivative=False, num=11)
    assert [len(a.lines) for a in fig.axes] == [1, 1]


def test_grid_has_one_axes_per_name_and_ncols():
    names = ["relu", "gelu_tanh", "lisht", "mish", "snake"]
    fig = plot(names, ncols=2, num=21)
    assert len(fig.axes) == len(names)  # the sixth cell of the 3 x 2 grid is not created
    assert all(len(a.lines) == 2 for a in fig.axes)
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (3, 2)
    assert [a.get_title() for a in fig.axes] == names
    default = plot(names, num=21)
    assert default.axes[0].get_subplotspec().get_geometry()[:2] == (2, 3)


@pytest.mark.parametrize("name", OWN_NAMES)
def test_derivative_matches_float64_finite_differences(name):
    # Points at least 0.03 away from every kink of the piecewise functions
    # (multiples of 0.5, and 6 for relu6).
    x = np.linspace(-4.9, 4.9, 50) + 0.0123
    y, dy = evaluate(name, x)
    h = 1e-6
    up, _ = evaluate(name, x + h, derivative=False)
    down, _ = evaluate(name, x - h, derivative=False)
    np.testing.assert_allclose(dy, (up - down) / (2 * h), rtol=1e-6, atol=1e-6)


def test_known_derivatives():
    x = np.linspace(-5, 5, 101)
    y, dy = evaluate("tanh", x)
    np.testing.assert_allclose(dy, 1 - np.tanh(x) ** 2, rtol=1e-12, atol=1e-15)
    y, dy = evaluate("relu", x[x != 0])
    np.testing.assert_array_equal(dy, (x[x != 0] > 0).astype(float))
    y, dy = evaluate("elu", x)
    np.testing.assert_allclose(dy, np.where(x > 0, 1.0, np.exp(x)), rtol=1e-12)


def test_axiswise_functions_are_the_first_output_for_x_and_zero():
    x = np.linspace(-8, 8, 81)
    y, dy = evaluate("softmax", x)
    s = _sigmoid(x)
    np.testing.assert_allclose(y, s, rtol=1e-13)
    np.testing.assert_allclose(dy, s * (1 - s), rtol=1e-11, atol=1e-16)
    np.testing.assert_allclose(evaluate("softmin", x)[0], _sigmoid(-x), rtol=1e-13)
    np.testing.assert_allclose(evaluate("log_softmax", x)[0], -np.log1p(np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(evaluate("sparsemax", x)[0], np.clip((x + 1) / 2, 0, 1), atol=1e-15)
    # Keras's own softmax is recognised as axis-wise too.
    assert kind_of(keras.activations.softmax) == "axis"
    np.testing.assert_allclose(evaluate(keras.activations.softmax, x)[0], s, rtol=1e-12)
    assert all(kind_of(name) == "axis" for name in AXISWISE)
    assert "[x, 0]" in plot("softmax", num=5).axes[0].get_title()


def test_gated_units_are_x_times_the_activation_of_x():
    x = np.linspace(-5, 5, 101)
    y, dy = evaluate("glu", x)
    s = _sigmoid(x)
    np.testing.assert_allclose(y, x * s, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(dy, s + x * s * (1 - s), rtol=1e-11, atol=1e-15)  # total derivative
    np.testing.assert_allclose(evaluate("swiglu", x)[0], x * x * s, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(evaluate("reglu", x)[0], x * np.maximum(x, 0), rtol=1e-15)
    assert all(kind_of(name) == "gated" for name in GATED)
    assert "[x, x]" in plot("swiglu", num=5).axes[0].get_title()


def test_parameterised_strings_and_callables():
    x = np.array([-2.0, 3.0])
    y, dy = evaluate("leaky_relu(0.1)", x)
    np.testing.assert_allclose(y, [-0.2, 3.0])
    np.testing.assert_allclose(dy, [0.1, 1.0])
    fig = plot([keras_acts.activations.mish, lambda t: t * t], num=11)
    assert fig.axes[0].get_title() == "mish"
    np.testing.assert_allclose(fig.axes[1].lines[1].get_ydata(), 2 * np.linspace(-10, 10, 11))


def test_dtype_float32():
    y32, dy32 = evaluate("gelu_tanh", [-1.0, 0.5], dtype="float32")
    y64, dy64 = evaluate("gelu_tanh", [-1.0, 0.5])
    np.testing.assert_allclose(y32, y64, rtol=1e-6)
    np.testing.assert_allclose(dy32, dy64, rtol=1e-6)
    with pytest.raises(ValueError, match="floating"):
        evaluate("relu", [1.0], dtype="int32")


def test_prelu_layer_is_plotted_at_its_weights():
    layer = keras_acts.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25))
    assert not layer.built
    fig = plot(layer, x_range=(-4, 4), num=81)
    assert layer.built  # built on (None, 1) by plot
    x, y, dy = _lines(fig.axes[0])
    np.testing.assert_allclose(y, np.where(x > 0, x, 0.25 * x), rtol=1e-7)
    np.testing.assert_allclose(dy[x != 0], np.where(x[x != 0] > 0, 1.0, 0.25), rtol=1e-7)
    assert "PReLU" in fig.axes[0].get_title()

    layer.set_weights([np.full_like(layer.get_weights()[0], 0.5)])  # trained weights, say
    y, dy = evaluate(layer, [-2.0, 2.0])
    np.testing.assert_allclose(y, [-1.0, 2.0])
    np.testing.assert_allclose(dy, [0.5, 1.0])


def test_layer_with_shared_weights_and_layer_class():
    shared = keras_acts.layers.PReLU(shared_axes=[1],
                                     alpha_initializer=keras.initializers.Constant(0.1))
    shared.build((None, 5))
    np.testing.assert_allclose(evaluate(shared, [-1.0, 1.0])[0], [-0.1, 1.0], rtol=1e-6)
    np.testing.assert_allclose(evaluate(keras_acts.layers.PReLU, [-1.0, 1.0])[0], [0.0, 1.0])


def test_axiswise_and_gated_layers_get_two_columns():
    x = np.linspace(-4, 4, 17)
    softmax = keras.layers.Softmax()  # Keras's own layer, recognised by its name
    assert kind_of(softmax) == "axis"
    y, dy = evaluate(softmax, x)
    np.testing.assert_allclose(y, _sigmoid(x), rtol=1e-6)
    np.testing.assert_allclose(dy, _sigmoid(x) * (1 - _sigmoid(x)), rtol=1e-5, atol=1e-7)
    swiglu = getattr(keras_acts.layers, "SwiGLU", None)
    if swiglu is not None:  # keras_acts's one-function layers name their function
        assert kind_of(swiglu()) == "gated"
        np.testing.assert_allclose(
            evaluate(swiglu(), x)[0], x * x * _sigmoid(x), rtol=1e-5, atol=1e-6
        )


def test_layer_whose_weights_do_not_fit_one_feature_raises():
    layer = keras_acts.layers.PReLU()
    layer.build((None, 5))
    with pytest.raises(ValueError, match=r"weights.*\(5,\).*\(None, 1\)"):
        plot(layer)


@pytest.mark.parametrize(
    "names, match",
    [
        ("lsiht", r"Unknown activation 'lsiht'.*'lisht'"),
        (["relu", "gelu_tanhh"], r"Unknown activation 'gelu_tanhh'.*'gelu_tanh'"),
        ([], "empty"),
        (42, "list"),
    ],
)
def test_bad_names_raise_value_error(names, match):
    with pytest.raises(ValueError, match=match):
        plot(names)


@pytest.mark.parametrize(
    "options, match",
    [
        ({"x_range": (1, 1)}, "x_min < x_max"),
        ({"x_range": (0, float("inf"))}, "finite"),
        ({"x_range": (-1e308, 1e308)}, "too wide"),  # the grid's step overflowed: NaN lines
        ({"x_range": "ab"}, "two numbers"),
        ({"num": 1}, "num"),
        ({"ncols": 0}, "ncols"),
        ({"kind": "vector"}, "kind"),
    ],
)
def test_bad_options_raise_value_error(options, match):
    with pytest.raises(ValueError, match=match):
        plot("relu", **options)


def test_careless_arguments_are_named():
    assert plot([None], x_range=(-1, 1), num=3).axes[0].get_title() == "linear"
    with pytest.raises(TypeError, match="`ax` must be matplotlib Axes"):
        plot("relu", ax="x")
    with pytest.raises(ValueError, match="`dtype`"):
        plot(keras_acts.layers.PReLU(), dtype="floot")  # a layer computes in its own dtype
    with pytest.raises(ValueError, match="`x` must be numbers"):
        evaluate("relu", ["a"])


def test_a_config_dict_is_one_activation_and_derivative_must_be_a_bool():
    fig = plot({"class_name": "function", "config": "relu"}, x_range=(-1, 1), num=3)
    assert fig.axes[0].lines[0].get_ydata().tolist() == [0.0, 0.0, 1.0]
    with pytest.raises(TypeError, match="derivative"):
        plot("relu", derivative="no")


def test_function_that_is_not_elementwise_is_explained():
    with pytest.raises(ValueError, match="not an elementwise function"):
        plot(lambda t: tf.reduce_sum(t, keepdims=True))
    with pytest.raises(ValueError, match="derivative=False"):
        plot(lambda t: np.asarray(t) * 2)
    fig = plot(lambda t: np.asarray(t) * 2, derivative=False, num=3)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [-20.0, 0.0, 20.0])


def test_draws_on_given_axes_and_figure(tmp_path):
    from matplotlib.figure import Figure

    host = Figure()
    left, right = host.subplots(1, 2)
    assert plot(["relu", "tanh"], ax=[left, right], num=5) is host
    assert len(left.lines) == len(right.lines) == 2
    single = Figure()
    axes = single.add_subplot()
    assert plot("relu", ax=axes, num=5) is single
    with pytest.raises(ValueError, match="one Axes per activation"):
        plot(["relu", "tanh"], ax=axes)
    into = Figure()
    assert plot(["relu", "tanh", "elu"], figure=into, title="three", num=5) is into
    assert len(into.axes) == 3 and into.get_suptitle() == "three"

    path = tmp_path / "relu.png"
    plot("relu", num=5).savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_matplotlib_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install keras-acts\[plot\]"):
        plot("relu", num=5)
    assert evaluate("relu", [1.0])[0].tolist() == [1.0]  # evaluate needs no matplotlib


def test_importing_keras_acts_and_plot_needs_no_matplotlib():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import keras_acts, keras_acts.plot\n"
        "from keras_acts.plot import evaluate\n"
        "assert evaluate('relu', [2.0])[0].tolist() == [2.0]\n"
        "assert not any(m.startswith('matplotlib.') for m in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]



@pytest.mark.parametrize("activation", [
    "softmax(axis=0)", "softmax(axis=(-2,))", "softmax(axis=1)",
    keras_acts.layers.Activation("softmax"), keras_acts.layers.Activation("softmax(axis=0)"),
    keras.layers.Activation("softmax"), keras_acts.layers.Softmax(axis=0),
    keras.layers.Softmax(axis=np.int64(-1)), registry.configured("softmax", axis=np.int64(0)),
], ids=repr)
def test_an_axis_wise_function_on_any_one_axis_is_plotted_along_it(activation):
    # the first output of softmax([x, 0]) is sigmoid(x), wherever the pair lies; the
    # grid's points never mix (they did along a configured axis 0, and an Activation
    # layer applying softmax was taken as elementwise: a flat 1)
    x = np.array([-3.0, 0.0, 1.0, 5.0])
    y, dy = evaluate(activation, x)
    np.testing.assert_allclose(y, _sigmoid(x), rtol=1e-6)
    np.testing.assert_allclose(dy, _sigmoid(x) * (1 - _sigmoid(x)), rtol=1e-5)


@pytest.mark.parametrize("activation", [
    "glu(axis=0)", keras_acts.layers.Activation("glu"), keras_acts.layers.GLU(axis=0),
], ids=repr)
def test_a_gated_unit_on_any_one_axis_is_plotted_for_x_x(activation):
    x = np.array([-3.0, 0.0, 1.0, 5.0, 7.0])  # an odd count: the grid is never split in halves
    y, dy = evaluate(activation, x)
    np.testing.assert_allclose(y, x * _sigmoid(x), rtol=1e-6)
    np.testing.assert_allclose(dy, _sigmoid(x) + x * _sigmoid(x) * (1 - _sigmoid(x)), rtol=1e-5)


@pytest.mark.parametrize("activation", ["softmax(axis=(0, 1))", "softmax(axis=None)",
                                        keras_acts.layers.Softmax(axis=(0, 1))], ids=repr)
def test_an_axis_over_which_points_would_mix_is_refused(activation):
    with pytest.raises(ValueError, match="cannot be plotted: plot evaluates a function along one axis"):
        evaluate(activation, [0.0, 1.0])


def test_configs_and_partials_are_titled_by_the_function_they_name():
    # titles read "dict" and "partial"
    config = keras_acts.serialize(keras_acts.get("leaky_relu(0.1)"))
    partial = functools.partial(keras_acts.activations.elu, alpha=0.5)
    fig = plot([config, partial], num=5)
    assert [a.get_title() for a in fig.axes] == ["leaky_relu(negative_slope=0.1)", "elu(alpha=0.5)"]
