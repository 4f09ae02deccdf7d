"""The Tensor API a PyTorch user meets before autograd: creation, printing, indexing, dtypes and
conversions, shape ops, with torch's values, reprs and error texts."""
from __future__ import annotations

import numpy as np
import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_operators_take_numpy_scalars_and_arrays_and_refuse_other_types(gw):
    out = same_as_torch(gw, """
        import numpy as np
        x = torch.tensor([1., 2.])
        print(x * np.float32(2), (x * np.float32(2)).dtype, np.int64(3) - x, x + np.array([1., 2.]))
        for bad in (None, "a", [1, 2]):
            try:
                x + bad
            except TypeError as e:
                print(e)
        try:
            [1, 2] + x
        except TypeError as e:
            print(e)
        try:
            x @ 2
        except TypeError as e:
            print(e)
        print(x == None, x != None)
    """)
    assert "tensor([2., 4.]) torch.float32 tensor([2., 1.]) tensor([2., 4.], dtype=torch.float64)" in out
    assert "unsupported operand type(s) for +: 'Tensor' and 'NoneType'" in out
    assert "can only concatenate list (not \"Tensor\") to list" in out
    import gradwire
    assert (gradwire.tensor([1., 2.]) * np.float32(2)).tolist() == [2., 4.]
