"""grid_sample / affine_grid, ctc_loss, fractional max pooling and AdaptiveLogSoftmaxWithLoss (engine/ops/gridctc.py,
client/nn/_gridctc.py) against PyTorch, plus exact values and gradchecks."""
from __future__ import annotations

import math

import pytest

from test_parity_ops import same_as_torch

pytestmark = pytest.mark.timeout(120)

# snippets, separated by "#---" lines, each compared with torch (values, nodes, gradients, warnings, errors)
SNIPPETS = r'''
x = torch.arange(32.).reshape(2, 1, 4, 4)
g = torch.tensor([[[[-1.2, -0.5], [0.25, 0.75]], [[1.1, 1.0], [-0.875, 0.3125]]]]).expand(2, 2, 2, 2).contiguous()
x.requires_grad_(); g.requires_grad_()
y = F.grid_sample(x, g, mode='bilinear', padding_mode='zeros', align_corners=False)
print(y, y.grad_fn.name())
y.pow(2).sum().backward()
print(x.grad.round(decimals=3), g.grad.round(decimals=3))
#---
x = torch.arange(32.).reshape(2, 1, 4, 4)
g = torch.tensor([[[[-1.2, -0.5], [0.25, 0.75]], [[1.1, 1.0], [-0.875, 0.3125]]]]).expand(2, 2, 2, 2).contiguous()
x.requires_grad_(); g.requires_grad_()
y = F.grid_sample(x, g, mode='bilinear', padding_mode='zeros', align_corners=True)
print(y, y.grad_fn.name())
y.pow(2).sum().backward()
print(x.grad.round(decimals=3), g.grad.round(decimals=3))
#---
x = torch.arange(32.).reshape(2, 1, 4, 4)
g = torch.tensor([[[[-1.2, -0.5], [0.25, 0.75]], [[1.1, 1.0], [-0.875, 0.3125]]]]).expand(2, 2, 2, 2).contiguous()
x.requires_grad_(); g.requires_grad_()
y = F.grid_sample(x, g, mode='bilinear', padding_mode='border', align_corners=False)
print(y, y.grad_fn.name())
y.pow(2).sum().backward()
print(x.grad.round(decimals=3), g.grad.round(decimals=3))
#---
x = torch.arange(32.).reshape(2, 1, 4, 4)
g = torch.tensor([[[[-1.2, -0.5], [0.25, 0.75]], [[1.1, 1.0], [-0.875, 0.3125]]]]).expand(2, 2, 2, 2).contiguous()
x.requires_grad_(); g.requires_grad_()
y = F.grid_sample(x, g, mode='bilinear', padding_mode='reflection', align_corners=False)
print(y, y.grad_fn.name())
y.pow(2).sum().backward()
print(x.grad.round(decimals=3), g.grad.round(decimals=3))
#---
x = torch.arange(32.).reshape(2, 1, 4, 4)
g = torch.tensor([[[[-1.2, -0.5], [0.25, 0.75]], [[1.1, 1.0], [-0.875, 0.3125]]]]).expand(2, 2, 2, 2).contiguous()
x.requires_grad_(); g.requires_grad_()
y = F.grid_sample(x, g, mode='bilinear', padding_mode='reflection', align_corners=True)
print(y, y.grad_fn.name())
y.pow(2).sum().backward()
print(x.grad.round(decimals=3), g.grad.round(decimals=3))
#---
x = torch.arange(32.).reshape(2, 1, 4, 4)
g = torch.tensor([[[[-1.2, -0.5], [0.25, 0.75]], [[1.1, 1.0], [-0.875, 0.3125]]]]).expand(2, 2, 2, 2).contiguous()
x.requires_grad_(); g.requires_grad_()
y = F.grid_sample(x, g, mode='nearest', padding_mode='zeros', align_corners=False)
print(y, y.grad_fn.name())
y.pow(2).sum().backward()
print(x.grad.round(decimals=3), g.grad.round(decimals=3))
#---
x = torch.arange(32.).reshape(2, 1, 4, 4)
g = torch.tensor([[[[-1.2, -0.5], [0.25, 0.75]], [[1.1, 1.0], [-0.875, 0.3125]]]]).expand(2, 2, 2, 2).contiguous()
x.requires_grad_(); g.requires_grad_()
y = F.grid_sample(x, g, mode='nearest', padding_mode='zeros', align_corners=True)
print(y, y.grad_fn.name())
y.pow(2).sum().backward()
print(x.grad.round(decimals=3), g.grad.round(decimals=3))
#---
import warnings
x = torch.ones(1, 1, 3, 3)
g = torch.zeros(1, 2, 2, 2)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always')
    y = F.grid_sample(x, g)
print(y, [str(i.message) for i in w], [i.category.__name__ for i in w])
#---
import warnings
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always')
    y = F.affine_grid(torch.eye(2, 3)[None], [1, 1, 2, 3])
print(y, [str(i.message) for i in w])
#---
import warnings
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter('always')
    y = F.affine_grid(torch.eye(2, 3)[None], [1, 1, 1, 3], align_corners=True)
print(y, [str(i.message) for i in w])
#---
theta = torch.tensor([[[0.5, -0.25, 0.125], [0.25, 1.0, -0.5]]], requires_grad=True)
grid = F.affine_grid(theta, (1, 3, 3, 4), align_corners=False)
print(grid, grid.shape, grid.grad_fn)
grid.pow(2).sum().backward(); print(theta.grad)
#---
theta = torch.tensor([[[0.5, -0.25, 0.125, 0.], [0.25, 1.0, -0.5, 0.5], [0., 0., 1., 0.25]]], requires_grad=True)
grid = F.affine_grid(theta, torch.Size((1, 3, 2, 2, 3)), align_corners=False)
print(grid.shape, grid.grad_fn, grid[0, 1])
grid.sum().backward(); print(theta.grad)
#---
theta = torch.tensor([[[0.5, -0.25, 0.125], [0.25, 1.0, -0.5]]], requires_grad=True)
grid = F.affine_grid(theta, (1, 3, 3, 4), align_corners=True)
print(grid, grid.shape, grid.grad_fn)
grid.pow(2).sum().backward(); print(theta.grad)
#---
theta = torch.tensor([[[0.5, -0.25, 0.125, 0.], [0.25, 1.0, -0.5, 0.5], [0., 0., 1., 0.25]]], requires_grad=True)
grid = F.affine_grid(theta, torch.Size((1, 3, 2, 2, 3)), align_corners=True)
print(grid.shape, grid.grad_fn, grid[0, 1])
grid.sum().backward(); print(theta.grad)
#---
# spatial transformer
theta = torch.tensor([[[1., 0., 0.], [0., 1., 0.]]], requires_grad=True)
x = torch.arange(16.).reshape(1, 1, 4, 4)
grid = F.affine_grid(theta, x.size(), align_corners=False)
y = F.grid_sample(x, grid, align_corners=False)
print(y)
y.sum().backward(); print(theta.grad)
#---
x = torch.arange(24.).reshape(1, 1, 2, 3, 4).requires_grad_()
g = torch.tensor([[[[[0.1, -0.3, 0.5], [0.9, 0.2, -0.7]]]]], requires_grad=True)
for m in ('bilinear', 'nearest'):
    for p in ('zeros', 'border', 'reflection'):
        y = F.grid_sample(x, g, mode=m, padding_mode=p, align_corners=False)
        print(y, y.grad_fn.name())
        gx, gg = torch.autograd.grad(y.sum(), (x, g))
        print(gx.sum(), gg)
#---
x = torch.arange(24.).reshape(1, 1, 2, 3, 4)
g = torch.zeros(1, 1, 1, 2, 3)
print(F.grid_sample(x, g, mode='bicubic', align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3,3), torch.zeros(1,2,2,3), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3,3), torch.zeros(2,2,2,2), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3), torch.zeros(1,2,2), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3), torch.zeros(1,2,1), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3,3), torch.zeros(1,2,2), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3,3,3), torch.zeros(1,2,2,2), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3,3), torch.zeros(1,2,2,2).double(), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3,3).double(), torch.zeros(1,2,2,2), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3,3,dtype=torch.long), torch.zeros(1,2,2,2).long(), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3,3,3).long(), torch.zeros(1,2,2,2,3).long(), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3,3), torch.zeros(1,2,2,2), mode='area'))
#---
print(F.grid_sample(torch.zeros(1,1,3,3), torch.zeros(1,2,2,2), padding_mode='circular'))
#---
print(F.grid_sample(torch.zeros(1,0,3,3), torch.zeros(1,2,2,2), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,0,3), torch.zeros(1,2,2,2), align_corners=False))
#---
print(F.grid_sample(torch.zeros(1,1,3,3), torch.zeros(1,0,2,2), align_corners=False).shape)
#---
print(F.grid_sample(torch.zeros(1,1,3,3,3), torch.zeros(1,2,2,2,3), mode='bicubic', align_corners=False))
#---
print(F.affine_grid(torch.zeros(1,2,3), [1,1,2,2], align_corners=False).shape)
#---
print(F.affine_grid(torch.zeros(1,2,3,dtype=torch.long), [1,1,2,2], align_corners=False))
#---
print(F.affine_grid(torch.zeros(1,3,3), [1,1,2,2], align_corners=False))
#---
print(F.affine_grid(torch.zeros(1,2,3), [1,1,2,2,2], align_corners=False))
#---
print(F.affine_grid(torch.zeros(1,2,3), [1,1,2], align_corners=False))
#---
print(F.affine_grid(torch.zeros(1,2,3), [1,1,0,2], align_corners=False))
#---
print(F.affine_grid(torch.zeros(1,2,3), [2,1,2,2], align_corners=False))
#---
print(F.affine_grid(torch.eye(2,3)[None], [1,1,1,3], align_corners=False))
#---
print(torch.grid_sampler(torch.ones(1,1,2,2), torch.zeros(1,1,1,2), 0, 0, False))
#---
print(torch.affine_grid_generator(torch.eye(2,3)[None], [1,1,1,2], False))
#---
print(F.grid_sample(torch.arange(9.).reshape(1,1,3,3).double(), torch.tensor([[[[0.3, -0.2]]]], dtype=torch.float64), align_corners=True))
#---
print(F.grid_sample(torch.arange(9.).reshape(1,1,3,3), torch.tensor([[[[float('nan'), 0.]]]]), align_corners=True))
#---
print(F.grid_sample(torch.arange(9.).reshape(1,3,3), torch.zeros(1,1,1,2), align_corners=True))
#---
x = torch.arange(18.).reshape(1, 2, 3, 3).requires_grad_()
g = torch.tensor([[[[0.3, -0.2], [2.5, 0.0]]]], requires_grad=True)
y = F.grid_sample(x, g, mode='nearest', align_corners=True)
print(y); y.sum().backward(); print(x.grad, g.grad)
#---
x = torch.arange(18.).reshape(1, 2, 3, 3).requires_grad_()
g = torch.tensor([[[[0.3, -0.2], [0.5, 0.25]]]], requires_grad=True)
y = F.grid_sample(x, g, align_corners=True)
gx, gg = torch.autograd.grad(y.sum(), (x, g), create_graph=True)
print(gx.grad_fn is not None, gg.grad_fn is not None)
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp, t, torch.tensor([5, 4]), torch.tensor([2, 2]), reduction='none', zero_infinity=False)
print(l, l.grad_fn.name())
l.sum().backward(); print(lp.grad)
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp, t, torch.tensor([5, 4]), torch.tensor([2, 2]), reduction='none', zero_infinity=True)
print(l, l.grad_fn.name())
l.sum().backward(); print(lp.grad)
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp, t, torch.tensor([5, 4]), torch.tensor([2, 2]), reduction='mean', zero_infinity=False)
print(l, l.grad_fn.name())
l.sum().backward(); print(lp.grad)
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp, t, torch.tensor([5, 4]), torch.tensor([2, 2]), reduction='mean', zero_infinity=True)
print(l, l.grad_fn.name())
l.sum().backward(); print(lp.grad)
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp, t, torch.tensor([5, 4]), torch.tensor([2, 2]), reduction='sum', zero_infinity=False)
print(l, l.grad_fn.name())
l.sum().backward(); print(lp.grad)
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp, t, torch.tensor([5, 4]), torch.tensor([2, 2]), reduction='sum', zero_infinity=True)
print(l, l.grad_fn.name())
l.sum().backward(); print(lp.grad)
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp, t.flatten()[:3], (5, 5), (2, 1), reduction='none'); print(l)
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp, t, [5, 2], [2, 2], reduction='none'); print(l)
l = F.ctc_loss(lp, t, [5, 2], [2, 2], reduction='none', zero_infinity=True); print(l)
l.sum().backward(); print(lp.grad)
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp, t, [5, 5], [0, 2], reduction='none'); print(l)
print(F.ctc_loss(lp, t, [5, 5], [0, 2]))
print(F.ctc_loss(lp, t, [0, 5], [0, 2], reduction='none'))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp[:, 0], t[0], [5], [2], reduction='none'); print(l, l.grad_fn.name(), l.grad_fn.next_functions[0][0].name())
print(F.ctc_loss(lp[:, 0], t[0], (5,), (2,)), F.ctc_loss(lp[:, 0], t[0], torch.tensor(5), torch.tensor(2), reduction='sum'))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
ctc = nn.CTCLoss(blank=0, reduction='mean', zero_infinity=True)
print(ctc, ctc.blank, ctc.reduction, ctc.zero_infinity)
loss = ctc(lp, t, (5, 5), (2, 2)); print(loss); loss.backward(); print(lp.grad[0])
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(torch.ctc_loss(lp, t, (5, 5), (2, 2)))
print(torch.ctc_loss(lp, t, (5, 5), (2, 2), 0, 1, False))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp.double(), t, [5, 5], [2, 2]); print(l)
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
l = F.ctc_loss(lp, t.int(), torch.tensor([5, 5], dtype=torch.int32), torch.tensor([2, 2], dtype=torch.int32)); print(l)
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
g, = torch.autograd.grad(F.ctc_loss(lp, t, [5, 5], [2, 2]), lp, create_graph=True)
print(g.grad_fn.name())
g.sum().backward()
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,[6,5],[2,2]))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,[5,5],[3,2]))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,[5,5],[2,2],blank=4))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,[5,5],[2]))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,[5],[2,2]))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t.flatten(),[5,5],[2,1]))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,torch.tensor([5,5]),[2,2]))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,(5,5),(2,2),reduction='foo'))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp[0],t,(5,5),(2,2)))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,(5,-1),(2,2),reduction='none'))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,[5,5],[2,-1]))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,[5,5],[2,2],blank=1.5))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp.half(),t,(5,5),(2,2)))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,(5,5),(2,2),blank=-1))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t,(5.,5),(2,2)))
#---
lp = torch.tensor([[[-1.2, -0.9, -1.5, -1.4], [-0.7, -1.8, -1.1, -2.0]],
                   [[-1.0, -1.6, -0.8, -2.2], [-1.3, -1.3, -1.3, -1.6]],
                   [[-0.5, -2.1, -1.9, -1.7], [-2.5, -0.6, -1.0, -1.9]],
                   [[-1.1, -1.2, -1.4, -1.3], [-0.9, -1.7, -1.2, -1.4]],
                   [[-1.4, -0.8, -1.6, -1.5], [-1.6, -1.0, -0.9, -2.3]]]).log_softmax(2).requires_grad_()
t = torch.tensor([[1, 2], [3, 3]])
print(F.ctc_loss(lp,t.float(),[5,5],[2,2]))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
x.requires_grad_()
y, i = F.fractional_max_pool2d(x, (3, 3), output_size=(4, 5), return_indices=True, _random_samples=s)
print(y, i, y.grad_fn.name())
y.sum().backward(); print(x.grad)
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
x.requires_grad_()
y, i = F.fractional_max_pool2d(x, 2, output_size=3, return_indices=True, _random_samples=s)
print(y, i, y.grad_fn.name())
y.sum().backward(); print(x.grad)
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
x.requires_grad_()
y, i = F.fractional_max_pool2d(x, (2, 3), output_ratio=(0.5, 0.5), return_indices=True, _random_samples=s)
print(y, i, y.grad_fn.name())
y.sum().backward(); print(x.grad)
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
x.requires_grad_()
y, i = F.fractional_max_pool2d(x, 3, output_size=(5, 7), return_indices=True, _random_samples=s)
print(y, i, y.grad_fn.name())
y.sum().backward(); print(x.grad)
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
x.requires_grad_()
y, i = F.fractional_max_pool2d(x, (1, 2), output_size=(7, 4), return_indices=True, _random_samples=s)
print(y, i, y.grad_fn.name())
y.sum().backward(); print(x.grad)
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
x.requires_grad_()
y, i = F.fractional_max_pool2d(x, 2, (6, 8), return_indices=True, _random_samples=s)
print(y, i, y.grad_fn.name())
y.sum().backward(); print(x.grad)
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
y = F.fractional_max_pool2d(x[0], 2, output_size=3, _random_samples=s[:1]); print(y)
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
m = nn.FractionalMaxPool2d(3, output_size=(3, 4), _random_samples=s)
print(m, m.kernel_size, m.output_size, m.output_ratio, m.return_indices, list(m.buffers()))
print(m(x))
print(m.state_dict().keys())
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
m = nn.FractionalMaxPool2d(2, output_ratio=0.5, return_indices=True)
y, i = m(x); print(y.shape, i.shape, i.dtype, m.output_ratio)
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
torch.manual_seed(0)
y = F.fractional_max_pool2d(x, 3, output_ratio=(0.6, 0.5)); print(y.shape)
# the windows cover the input: maxima are input values
print(all(v in x.flatten().tolist() for v in y.flatten().tolist()))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,2))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,2,output_size=9,_random_samples=s))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,2,output_size=(4,9),_random_samples=s))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,2,output_ratio=0.5,_random_samples=s).shape)
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,2,output_ratio=(0.5,0.7,1),_random_samples=s).shape)
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x[0,0],2,output_size=3,_random_samples=s).shape)
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,2,output_size=3,_random_samples=torch.rand(2,2,3)))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,2,output_size=3,_random_samples=torch.rand(2,3,2)))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,2,output_size=3,_random_samples=s.double()))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x.long(),2,output_size=3,_random_samples=s))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,(2,2,2),output_size=3,_random_samples=s))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,2,output_size=(3,3,3),_random_samples=s))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(nn.FractionalMaxPool2d(3))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(nn.FractionalMaxPool2d(3, output_size=2, output_ratio=0.5))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(nn.FractionalMaxPool2d(3, output_ratio=1.5))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(torch.zeros(1,2,0,8),2,output_size=1,_random_samples=s))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d_with_indices(x,2,3,_random_samples=s)[1])
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,2,3,False,s))
#---
x = torch.arange(2 * 2 * 7 * 9.).reshape(2, 2, 7, 9).sin().mul(100).round()
s = torch.tensor([[[0.1, 0.7], [0.5, 0.25]], [[0.9, 0.05], [0.33, 0.66]]])
print(F.fractional_max_pool2d(x,2,3,None,True,s)[1])
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
with torch.no_grad():
    for i, p in enumerate(asm.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.37 + i).sin() / 2)
x = torch.arange(40.).reshape(5, 8).cos()
print(asm)
print([n for n, _ in asm.named_parameters()], asm.shortlist_size, asm.n_clusters, asm.head_size, asm.cutoffs)
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
with torch.no_grad():
    for i, p in enumerate(asm.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.37 + i).sin() / 2)
x = torch.arange(40.).reshape(5, 8).cos()
out = asm(x, torch.tensor([0, 4, 9, 2, 7]))
print(out.output, out.loss, type(out).__name__, out._fields)
out.loss.backward(); print(asm.tail[1][0].weight.grad)
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
with torch.no_grad():
    for i, p in enumerate(asm.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.37 + i).sin() / 2)
x = torch.arange(40.).reshape(5, 8).cos()
print(asm.log_prob(x)); print(asm.log_prob(x).exp().sum(1)); print(asm.predict(x))
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
with torch.no_grad():
    for i, p in enumerate(asm.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.37 + i).sin() / 2)
x = torch.arange(40.).reshape(5, 8).cos()
o, l = asm(x[0], torch.tensor(7)); print(o, l)
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
with torch.no_grad():
    for i, p in enumerate(asm.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.37 + i).sin() / 2)
x = torch.arange(40.).reshape(5, 8).cos()
print(asm(x, torch.tensor([0, 4, 10, 2, 7])))
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
with torch.no_grad():
    for i, p in enumerate(asm.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.37 + i).sin() / 2)
x = torch.arange(40.).reshape(5, 8).cos()
print(asm(x, torch.tensor([0, 4, 3])))
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
with torch.no_grad():
    for i, p in enumerate(asm.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.37 + i).sin() / 2)
x = torch.arange(40.).reshape(5, 8).cos()
print(asm(x, torch.tensor([[0, 4, 3]])))
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
with torch.no_grad():
    for i, p in enumerate(asm.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.37 + i).sin() / 2)
x = torch.arange(40.).reshape(5, 8).cos()
print(asm(x[0], torch.tensor([1])))
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
with torch.no_grad():
    for i, p in enumerate(asm.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.37 + i).sin() / 2)
x = torch.arange(40.).reshape(5, 8).cos()
print(asm(x, torch.tensor(1)))
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
with torch.no_grad():
    for i, p in enumerate(asm.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.37 + i).sin() / 2)
x = torch.arange(40.).reshape(5, 8).cos()
print(asm(x, torch.tensor([1, 1, 1, 1, 1])).output.grad_fn)
#---
print(nn.AdaptiveLogSoftmaxWithLoss(8, 10, []))
#---
print(nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 3]))
#---
print(nn.AdaptiveLogSoftmaxWithLoss(8, 10, [6, 3]))
#---
print(nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 10]))
#---
print(nn.AdaptiveLogSoftmaxWithLoss(8, 10, [0, 3]))
#---
print(nn.AdaptiveLogSoftmaxWithLoss(8, 10, (2,), head_bias=True))
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
with torch.no_grad():
    for i, p in enumerate(asm.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.37 + i).sin() / 2)
x = torch.arange(40.).reshape(5, 8).cos()
asm.head.weight.data.zero_(); asm.head.weight.data[:, 0] = torch.tensor([0., 0., 0., 5., 1.])
print(asm.predict(x))
asm.head.weight.data[:, 0] = torch.tensor([0., 0., 0., 1., 5.])
print(asm.predict(x), asm.predict(-x))
#---
x = torch.arange(32.).reshape(2, 1, 4, 4).requires_grad_()
g = torch.tensor([[[[-1.25, -0.5], [0.25, 0.75]], [[1.125, 1.0], [-0.875, 0.3125]]]]).expand(2, 2, 2, 2).contiguous()
for p in ('zeros', 'border', 'reflection'):
    y = F.grid_sample(x, g, mode='bicubic', padding_mode=p, align_corners=p == 'border')
    print(y.grad_fn.name(), y.shape, y.detach().round(decimals=2))
#---
x = torch.arange(24., dtype=torch.float64).reshape(1, 2, 3, 4).sin().requires_grad_()
g = torch.tensor([[[[0.3, -0.2], [0.7, 0.1]], [[-0.6, 0.45], [0.2, 0.9]]]], dtype=torch.float64, requires_grad=True)
for m in ('bilinear', 'nearest', 'bicubic'):
    y = F.grid_sample(x, g, mode=m, align_corners=False)
    gx, gg = torch.autograd.grad(y.pow(2).sum(), (x, g), create_graph=True)
    print(m, gx.grad_fn.name(), gg.grad_fn.name())
    d = torch.autograd.grad(gx.sum() + gg.pow(2).sum(), (x, g))
    print([round(t.sum().item(), 6) for t in d])
#---
x = torch.arange(24., dtype=torch.float64).reshape(1, 2, 3, 4).sin().requires_grad_()
g = torch.tensor([[[[0.3, -0.2], [0.7, 0.1]], [[-0.6, 0.45], [0.2, 0.9]]]], dtype=torch.float64)
y = F.grid_sample(x, g, align_corners=False)
gx, = torch.autograd.grad(y.pow(2).sum(), (x,), create_graph=True)
print(gx.grad_fn.name(), gx.grad_fn.next_functions[0][0] is not None)
#---
x = torch.arange(18., dtype=torch.float64).reshape(1, 2, 3, 3).cos().requires_grad_()
y = F.fractional_max_pool2d(x, 2, 2, _random_samples=torch.tensor([[[0.2, 0.7], [0.4, 0.9]]], dtype=torch.float64))
g, = torch.autograd.grad(y.pow(2).sum(), x, create_graph=True)
print(g.grad_fn.name(), g)
#---
x = torch.arange(24., dtype=torch.float64).reshape(1, 1, 2, 3, 4).sin().requires_grad_()
g = torch.tensor([[[[[0.3, -0.2, 0.1], [0.7, 0.1, -0.5]]]]], dtype=torch.float64, requires_grad=True)
y = F.grid_sample(x, g, align_corners=False)
gx, gg = torch.autograd.grad(y.pow(2).sum(), (x, g), create_graph=True)
print(gx.grad_fn.name(), y.grad_fn.name())
#---
torch.manual_seed(0)
lin = nn.Linear(6, 5)
with torch.no_grad():
    lin.weight.copy_(torch.arange(30.).reshape(5, 6).sin() * 0.5); lin.bias.fill_(0.1)
feats = torch.arange(4 * 7 * 6.).reshape(4, 7, 6).cos()  # (N, T, F) batch first
logp = lin(feats).log_softmax(-1).transpose(0, 1)  # (T, N, C)
targets = torch.tensor([1, 2, 3, 4, 4, 2, 1, 3])
lengths = torch.tensor([2, 3, 1, 2])
loss = F.ctc_loss(logp, targets, torch.tensor([7, 6, 5, 7]), lengths)
print(loss)
loss.backward()
print(lin.weight.grad, lin.bias.grad)
#---
opt_model = nn.Sequential(nn.Linear(4, 6), nn.LogSoftmax(dim=-1))
with torch.no_grad():
    for i, p in enumerate(opt_model.parameters()):
        p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape).mul(0.3 + i).sin() * 0.4)
opt = torch.optim.SGD(opt_model.parameters(), lr=0.1)
x = torch.arange(5 * 2 * 4.).reshape(5, 2, 4).sin()
ctc = nn.CTCLoss(blank=5)
for step in range(3):
    opt.zero_grad()
    loss = ctc(opt_model(x), torch.tensor([[0, 1], [2, 2]]), (5, 5), (2, 2))
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 4))
#---
class STN(nn.Module):
    def __init__(self):
        super().__init__()
        self.loc = nn.Linear(16, 6)
        with torch.no_grad():
            self.loc.weight.zero_()
            self.loc.bias.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))
    def forward(self, x):
        theta = self.loc(x.flatten(1)).view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False)
m = STN()
x = torch.arange(32.).reshape(2, 1, 4, 4) / 8
y = m(x)
print(y.shape, y.grad_fn.name(), torch.equal(y, x))
y.pow(2).sum().backward()
print(m.loc.bias.grad, m.loc.weight.grad.abs().sum())
#---
x = torch.arange(24.).reshape(1, 2, 3, 4)
g = torch.tensor([[[[0.3, -0.2], [0.7, 0.1]]]], requires_grad=True)
y = F.grid_sample(x, g, align_corners=False)
print(y, y.requires_grad)
y.sum().backward(); print(g.grad)
#---
x = torch.arange(24.).reshape(1, 2, 3, 4).requires_grad_()
g = torch.tensor([[[[0.3, -0.2], [0.7, 0.1]]]])
y = F.grid_sample(x, g, mode='nearest', padding_mode='border', align_corners=True)
print(y, y.grad_fn.name(), y.grad_fn.next_functions)
#---
with torch.no_grad():
    y = F.grid_sample(torch.ones(1, 1, 2, 2, requires_grad=True), torch.zeros(1, 1, 1, 2), align_corners=False)
print(y, y.requires_grad, y.grad_fn)
#---
x = torch.arange(24., dtype=torch.float64).reshape(1, 2, 3, 4)
g = torch.tensor([[[[0.3, -0.2], [0.7, 0.1]]]], dtype=torch.float64)
print(F.grid_sample(x, g, mode='bicubic', align_corners=False))
print(F.grid_sample(x.float(), g.float(), mode='bicubic', align_corners=False))
#---
x = torch.arange(1 * 1 * 3 * 4 * 2.).reshape(1, 1, 3, 4, 2)
g = torch.tensor([[[[[0.3, -0.2, 0.5], [-1.0, 1.0, 0.0]], [[0.9, 0.9, -0.9], [0.25, -0.75, 0.5]]]]])
for p in ('zeros', 'border', 'reflection'):
    for a in (True, False):
        print(F.grid_sample(x, g, padding_mode=p, align_corners=a).flatten())
        print(F.grid_sample(x, g, mode='nearest', padding_mode=p, align_corners=a).flatten())
#---
m = nn.FractionalMaxPool2d(2, output_size=(3, 3), return_indices=True, _random_samples=torch.tensor([[[0.25, 0.75]]]))
print(m.state_dict(), dict(m.named_buffers()))
y, i = m(torch.arange(36.).reshape(1, 1, 6, 6))
print(y, i)
#---
seq = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.FractionalMaxPool2d(2, output_ratio=(0.5, 0.5)))
print(seq)
print(seq(torch.ones(3, 1, 8, 8)).shape)
#---
asm = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2], head_bias=True, dtype=torch.float64)
print(asm.head.weight.dtype, asm.head.bias is not None, asm.tail[0][0].weight.shape, asm.tail[0][1].weight.shape)
print(list(asm.state_dict().keys()))
#---
torch.manual_seed(0)
asm = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2, 4], div_value=1.0)
opt = torch.optim.Adam(asm.parameters(), lr=0.1)
x = torch.arange(24.).reshape(6, 4).sin()
t = torch.tensor([0, 1, 2, 3, 4, 5])
first = None
for i in range(20):
    opt.zero_grad()
    out = asm(x, t)
    out.loss.backward()
    opt.step()
    first = first or out.loss.item()
print(out.loss.item() < first, asm.predict(x).tolist())
#---
print(F.ctc_loss(torch.zeros(3, 0, 4), torch.zeros(0, 2, dtype=torch.long), [], [], reduction='none'))
#---
print(F.ctc_loss(torch.zeros(3, 0, 4), torch.zeros(0, 2, dtype=torch.long), [], []))
#---
print(F.ctc_loss(torch.full((4, 1, 3), -1.0986122886681098), torch.tensor([[1, 2]]), [4], [2], reduction='none'))
#---
lp = torch.full((4, 2, 3), -1.0986122886681098, requires_grad=True)
l = F.ctc_loss(lp, torch.tensor([[1, 2], [1, 0]]), [4, 3], [2, 1], reduction='none')
l.backward(torch.tensor([1., 2.]))
print(lp.grad)
#---
print(F.ctc_loss(torch.zeros(3, 2, 4), torch.tensor([[1, 2], [3, 3]]), torch.tensor([3, 3], dtype=torch.int32), torch.tensor([2, 2])))
#---
print(F.ctc_loss(torch.zeros(3, 2, 4), torch.tensor([[1, 2], [3, 3]]), torch.tensor([[3, 3]]), torch.tensor([2, 2])))
#---
print(F.grid_sample(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 1, 2), 'nearest', 'zeros', False))
#---
print(torch.grid_sampler(torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 1, 2), 1, 2, True))
#---
print(torch.grid_sampler_2d(torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 1, 2), 1, 2, True))
#---
x = torch.arange(16.).reshape(1, 1, 4, 4).requires_grad_()
y = F.fractional_max_pool2d(x, 2, 2, _random_samples=torch.tensor([[[0.3, 0.6]]]))
print(y.grad_fn.next_functions)
#---
t = torch.eye(2, 3)[None].requires_grad_()
print(F.affine_grid(t, [1, 1, 2, 2], align_corners=False).grad_fn.next_functions)
#---
x = torch.arange(16.).reshape(1, 1, 4, 4).requires_grad_()
g = torch.zeros(1, 1, 1, 2, requires_grad=True)
print(F.grid_sample(x, g, align_corners=False).grad_fn.next_functions)
print(F.grid_sample(x.detach(), g, align_corners=False).grad_fn.next_functions)
#---
lp = torch.zeros(3, 1, 4).log_softmax(2).requires_grad_()
l = F.ctc_loss(lp, torch.tensor([[1]]), [3], [1], reduction='none')
print(l.grad_fn.next_functions, l)
#---
m = nn.CTCLoss(reduction='sum', zero_infinity=True)
print(m.__dict__.get('blank'), m.reduction, m.zero_infinity, m)
#---
m = nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5, 10, 15], div_value=2.)
print([tuple(p.shape) for p in m.parameters()])'''.split("\n#---\n")


