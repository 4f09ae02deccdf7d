"""The autograd tutorial, run through gradwire: ``python -m gradwire.tour``.

Each section is the tutorial's code verbatim, run with ``import torch``
meaning ``import gradwire as torch``. With GRADWIRE_ADDRESS set it runs
against that server; otherwise against the embedded default.
"""
from __future__ import annotations

import sys
import traceback

SECTIONS: dict[str, str] = {
    'Basic Usage': '''\
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
    'When to Use requires_grad': '''\
import torch
import torch.nn as nn

# Model parameters require gradients
model = nn.Linear(10, 5)
for param in model.parameters():
    print(param.requires_grad)  # True

# Input data typically doesn't need gradients
x = torch.randn(32, 10)  # requires_grad=False by default

# Forward pass
output = model(x)  # output.requires_grad=True
''',
    'The backward() Method': '''\
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
    'Multiple Backward Passes': '''\
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
    'Gradient for Non-Scalar Outputs': '''\
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
    'Computational Graphs': '''\
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
    'Detaching from the Graph': '''\
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
    'no_grad': '''\
import torch

x = torch.tensor([1.0], requires_grad=True)

# Normal operation
y = x ** 2
print(y.requires_grad)  # True

# With no_grad
with torch.no_grad():
    y = x ** 2
    print(y.requires_grad)  # False

# As decorator
@torch.no_grad()
def inference(model, x):
    return model(x)
''',
    'enable_grad': '''\
import torch

x = torch.tensor([1.0], requires_grad=True)

with torch.no_grad():
    with torch.enable_grad():
        y = x ** 2
        print(y.requires_grad)  # True
''',
    'set_grad_enabled': '''\
import torch

x = torch.tensor([1.0], requires_grad=True)
is_train = False

with torch.set_grad_enabled(is_train):
    y = x ** 2
    print(y.requires_grad)  # False when is_train=False
''',
    'inference_mode': '''\
import torch
import torch.nn as nn

model = nn.Linear(10, 5)
x = torch.randn(32, 10)

with torch.inference_mode():
    output = model(x)
    # Faster than no_grad, but tensors can't be used with grad later
''',
    'Custom Autograd Functions': '''\
import torch
from torch.autograd import Function

class MultiplyAdd(Function):
    @staticmethod
    def forward(ctx, x, y, z):
        # Save tensors for backward
        ctx.save_for_backward(x, y, z)
        return x * y + z
    
    @staticmethod
    def backward(ctx, grad_output):
        # Retrieve saved tensors
        x, y, z = ctx.saved_tensors
        
        # Compute gradients
        grad_x = grad_output * y
        grad_y = grad_output * x
        grad_z = grad_output
        
        return grad_x, grad_y, grad_z

# Use the custom function
x = torch.tensor([2.0], requires_grad=True)
y = torch.tensor([3.0], requires_grad=True)
z = torch.tensor([1.0], requires_grad=True)

output = MultiplyAdd.apply(x, y, z)
output.backward()

print(x.grad)  # tensor([3.]) = y
print(y.grad)  # tensor([2.]) = x
print(z.grad)  # tensor([1.])
''',
    'Gradient Checking': '''\
import torch
from torch.autograd import gradcheck

def my_function(x):
    return (x ** 2).sum()

# Input must be double precision and require gradients
x = torch.randn(3, 4, dtype=torch.double, requires_grad=True)

# Check gradients numerically
test_passed = gradcheck(my_function, x, eps=1e-6)
print(f"Gradient check passed: {test_passed}")
''',
    'Higher-Order Gradients': '''\
import torch

x = torch.tensor([2.0], requires_grad=True)

# First-order gradient
y = x ** 3
y.backward(create_graph=True)  # Keep graph for higher-order grads

first_grad = x.grad.clone()
print(f"dy/dx = {first_grad}")  # 3 * x^2 = 12.0

# Second-order gradient (gradient of gradient)
x.grad.zero_()
first_grad.backward()

second_grad = x.grad
print(f"d²y/dx² = {second_grad}")  # 6 * x = 12.0
''',
    'Training Loop': '''\
import torch
import torch.nn as nn
import torch.optim as optim

# Setup
model = nn.Linear(10, 1)
optimizer = optim.SGD(model.parameters(), lr=0.01)
criterion = nn.MSELoss()

# Training loop
for epoch in range(100):
    # Forward pass
    inputs = torch.randn(32, 10)
    targets = torch.randn(32, 1)
    outputs = model(inputs)
    
    # Compute loss
    loss = criterion(outputs, targets)
    
    # Backward pass
    optimizer.zero_grad()  # Clear old gradients
    loss.backward()        # Compute gradients
    optimizer.step()       # Update parameters
    
    if epoch % 10 == 0:
        print(f"Epoch {epoch}, Loss: {loss.item():.4f}")
''',
    'Gradient Clipping': '''\
import torch
import torch.nn as nn

model = nn.LSTM(10, 20, 2)
optimizer = torch.optim.Adam(model.parameters())

# In training loop
loss.backward()

# Clip gradients by norm
torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)

# Or clip by value
# torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)

optimizer.step()
''',
    'Anomaly Detection': '''\
import torch

# Enable anomaly detection (slower, for debugging)
with torch.autograd.detect_anomaly():
    x = torch.tensor([1.0], requires_grad=True)
    y = x ** 2
    z = 1 / (y - 1)  # Will cause inf when y=1
    z.backward()
''',
    'Gradient Profiling': '''\
import torch

x = torch.randn(100, 100, requires_grad=True)
y = torch.randn(100, 100, requires_grad=True)

with torch.autograd.profiler.profile() as prof:
    z = (x @ y).sum()
    z.backward()

print(prof.key_averages().table(sort_by="cpu_time_total"))
''',
}

# The tutorial's clipping snippet is a fragment (it uses a `loss` it never
# defines): the tour completes it the way a user would, with one forward pass.
COMPLETIONS = {
    "Gradient Clipping": ("# In training loop\n", """\
output, (h_n, c_n) = model(torch.randn(5, 3, 10))
loss = output.pow(2).mean()
"""),
}


_IMPORTS = (("import torch.nn as nn\n", "import gradwire.nn as nn\n"),
            ("import torch.optim as optim\n", "import gradwire.optim as optim\n"),
            ("from torch.autograd import", "from gradwire.autograd import"),
            ("import torch\n", "import gradwire as torch\n"))


def completed(title: str) -> str:
    """A section's code, fragments completed (see COMPLETIONS)."""
    code = SECTIONS[title]
    if title in COMPLETIONS:
        after, insert = COMPLETIONS[title]
        code = code.replace(after, after + insert, 1)
    return code


def as_gradwire(code: str) -> str:
    """The section's code with ``import torch`` (and torch.nn, torch.optim, torch.autograd) meaning gradwire."""
    for torch_import, gradwire_import in _IMPORTS:
        code = code.replace(torch_import, gradwire_import)
    return code


def run_section(code: str) -> None:
    """Run one section as a script would; an exception ends it, as it would end the script."""
    scope = {"__name__": "__main__"}
    try:
        exec(compile(as_gradwire(code), "<tutorial>", "exec"), scope)
    except Exception as exc:  # noqa: BLE001 - shown to the reader like an uncaught exception
        print("".join(traceback.format_exception_only(type(exc), exc)).rstrip())


def main() -> int:
    for title in SECTIONS:
        print(f"## {title}")
        run_section(completed(title))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
