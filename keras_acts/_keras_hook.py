"""The one module that touches Keras internals (``keras.src``).

Keras 3 resolves ``activation="name"`` by looking the string up in the module
dict ``keras.src.activations.ALL_OBJECTS_DICT`` and nowhere else: custom
objects and ``register_keras_serializable`` do not make a plain string work
(keras-team/keras#20333). Layers (Dense, Conv*, RNN cells, EinsumDense,
Activation) call ``keras.activations.get`` at construction, which reads that
dict. So keras_acts adds its names to it, and only names Keras lacks: Keras's
own names always keep meaning Keras's own functions.

The table is also replaced by a ``dict`` subclass with the same contents whose
``get`` (the method Keras's ``activations.get`` calls, and nothing else does)
passes names the table lacks to keras_acts's forgiving lookup: mixed case and
dashes (``"Leaky-ReLU"``), parameterised strings (``"elu(alpha=0.5)"``), and an
error naming the closest known names for typos.

A second, smaller contact: ``Layer._post_build`` (Keras's hook, called right after
every layer's ``build``) is wrapped so that a layer passed as ``activation=`` is built
with its host; see :func:`build_activation_layers`. And the public
``keras.activations.deserialize`` is wrapped to answer keras_acts's bare names, which
Keras's reads only from its custom objects: those are read by all of Keras's string
lookups (an initializer named ``"identity"``), so keras_acts adds nothing there.

If a Keras release moves the table, :func:`add_name` stops working; importing
keras_acts then warns, and ``tests/test_keras_hook.py`` fails, naming this
module.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Callable

import keras

_resolver: Callable[[str], Callable] | None = None


class _ForgivingTable(dict):
    """Keras's activation table; ``get`` falls back on keras_acts for names it lacks."""

    def get(self, key, default=None):
        completed = _completion(key)
        if completed is not None:
            return completed
        if key in self or not isinstance(key, str) or _resolver is None:
            return super().get(key, default)
        try:
            return _resolver(key)
        except ValueError:
            # Keras asks with default None and then raises an error that names no
            # alternatives: raise keras_acts's, which names the closest known names.
            # Callers giving their own default get ordinary dict behaviour.
            if default is None:
                raise
            return default


try:  # the only import of keras.src in keras_acts
    from keras.src import activations as _keras_activations

    _TABLE = _keras_activations.ALL_OBJECTS_DICT
    if not isinstance(_TABLE, dict):
        raise TypeError(f"ALL_OBJECTS_DICT is a {type(_TABLE).__name__}, not a dict")
    if not isinstance(_TABLE, _ForgivingTable):
        _TABLE = _keras_activations.ALL_OBJECTS_DICT = _ForgivingTable(_TABLE)
except (ImportError, AttributeError, TypeError) as error:  # pragma: no cover - loud on new Keras
    _TABLE = None
    warnings.warn(
        f"keras_acts could not find Keras {keras.__version__}'s activation table "
        f"({error}); keras_acts names will not work as strings in Keras layers. "
        "Functions, layers and keras_acts.get still work. Please report this.",
        RuntimeWarning,
        stacklevel=2,
    )

# Keras's own names, as they were before keras_acts added any.
_KERAS_NAMES: frozenset[str] = frozenset(_TABLE or ())
_added: dict[str, Callable] = {}
# Keras names whose function cannot work as a bare string, answered by keras_acts's
# function in Keras's lookup only; the table entry itself stays Keras's.
_completions: dict[str, Callable] = {}


def set_resolver(resolver: Callable[[str], Callable], normalize: Callable[[str], str] = str) -> None:
    """Where Keras's lookup sends names its table lacks (keras_acts's registry), and
    how it reads a name in any spelling (``normalize``)."""
    global _resolver, _normalize
    _resolver, _normalize = resolver, normalize


_normalize: Callable[[str], str] = str


def _completion(key) -> Callable | None:
    """keras_acts's function for a Keras name that needs completing, in any spelling
    (``"Threshold"`` as ``"threshold"``); None for any other key."""
    if not isinstance(key, str) or not _completions:
        return None
    return _completions.get(key) or _completions.get(_normalize(key))


def installed() -> bool:
    """Whether Keras's string lookup sees keras_acts's names."""
    return (
        _TABLE is not None
        and _TABLE is _keras_activations.ALL_OBJECTS_DICT
        and isinstance(_TABLE, _ForgivingTable)
    )


def is_keras_name(name: str) -> bool:
    """Whether ``name`` resolves to one of Keras's own functions in Keras's lookup."""
    return (name in _KERAS_NAMES or name in (_TABLE or {})) and name not in _added \
        and name not in _completions


def _unusable_as_a_string(fn: Callable) -> bool:
    """Keras functions that need more than ``x`` (``threshold``) fail as ``activation="name"``."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())[1:]
    except (TypeError, ValueError):
        return False
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               for p in parameters)


def keras_names() -> list[str]:
    """Keras's own activation names (those keras_acts did not add)."""
    # list() copies the table at once (in C, under the GIL): a thread registering a name
    # meanwhile made the generator fail with "dictionary changed size during iteration"
    return sorted(n for n in list(_TABLE or {}) if n not in _added)