@pytest.mark.parametrize("code", SNIPPETS, ids=[f"s{i}" for i in range(len(SNIPPETS))])
def test_same_as_torch(gw, code):
    same_as_torch(gw, code)


def test_grid_sample_values(gw):
    F = gw.nn.functional
    x = gw.tensor([[[[0., 10.], [20., 30.]]]], requires_grad=True)
    g = gw.tensor([[[[0., 0.], [-1., -1.], [1., 1.], [0.5, -1.]]]], requires_grad=True)
    y = F.grid_sample(x, g, align_corners=True)
    assert y.tolist() == [[[[15., 0., 30., 7.5]]]] and y.grad_fn.name() == "GridSampler2DBackward0"
    y.sum().backward()
    # d y / d gx = (x right - x left) * (W - 1) / 2 = 5; d y / d gy = 10 (the rows differ by 20); at the last
    # corner the taps right and below are outside (zeros): (0 - 30) / 2 each way
    assert g.grad.tolist() == [[[[5., 10.], [5., 10.], [-15., -15.], [5., 10.]]]]
    assert x.grad.tolist() == [[[[0.25 + 1 + 0.25, 0.25 + 0.75], [0.25, 0.25 + 1]]]]
    # an identity affine grid samples the pixel centres: the input again, in every mode
    img = gw.arange(12.).reshape(1, 1, 3, 4)
    grid = F.affine_grid(gw.tensor([[[1., 0., 0.], [0., 1., 0.]]]), [1, 1, 3, 4], align_corners=False)
    for mode in ("bilinear", "nearest", "bicubic"):
        assert F.grid_sample(img, grid, mode=mode, align_corners=False).tolist() == img.tolist()
    # x = 3.75 of [0, 3]: a quarter of the last column (zeros), the border's value, or x = 2.25 reflected
    far = gw.tensor([[[[1.5, -1.]]]])
    assert [F.grid_sample(img, far, padding_mode=p, align_corners=True).item() for p in
            ("zeros", "border", "reflection")] == [0.75, 3., 2.25]


