"""SIMULATED cupyx (see tests/fakecuda/cupy): scatter_add on numpy. Not CuPy; no GPU."""
import numpy


def scatter_add(a, slices, value):
    numpy.add.at(a, slices, value)
