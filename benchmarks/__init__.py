"""Benchmarks of keras_acts (not part of the installed package); see ``bench.py``."""