@pytest.mark.parametrize("mode, padding, align", [("bilinear", "reflection", False), ("bicubic", "border", True),
                                                  ("bicubic", "zeros", False), ("bilinear", "zeros", True)])
def test_grid_sample_gradcheck(gw, mode, padding, align):
    x = (gw.arange(24., dtype=gw.float64).reshape(1, 2, 3, 4) * 0.7).sin().requires_grad_()
    g = (gw.arange(12., dtype=gw.float64).reshape(1, 2, 3, 2) * 1.3).cos().mul(1.1).requires_grad_()
    fn = lambda a, b: gw.nn.functional.grid_sample(a, b, mode=mode, padding_mode=padding, align_corners=align)
    assert gw.autograd.gradcheck(fn, (x, g))
    assert gw.autograd.gradgradcheck(fn, (x, g))


def test_affine_grid_values(gw):
    F = gw.nn.functional
    theta = gw.tensor([[[2., 0., 0.5], [0., 1., 0.]]], dtype=gw.float64, requires_grad=True)
    grid = F.affine_grid(theta, [1, 1, 2, 2], align_corners=True)
    assert grid.tolist() == [[[[-1.5, -1.], [2.5, -1.]], [[-1.5, 1.], [2.5, 1.]]]]
    assert grid.grad_fn.name() == "AffineGridGeneratorBackward0"
    grid.sum().backward()
    assert theta.grad.tolist() == [[[0., 0., 4.], [0., 0., 4.]]]
    assert gw.autograd.gradcheck(lambda t: F.affine_grid(t, [1, 1, 2, 3, 2], align_corners=False),
                                 (gw.ones(1, 3, 4, dtype=gw.float64, requires_grad=True),))


