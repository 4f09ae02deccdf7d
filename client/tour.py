"""The autograd tutorial, run through gradwire: ``python -m gradwire.tour``.

Each section is the tutorial's code verbatim, run with ``import torch``
meaning ``import gradwire as torch``. With GRADWIRE_ADDRESS set it runs
against that server; otherwise against the embedded default.
"""
from __future__ import annotations

import sys
import traceback

SECTIONS: dict[str, str] = {
    "Basic Usage": '''\
import torch

# Create a tensor and enable gradient tracking
x = torch.tensor([2.0, 3.0], requires_grad=True)

print(x.requires_grad)  # True

# Operations are tracked
y = x ** 2
z = y.sum()

print(y.requires_grad)  # True
print(z.requires_grad)  # True
''',
    "The backward() Method": '''\
import torch

# Create tensors
x = torch.tensor([3.0], requires_grad=True)
w = torch.tensor([2.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)

# Forward pass: y = w * x + b
y = w * x + b  # y = 2 * 3 + 1 = 7

# Compute gradients
y.backward()

# Access gradients
print(x.grad)  # dy/dx = w = 2.0
print(w.grad)  # dy/dw = x = 3.0
print(b.grad)  # dy/db = 1 = 1.0
''',
    "Multiple Backward Passes": '''\
import torch

x = torch.tensor([2.0], requires_grad=True)

for i in range(3):
    y = x ** 2
    y.backward()
    print(f"Iteration {i+1}: grad = {x.grad}")
    # Iteration 1: grad = tensor([4.])
    # Iteration 2: grad = tensor([8.])  # Accumulated!
    # Iteration 3: grad = tensor([12.])  # Accumulated!
    
# Clear gradients
x.grad.zero_()
print(f"After zeroing: grad = {x.grad}")  # tensor([0.])
''',
    "Gradient for Non-Scalar Outputs": '''\
import torch

x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
y = x ** 2

# For non-scalar, need to provide gradient
grad_output = torch.ones_like(y)
y.backward(grad_output)

print(x.grad)
# tensor([[2., 4.],
#         [6., 8.]])
# Gradient is 2*x element-wise
''',
    "Computational Graphs": '''\
import torch

x = torch.tensor([2.0], requires_grad=True)
y = x ** 2  # PowBackward
z = y * 3   # MulBackward

print(f"x.grad_fn: {x.grad_fn}")  # None (leaf variable)
print(f"y.grad_fn: {y.grad_fn}")  # <PowBackward0>
print(f"z.grad_fn: {z.grad_fn}")  # <MulBackward0>

# Backward pass
z.backward()
print(f"x.grad: {x.grad}")  # tensor([12.]) = dz/dx = 3 * 2 * x
''',
    "Detaching from the Graph": '''\
import torch

x = torch.tensor([2.0], requires_grad=True)
y = x ** 2

# Detach y from the computational graph
z = y.detach()
w = z * 3

w.backward()  # Error! w doesn't require grad
print(y.requires_grad)  # True
print(z.requires_grad)  # False
''',
}


def as_gradwire(code: str) -> str:
    """The section's code with ``import torch`` meaning gradwire."""
    return code.replace("import torch\n", "import gradwire as torch\n")


def run_section(code: str) -> None:
    """Run one section as a script would; an exception ends it, as it would end the script."""
    scope = {"__name__": "__main__"}
    try:
        exec(compile(as_gradwire(code), "<tutorial>", "exec"), scope)
    except Exception as exc:  # noqa: BLE001 - shown to the reader like an uncaught exception
        print("".join(traceback.format_exception_only(type(exc), exc)).rstrip())


def main() -> int:
    for title, code in SECTIONS.items():
        print(f"## {title}")
        run_section(code)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
