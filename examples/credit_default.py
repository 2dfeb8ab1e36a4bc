"""Credit-card default prediction with keras_acts activations.

Trains two small Keras models on the UCI "Default of Credit Card Clients" data
that ships with keras_acts, and prints test accuracy and AUC:

    python examples/credit_default.py
    python examples/credit_default.py --activation lisht --epochs 10

The model code is in keras_acts/demo.py (the same demo as ``keras-acts demo``):
read it to see keras_acts names such as ``activation="gelu_tanh"`` used in
``keras.layers.Dense``, and keras_acts/datasets.py for the data loading.
"""

import sys

from keras_acts.demo import main

if __name__ == "__main__":
    sys.exit(main(prog="python examples/credit_default.py"))