def test_ctc_loss_values(gw):
    F = gw.nn.functional
    # one step, one label: the probability of the label; two steps: the paths (1,1), (b,1), (1,b)
    p = [[0.25, 0.75], [0.4, 0.6]]
    lp = gw.tensor(p, dtype=gw.float64).log().unsqueeze(1).requires_grad_()
    one = F.ctc_loss(lp[:1], gw.tensor([[1]]), [1], [1], reduction="none")
    assert one.grad_fn.name() == "CtcLossBackward0" and one.item() == pytest.approx(-math.log(0.75), abs=1e-12)
    two = F.ctc_loss(lp, gw.tensor([1]), (2,), (1,), reduction="sum")
    paths = p[0][1] * p[1][1] + p[0][0] * p[1][1] + p[0][1] * p[1][0]
    assert two.item() == pytest.approx(-math.log(paths), abs=1e-12)
    # a repeated label needs a blank between its copies: two steps cannot emit [1, 1]
    assert F.ctc_loss(lp, gw.tensor([[1, 1]]), [2], [2], reduction="none").tolist() == [math.inf]
    assert F.ctc_loss(lp, gw.tensor([[1, 1]]), [2], [2], reduction="none", zero_infinity=True).tolist() == [0.]
    # mean: each loss over its target length, then the batch mean
    logits = (gw.arange(60., dtype=gw.float64).reshape(6, 2, 5) * 0.37).sin().requires_grad_()
    t = gw.tensor([[1, 2, 2], [3, 4, 0]])
    each = F.ctc_loss(logits.log_softmax(2), t, [6, 5], [3, 2], reduction="none")
    mean = F.ctc_loss(logits.log_softmax(2), t, [6, 5], [3, 2])
    assert mean.item() == pytest.approx((each[0].item() / 3 + each[1].item() / 2) / 2, abs=1e-12)
    assert gw.autograd.gradcheck(lambda z: gw.nn.CTCLoss(blank=0)(z.log_softmax(2), t, gw.tensor([6, 5]),
                                                                  gw.tensor([3, 2])), (logits,))


