"""``python -m benchmarks.bench``: the benchmark of ``keras_acts.benchmarking`` (also ``keras-acts bench``)."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

from keras_acts.benchmarking import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
