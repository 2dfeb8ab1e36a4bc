"""Plots of activation functions and their derivatives.

:func:`plot` draws one or more activations on a grid of ``x`` values, with
their derivatives computed by automatic differentiation
(``tf.GradientTape``), and returns a matplotlib ``Figure``; :func:`evaluate`
gives the same numbers as arrays, without matplotlib.

What is drawn for each kind of activation:

- elementwise functions (``relu``, ``gelu_tanh``, ...): ``f(x)`` and ``f'(x)``;
- activation layers (``keras_acts.layers.PReLU()``, ...): the same, at their
  current weights, by calling them on a column of ``x`` values of shape
  ``(num, 1)``; layers that apply an axis-wise or gated function get the rows
  below;
- axis-wise functions (``softmax``, ``log_softmax``, ``softmin``,
  ``sparsemax``), which map a vector to a vector: the first output for the
  two-element input ``[x, 0]``, so ``softmax`` is drawn as ``sigmoid(x)``,
  ``sparsemax`` as ``clip((x + 1) / 2, 0, 1)``;
- gated units (``glu``, ``swiglu``, ``geglu``, ``reglu``), which split their
  input in halves ``[a, b]``: the output for ``[x, x]``, that is
  ``x * act(x)`` (``swiglu`` is drawn as ``x * silu(x)``), and its total
  derivative ``act(x) + x * act'(x)``.

The pairs lie along the axis the function is configured for (``"softmax(axis=0)"``,
``Softmax(axis=0)``, an ``Activation`` layer applying one): the last by default, or
the first. An axis over which the grid's points would mix (``None``, several axes)
is a ``ValueError``.

matplotlib is imported only when a figure is drawn, so keras_acts itself does
not need it (``pip install keras-acts[plot]`` installs it). Figures are made
with ``matplotlib.figure.Figure`` directly, not through ``pyplot``: nothing is
shown, no window or GUI backend is touched, no global figure is kept alive,
and ``fig.savefig("file.png")`` renders with Agg. In Jupyter the returned
figure displays as the cell's value once the inline backend is on
(``%matplotlib inline``, or after ``import matplotlib.pyplot``).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Iterable

import keras
import numpy as np
import tensorflow as tf

from keras_acts import registry
from keras_acts.activations._base import python_number

__all__ = ["KINDS", "evaluate", "kind_of", "plot"]

KINDS = ("elementwise", "axis", "gated")
"""How an activation is evaluated on a grid; see the module docstring."""

_FAMILY_KINDS = {"softmax": "axis", "gated": "gated"}
_PLOT_EXTRA = "pip install keras-acts[plot]"


def _require_matplotlib():
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "keras_acts.plot needs matplotlib, which is not installed: "
            f"`{_PLOT_EXTRA}` (or `pip install matplotlib`) installs it."
        ) from error
    return Figure


def _spec_for(fn: Callable) -> registry.ActivationSpec | None:
    """The registry entry behind a function (keras_acts's, configured, or Keras's own)."""
    found = registry.spec_of(fn)
    if found is not None:
        return found
    if isinstance(fn, registry.ConfiguredActivation):
        return registry.spec(fn.activation)
    module = getattr(fn, "__module__", "") or ""
    name = getattr(fn, "__name__", "")
    if module.split(".")[0] == "keras" and name:  # Keras's softmax, glu, ... by their names
        try:
            return registry.spec(name)
        except ValueError:
            return None
    return None


def kind_of(activation: Any) -> str:
    """How :func:`plot` and :func:`evaluate` feed ``activation``: one of :data:`KINDS`.

    >>> kind_of("relu"), kind_of("softmax"), kind_of("swiglu")
    ('elementwise', 'axis', 'gated')
    """
    if _is_layer_class(activation):
        activation = activation()
    if isinstance(activation, keras.layers.Layer):
        return _layer_kind(activation)
    found = _spec_for(registry.get(activation))
    return _FAMILY_KINDS.get(found.family, "elementwise") if found else "elementwise"


def _is_layer_class(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, keras.layers.Layer)


def _label(activation: Any) -> str:
    if activation is None:  # get(None) is linear
        return "linear"
    if isinstance(activation, str):
        return activation.strip()
    if isinstance(activation, keras.layers.Layer):
        return f"{type(activation).__name__} layer {activation.name!r}"
    if isinstance(activation, dict):  # a config: the function it names
        return _label(registry.get(activation))
    if isinstance(activation, functools.partial):
        options = ", ".join(f"{k}={v!r}" for k, v in activation.keywords.items())
        return f"{_label(activation.func)}({options})"
    return getattr(activation, "__name__", None) or type(activation).__name__


def _check_kind(kind: str | None) -> str | None:
    if kind is not None and kind not in KINDS:
        raise ValueError(f"`kind` must be None or one of {KINDS}, got {kind!r}")
    return kind


def _layer_function(layer: keras.layers.Layer) -> Any:
    """The function a layer applies, where it says: keras_acts's one-function layers
    (their configured function), ``Activation`` layers (keras_acts's and Keras's); else None."""
    configured = getattr(layer, "_fn", None)
    if isinstance(getattr(layer, "function", None), str) and callable(configured):
        return configured
    function = getattr(layer, "activation", None)
    return function if callable(function) and not isinstance(function, keras.layers.Layer) else None


def _layer_kind(layer: keras.layers.Layer) -> str:
    """A layer's evaluation kind: from the function it applies, if it names one."""
    function = _layer_function(layer)
    if function is not None:
        found = _spec_for(function)
        return _FAMILY_KINDS.get(found.family, "elementwise") if found else "elementwise"
    return "axis" if type(layer).__name__ == "Softmax" else "elementwise"


