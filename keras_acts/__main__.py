"""``python -m keras_acts``: the ``keras-acts`` command line."""

import sys

from keras_acts.cli import main

if __name__ == "__main__":
    sys.exit(main())