def keras_lookup(name: str) -> Callable | None:
    """Keras's own function for ``name`` (exact, then case-insensitive), or None."""
    table = _TABLE or {}
    if name in table and name not in _added:
        return table[name]
    key = _normalize(name)
    return dict.get(table, key) if key in table and key not in _added else None


def add_name(name: str, fn: Callable) -> bool:
    """Make ``name`` resolve to ``fn`` in Keras's lookup, unless Keras has it.

    The one exception: a Keras function that cannot work as a bare string
    (it requires more arguments than ``x``, as ``threshold``) is completed:
    ``keras.activations.get(name)`` returns keras_acts's function, whose
    extra arguments have defaults, while Keras's table keeps its entry.

    Returns whether Keras's lookup now answers ``name`` with ``fn``.
    """
    if _TABLE is None:
        return False
    if is_keras_name(name):
        if not _unusable_as_a_string(dict.get(_TABLE, name)):
            return False
        _completions[name] = fn
    else:
        _TABLE[name] = fn
        _added[name] = fn
    # Not in Keras's custom objects: every string lookup of Keras reads those first
    # (initializers, losses, ...: "identity" would become keras_acts's function), and
    # they outrank a custom_objects= given to load_model.
    return True


def _answering_keras_acts_names(deserialize: Callable) -> Callable:
    """Keras's ``keras.activations.deserialize``, also answering keras_acts's names.

    Keras's resolves a bare name it lacks only from its custom objects, which keras_acts
    leaves alone (see :func:`add_name`). A name the custom objects hold (global, in a
    ``custom_object_scope``, or passed) stays theirs; Keras's own names stay Keras's.
    """
    if getattr(deserialize, "_keras_acts_names", False):
        return deserialize

    def deserialize_with_names(config, custom_objects=None):
        if isinstance(config, str) and (config in _added or config in _completions) and \
                keras.saving.get_registered_object(config, custom_objects) is None:
            return _added.get(config) or _completions[config]
        return deserialize(config, custom_objects=custom_objects)

    deserialize_with_names.__name__ = deserialize_with_names.__qualname__ = "deserialize"
    deserialize_with_names.__doc__ = deserialize.__doc__
    deserialize_with_names.__wrapped__ = deserialize
    deserialize_with_names._keras_acts_names = True
    return deserialize_with_names


keras.activations.deserialize = _answering_keras_acts_names(keras.activations.deserialize)


# A layer passed as ``activation=`` (``Dense(8, activation=PReLU())``) is built with its
# host. Keras builds a host from its input shape alone and never runs its activation
# while doing so, so without this the activation's weights would appear only on the
# host's first call on data: missing from ``summary()``, ``count_params()`` and
# ``model.weights`` until then. Keras calls ``_post_build`` on every layer right after its
# ``build`` (including when a saved model is loaded); the wrapper below then builds the
# host's activation layers on the shape the host will give them.
_ACTIVATION_ATTRIBUTES = ("activation", "recurrent_activation")


def _hosts():
    """Keras layers that apply ``activation`` to their output, and RNN cells."""
    layers = keras.layers
    output_activated = tuple(getattr(layers, name) for name in (
        "Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose",
        "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D",
        "DepthwiseConv1D", "DepthwiseConv2D") if hasattr(layers, name))
    cells = tuple(getattr(layers, name) for name in ("SimpleRNNCell", "LSTMCell", "GRUCell")
                  if hasattr(layers, name))
    return output_activated, cells


def activation_input_shape(host, input_shape):
    """The shape ``host``'s activations receive when built on ``input_shape``, or None."""
    output_activated, cells = _hosts()
    if isinstance(host, cells):
        # Every gate and candidate of these cells has the shape of the state: [batch, units].
        return (tuple(input_shape)[0], host.units)
    if isinstance(host, output_activated):
        return tuple(host.compute_output_shape(input_shape))
    return None


def build_activation_layers(host) -> None:
    """Build the unbuilt layers ``host`` holds as activations, on the shape they will see."""
    layers = [getattr(host, name, None) for name in _ACTIVATION_ATTRIBUTES]
    layers = [layer for layer in layers if isinstance(layer, keras.layers.Layer) and not layer.built]
    if not layers:
        return
    shapes = list((getattr(host, "_build_shapes_dict", None) or {}).values())
    if len(shapes) != 1:
        return
    try:
        shape = activation_input_shape(host, shapes[0])
    except Exception:  # a host that cannot say its output shape builds its activation lazily
        return
    if shape is None:
        return
    with host._open_name_scope():
        for layer in layers:
            if not layer.built:
                layer.build(shape)


def _install_build_with_host() -> bool:
    layer_class = keras.layers.Layer
    original = getattr(layer_class, "_post_build", None)
    if original is None or not hasattr(layer_class, "_open_name_scope"):
        warnings.warn(
            f"keras_acts could not find Layer._post_build in Keras {keras.__version__}; "
            "layers passed as activation= will be built on their host's first call. "
            "Please report this.",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    if getattr(original, "_keras_acts_builds_activations", False):
        return True

    def _post_build(self):
        original(self)
        build_activation_layers(self)

    _post_build._keras_acts_builds_activations = True
    layer_class._post_build = _post_build
    return True


BUILDS_WITH_HOST = _install_build_with_host()