def _pair_axis(activation: Any) -> int:
    """The axis of a pair ``[x, 0]`` or ``[x, x]`` for ``activation``: 0 where it is
    configured along the first axis of a row of pairs, else -1 (its default). An axis
    over which points would mix (None, several axes) is a ValueError."""
    if isinstance(activation, keras.layers.Layer):
        axis = getattr(activation, "axis", None) if type(activation).__name__ == "Softmax" else None
        function = _layer_function(activation)
        if axis is None and function is not None:
            return _pair_axis(function)
        if axis is None:
            return -1
    elif isinstance(activation, registry.ConfiguredActivation):
        if "axis" not in activation.options:
            return -1
        axis = activation.options["axis"]
    else:
        return -1
    if isinstance(axis, (tuple, list)) and len(axis) == 1:
        axis = axis[0]
    axis = python_number(axis, "axis")  # NumPy and 0-d tensor axes, as the functions take them
    if axis in (0, -2):
        return 0
    if isinstance(axis, int):  # -1, 1, or out of range for a row of pairs: the function says so
        return -1
    raise ValueError(
        f"{_label(activation)}: `axis`={axis!r} cannot be plotted: plot evaluates a function "
        "along one axis of pairs [x, 0] (or [x, x]), one pair per point; give it axis -1.")


def _stacked(points: tf.Tensor, other: tf.Tensor, axis: int) -> tf.Tensor:
    """The pairs ``[points, other]`` along ``axis`` (-1: shape ``(n, 2)``; 0: ``(2, n)``)."""
    return tf.stack([points, other], axis=axis)


def _first(out: tf.Tensor, axis: int) -> tf.Tensor:
    """Each pair's first output, from ``(n, 2)`` or, along axis 0, ``(2, n)``."""
    return out[0] if axis == 0 else out[..., 0]