def test_fractional_max_pool_values(gw):
    F = gw.nn.functional
    x = gw.arange(16.).reshape(1, 1, 4, 4).requires_grad_()
    y, idx = F.fractional_max_pool2d(x, 2, output_size=2, return_indices=True,
                                     _random_samples=gw.tensor([[[0.3, 0.6]]]))
    assert y.tolist() == [[[[5., 7.], [13., 15.]]]] and idx.tolist() == [[[[5, 7], [13, 15]]]]
    assert y.grad_fn.name() == "FractionalMaxPool2DBackward0"
    y.sum().backward()
    assert x.grad.reshape(-1).tolist() == [1. if i in (5, 7, 13, 15) else 0. for i in range(16)]
    m = gw.nn.FractionalMaxPool2d(3, output_ratio=0.5)
    assert m(gw.randn(2, 3, 10, 8)).shape == (2, 3, 5, 4)


def test_adaptive_log_softmax_values(gw):
    gw.manual_seed(0)
    asm = gw.nn.AdaptiveLogSoftmaxWithLoss(6, 9, [2, 5], div_value=2.0)
    x = gw.randn(7, 6)
    target = gw.tensor([0, 1, 2, 4, 5, 8, 3])
    out, loss = asm(x, target)
    full = asm.log_prob(x)
    assert full.shape == (7, 9)
    assert all(abs(s - 1) < 1e-5 for s in full.exp().sum(1).tolist())
    picked = full.gather(1, target.unsqueeze(1)).squeeze(1).tolist()
    assert all(abs(a - b) < 1e-5 for a, b in zip(out.tolist(), picked))
    assert loss.item() == pytest.approx(-sum(picked) / 7, abs=1e-5)
    assert asm.predict(x).tolist() == full.argmax(1).tolist()
    loss.backward()
    assert asm.head.weight.grad is not None and asm.tail[1][1].weight.grad.shape == (4, 1)
