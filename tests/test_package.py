"""The package itself: what importing keras_acts does."""

import os
import subprocess
import sys


def test_another_keras_backend_is_refused_at_import_naming_it():
    # Keras's numpy backend needs nothing beyond Keras itself; under it (or jax) the
    # functions would take that backend's arrays and fail only when a model is traced.
    env = dict(os.environ, KERAS_BACKEND="numpy")
    done = subprocess.run([sys.executable, "-c", "import keras_acts"], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: keras_acts needs Keras's TensorFlow backend"), last
    assert "'numpy' backend" in last and "KERAS_BACKEND=tensorflow" in last