def _layer_curve(layer: keras.layers.Layer, x: np.ndarray, derivative: bool, kind: str):
    """A layer's output and derivative at its current weights, on a column of ``x``.

    Elementwise layers get the column ``x`` of shape ``(n, 1)``; axis-wise ones
    the rows ``[x, 0]`` and gated ones the rows ``[x, x]``, of shape ``(n, 2)``.
    """
    width = 1 if kind == "elementwise" else 2
    axis = -1 if kind == "elementwise" else _pair_axis(layer)
    if not layer.built:
        try:
            layer.build((None, width))
        except Exception as error:  # the layer's own message says why it cannot be built
            raise ValueError(
                f"Could not build {_label(layer)} for inputs of shape (None, {width}) to plot it: "
                f"{error}"
            ) from error
    weights = ", ".join(f"{w.name} {tuple(w.shape)}" for w in layer.weights) or "none"
    explain = (
        f"{_label(layer)} cannot be plotted as a function of one number: it is plotted by "
        f"calling it on inputs of shape ({len(x)}, {width}), but its weights ({weights}) were "
        f"built for other inputs. Plot a layer built on (None, {width}), or one whose weights "
        "are shared across features (e.g. PReLU(shared_axes=[1]))."
    )
    expected = (len(x), 2 if kind == "axis" else 1)
    if axis == 0:
        expected = expected[::-1]
    points = tf.constant(x, dtype=layer.compute_dtype)
    try:
        with tf.GradientTape() as tape:
            tape.watch(points)
            if kind == "axis":
                inputs = _stacked(points, tf.zeros_like(points), axis)
            elif kind == "gated":
                inputs = _stacked(points, points, axis)
            else:
                inputs = points[:, None]
            out = layer(inputs)
            if tuple(out.shape) != expected:
                raise ValueError(f"{explain} Its output has shape {tuple(out.shape)}.")
            out = _first(out, axis)
    except ValueError as error:
        if str(error).startswith(explain):
            raise
        raise ValueError(f"{explain} ({type(error).__name__}: {error})") from error
    except Exception as error:  # shapes that do not broadcast: explain in plot's terms
        raise ValueError(f"{explain} ({type(error).__name__}: {error})") from error
    y = np.asarray(out, dtype=np.float64)
    if not derivative:
        return y, None
    grad = tape.gradient(out, points, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return y, np.asarray(grad, dtype=np.float64)


def evaluate(
    activation: Any,
    x: Iterable[float],
    *,
    derivative: bool = True,
    dtype: str = "float64",
    kind: str | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Values and derivatives of an activation at the points ``x``, as :func:`plot` draws them.

    Args:
        activation: a name (any name ``keras_acts.get`` accepts, including
            parameterised strings such as ``"leaky_relu(0.1)"``), a callable
            on tensors, a Keras layer instance (evaluated at its current
            weights on a column of shape ``(len(x), 1)``, built on
            ``(None, 1)`` first if it is not built; a layer applying an
            axis-wise or gated function, such as ``keras_acts.layers.Softmax``
            or ``SwiGLU``, gets the rows ``[x, 0]`` or ``[x, x]``) or a layer
            class (instantiated with its defaults).
        x: the points, a 1-D sequence of numbers.
        derivative: also compute the derivative with ``tf.GradientTape``.
        dtype: the floating type the function is evaluated in (layers use
            their own compute dtype).
        kind: ``"elementwise"``, ``"axis"`` (first output of ``f([x, 0])``)
            or ``"gated"`` (``f([x, x])``); by default taken from the
            activation's family (see :func:`kind_of`).

    Returns:
        ``(y, dy)``: float64 arrays of the shape of ``x``; ``dy`` is None
        without ``derivative``.

    Raises:
        ValueError: an unknown name (with the closest known names), a layer
            whose weights do not fit one input feature, a result of the wrong
            shape, or a derivative asked of a function TensorFlow cannot
            differentiate.

    >>> y, dy = evaluate("sigmoid", [0.0, 2.0])
    >>> y.round(6).tolist(), dy.round(6).tolist()
    ([0.5, 0.880797], [0.25, 0.104994])
    >>> evaluate("softmax", [0.0])[0].tolist(), evaluate("swiglu", [1.0])[0].round(6).tolist()
    ([0.5], [0.731059])
    """
    kind = _check_kind(kind)
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"`x` must be numbers, got {x!r}") from None
    if x.ndim != 1:
        raise ValueError(f"`x` must be one-dimensional, got shape {x.shape}")
    if _is_layer_class(activation):
        activation = activation()
    if isinstance(activation, keras.layers.Layer):
        return _layer_curve(activation, x, derivative, kind or _layer_kind(activation))

    fn = registry.get(activation)
    kind = kind or kind_of(fn)
    axis = -1 if kind == "elementwise" else _pair_axis(fn)
    dtype = _float_dtype(dtype)
    points = tf.constant(x, dtype=dtype)
    with tf.GradientTape() as tape:
        tape.watch(points)
        if kind == "axis":
            out = fn(_stacked(points, tf.zeros_like(points), axis))
            out = _first(out, axis) if tf.is_tensor(out) and out.shape.rank == 2 else out
        elif kind == "gated":
            out = fn(_stacked(points, points, axis))
            out = tf.reshape(out, [-1]) if tf.is_tensor(out) and out.shape.rank == 2 else out
        else:
            out = fn(points)
    if not tf.is_tensor(out):
        if derivative:
            raise ValueError(
                f"{_label(activation)} returned {type(out).__name__}, not a TensorFlow tensor, so "
                "its derivative cannot be computed; pass derivative=False."
            )
        out = np.asarray(out)
    if tuple(out.shape) != x.shape:
        raise ValueError(
            f"{_label(activation)} evaluated as {kind!r} gave shape {tuple(out.shape)} for "
            f"{len(x)} points; it is not an elementwise function. Pass kind='axis' for a "
            "function of a vector (plotted as the first output for [x, 0]) or kind='gated' "
            "for a gated unit (plotted for [x, x])."
        )
    y = np.asarray(out, dtype=np.float64)
    if not derivative:
        return y, None
    grad = tape.gradient(out, points, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return y, np.asarray(grad, dtype=np.float64)


def _what(kind: str, label: str) -> str:
    if kind == "axis":
        return f"{label}: first output for [x, 0]"
    if kind == "gated":
        return f"{label}: output for [x, x]"
    return label


def _axes_list(ax: Any, count: int) -> list:
    axes = list(np.ravel(np.asarray(ax, dtype=object))) if not hasattr(ax, "plot") else [ax]
    if len(axes) != count:
        raise ValueError(f"`ax` must hold one Axes per activation ({count}), got {len(axes)}")
    for one in axes:
        if not (hasattr(one, "plot") and hasattr(one, "figure")):
            raise TypeError(f"`ax` must be matplotlib Axes, got {type(one).__name__}: {one!r}")
    return axes


def _float_dtype(dtype: Any) -> tf.DType:
    """``dtype`` as a floating TensorFlow dtype, or a ValueError naming ``dtype``."""
    try:
        found = tf.as_dtype(dtype)
    except TypeError as error:
        raise ValueError(f"`dtype` must be a floating type, got {dtype!r}") from error
    if not found.is_floating:
        raise ValueError(f"`dtype` must be a floating type, got {found.name!r}")
    return found


def plot(
    names: Any,
    x_range: tuple[float, float] = (-10, 10),
    derivative: bool = True,
    num: int = 401,
    ncols: int | None = None,
    dtype: str = "float64",
    *,
    kind: str | None = None,
    ax: Any = None,
    figure: Any = None,
    figsize: tuple[float, float] | None = None,
    title: str | None = None,
):
    """Plot activations and their derivatives; returns a matplotlib ``Figure``.

    One activation gives one axes holding the function (solid) and its
    derivative (dashed). Several give a grid of such axes, one per activation,
    ``ncols`` wide. Each line's data are the float64 values
    (``line.get_xdata()``, ``line.get_ydata()``).

    Args:
        names: an activation or a list of them: names (``"relu"``,
            ``"leaky_relu(0.1)"``, Keras's own names), callables on tensors,
            Keras layer instances (drawn at their current weights by calling
            them on a column of shape ``(num, 1)``; an unbuilt layer is built
            on ``(None, 1)``) or layer classes (made with their defaults).
            Axis-wise functions (``softmax``, ...) are drawn as the first
            output for ``[x, 0]`` and gated units (``glu``, ...) as the output
            for ``[x, x]``, i.e. ``x * act(x)``; see the module docstring.
        x_range: ``(x_min, x_max)``, finite with ``x_min < x_max``.
        derivative: also draw the derivative, from ``tf.GradientTape``.
        num: number of evenly spaced points, at least 2.
        ncols: columns of the grid (default: up to 3).
        dtype: the floating type the functions are evaluated in.
        kind: force one evaluation kind for all (see :func:`evaluate`).
        ax: draw on these axes instead: one ``Axes`` for one activation, or a
            sequence (or array) of as many ``Axes`` as activations.
        figure: draw into this existing ``Figure`` (its axes are added).
        figsize: size of a new figure in inches (default: 4 x 3 per axes).
        title: a title over the whole figure.

    Returns:
        The ``matplotlib.figure.Figure`` drawn on; save it with
        ``fig.savefig("activations.png")``. Nothing is shown.

    Raises:
        ValueError: an unknown name (the message lists the closest known
            names), a layer whose weights do not fit one input feature, bad
            ``x_range``, ``num`` or ``ncols``.
        ImportError: matplotlib is not installed (``pip install keras-acts[plot]``).

    >>> fig = plot(["relu", "softmax", "swiglu"], x_range=(-3, 3), num=61)
    >>> len(fig.axes), [len(a.lines) for a in fig.axes]
    (3, [2, 2, 2])
    >>> fig.axes[0].lines[1].get_ydata()[[0, -1]].tolist()   # relu' at -3 and 3
    [0.0, 1.0]
    """
    if isinstance(names, (str, dict, keras.layers.Layer)) or callable(names):
        activations = [names]  # a config dict is one activation, as in `evaluate`
    else:
        try:
            activations = list(names)
        except TypeError:
            raise ValueError(
                f"`names` must be an activation or a list of them, got {type(names).__name__}"
            ) from None
    if not activations:
        raise ValueError("`names` is empty: give at least one activation to plot.")
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise ValueError(f"`x_range` must be two numbers (x_min, x_max), got {x_range!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"`x_range` must be finite with x_min < x_max, got {x_range!r}")
    if not math.isfinite(hi - lo):  # the grid's step would overflow: every point NaN
        raise ValueError(f"`x_range` is too wide: x_max - x_min overflows, got {x_range!r}")
    if not isinstance(derivative, (bool, np.bool_)):
        raise TypeError(f"`derivative` must be True or False, got {derivative!r}")
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < 2:
        raise ValueError(f"`num` must be an integer of at least 2, got {num!r}")
    bad_ncols = isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1
    if ncols is not None and bad_ncols:
        raise ValueError(f"`ncols` must be a positive integer or None, got {ncols!r}")
    _check_kind(kind)
    _float_dtype(dtype)  # checked for layers too, which compute in their own

    # Evaluate everything first: an unknown name fails before any figure exists.
    x = np.linspace(lo, hi, int(num))
    curves = []
    for activation in activations:
        if _is_layer_class(activation):
            activation = activation()
        y, dy = evaluate(activation, x, derivative=derivative, dtype=dtype, kind=kind)
        curves.append((_what(kind or kind_of(activation), _label(activation)), y, dy))

    Figure = _require_matplotlib()
    count = len(curves)
    if ax is not None:
        axes = _axes_list(ax, count)
        fig = axes[0].figure
    else:
        cols = min(count, 3) if ncols is None else min(int(ncols), count)
        rows = math.ceil(count / cols)
        if figure is None:
            fig = Figure(figsize=figsize or (4.0 * cols, 3.0 * rows), layout="constrained")
        else:
            fig = figure
        axes = [fig.add_subplot(rows, cols, i + 1) for i in range(count)]

    for axes_i, (label, y, dy) in zip(axes, curves):
        axes_i.plot(x, y, color="C0", linewidth=2, label="f(x)")
        if dy is not None:
            axes_i.plot(x, dy, color="C1", linestyle="--", linewidth=1.5, label="f'(x)")
        axes_i.set_title(label, fontsize="medium")
        axes_i.set_xlabel("x")
        axes_i.set_xlim(lo, hi)
        axes_i.grid(True, alpha=0.3)
        axes_i.legend(loc="best", fontsize="small")
    if title:
        fig.suptitle(title)
    return fig
