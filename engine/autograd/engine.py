"""The backward engine: runs recorded nodes in topological order.

Iterative (no recursion limit): one post-order walk from the roots gives the
order; each node runs once, after every consumer of its outputs has added its
gradient to the node's input buffer.  Gradients reaching a leaf are added to
its ``.grad`` by its AccumulateGrad node.  Node outputs are validated the way
torch's engine does: a gradient in a broadcast shape is summed back to the
input's shape, and one of another dtype is cast to the input's dtype.
"""
from __future__ import annotations

import itertools
import threading
import warnings

from gradwire.common.hooks import check_hook_value, check_node_hook_result
from gradwire.common.shapes import broadcast_shapes

from .. import observe as _observe
from ..function import AccumulateGrad, accumulator_of, anomaly_state, backward_mode
from ..grad_mode import _state as _grad_state
from ..ops.creation import ones_like, zeros_like
from ..ops.shape import CopyGrad, sum_to, sum_to_grad, to_dtype
from ..tensor import Tensor, _new_tensor, _owned_grad

__all__ = ["backward", "grad", "run_backward"]


def _size_text(shape) -> str:
    return f"torch.Size({list(shape)})"


def _make_grads(outputs, grad_outputs, create_graph: bool):
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None else None
        if g is None:
            if out._requires_grad:
                if out.array.size != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not out.dtype.is_floating_point:
                    raise RuntimeError("grad can be implicitly created only for real scalar outputs but got "
                                       f"{out.dtype!r}")
                watcher = _observe.watch.observer
                if watcher is None:
                    g = ones_like(out)
                else:
                    with watcher.range("aten::ones_like"):
                        g = ones_like(out)
                if not create_graph:
                    g.__dict__["_owned"] = True  # made here, held by nothing else: a leaf may adopt it
        else:
            if not isinstance(g, Tensor):
                raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
            _disown(g)  # the caller's tensor: never adopted as a .grad
            if g.array.shape != out.array.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{_size_text(g.array.shape)} and output[{i}] has a shape of "
                                   f"{_size_text(out.array.shape)}.")
            if g.dtype is not out.dtype and out.dtype.is_floating_point:
                prev = _grad_state.enabled
                _grad_state.enabled = create_graph
                try:
                    g = to_dtype(g, out.dtype)
                finally:
                    _grad_state.enabled = prev
        grads.append(g)
    return grads


def _root_edges(outputs):
    edges = []
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"element {i} of tensors is not a Tensor")
        fn = out.grad_fn
        if fn is not None:
            edges.append((fn, out._output_nr))
        elif out._requires_grad and accumulator_of(out) is not None:
            edges.append((accumulator_of(out), 0))
        else:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    return edges


def _topo_order(roots):
    """Nodes reachable from ``roots``, every node before the nodes it feeds gradients to."""
    order = []
    seen = set()  # nodes (they hash by identity)
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, it = stack[-1]
            for fn, _nr in it:
                if fn is not None and fn not in seen:
                    seen.add(fn)
                    stack.append((fn, iter(fn.next_functions)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _expandable(shape, target) -> bool:
    try:
        return broadcast_shapes(shape, target) == tuple(target)
    except RuntimeError:
        return False


def _validate(node, i, g, meta, arrays=False):
    if type(g) is not Tensor:
        raise TypeError(f"function {node.name()} returned a gradient different than None at position {i + 1}, "
                        f"but the corresponding forward input was not a Variable"
                        if not isinstance(g, Tensor) else "")
    shape, dtype = meta
    gshape = g.array.shape
    if gshape != shape:
        if not _expandable(shape, gshape):
            shown = node._shown_positions()  # torch numbers the node's own edges (scatter's: self, src)
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index "
                               f"{shown.index(i) if i in shown else i} - got "
                               f"{list(gshape)} but expected shape compatible with {list(shape)}")
        g = sum_to_grad(g, shape) if arrays else sum_to(g, shape)
    if g.dtype is not dtype:
        if g.dtype.is_complex and not dtype.is_complex:  # a real input's gradient is the real part (torch's)
            from ..ops.complex_ops import real  # noqa: PLC0415
            g = real(g)
        if arrays:
            g = _owned_grad(g.array.astype(dtype.numpy), dtype, g.device)
        else:
            g = to_dtype(g, dtype)
    return g


def _own_copy(g: Tensor) -> Tensor:
    return _new_tensor(g.xp.array(g.array, copy=True), g.dtype, g.device)


def _disown(g) -> None:
    """``g`` is shown to user code or shared: no leaf may adopt its array any more."""
    if g is not None and g.__dict__.get("_owned"):
        del g.__dict__["_owned"]


def _disown_shared(result) -> None:
    """The same owned gradient sent along two edges is shared: neither may adopt it."""
    seen = []
    for r in result:
        if r is not None and type(r) is Tensor and r.__dict__.get("_owned"):
            for o in seen:
                if o is r:
                    del r.__dict__["_owned"]
                    break
            else:
                seen.append(r)


def _same_layout(ga, va) -> bool:
    """The gradient's memory layout is the variable's (torch's layout contract for a stolen gradient)."""
    return ga.strides == va.strides or (ga.flags.c_contiguous and va.flags.c_contiguous)


def _accumulate(var: Tensor, g: Tensor, create_graph: bool) -> None:
    old = var._grad
    if old is None:
        if create_graph and g._requires_grad:
            var._grad = CopyGrad.apply(g)
        elif g.__dict__.get("_owned") and not g._requires_grad and g.device == var.device \
                and _same_layout(g.array, var.array):
            # a gradient nothing else references: adopt it (torch steals the buffer) instead of copying
            del g.__dict__["_owned"]
            var._grad = g
        else:
            var._grad = _own_copy(g)
        return
    if create_graph or old._requires_grad and _grad_state.enabled:
        var._grad = old + g
        return
    arr = old.array
    try:
        if not getattr(arr.flags, "writeable", True) or 0 in arr.strides and any(
                st == 0 and n > 1 for n, st in zip(arr.shape, arr.strides)):  # (an expanded .grad: a new one)
            raise ValueError
        arr += g.array
        old._bump_version()
    except (ValueError, TypeError):
        var._grad = _own_copy(old + g)


def _run_pre_hooks(hooks, g):
    for hook in list(hooks):
        r = hook(g)
        if r is not None:
            g = check_hook_value(hook, r, g, Tensor)
    return g


def _run_node_pre_hooks(node, buf, create_graph):
    """Tensor hooks of the node's outputs, then retain_grad (always after the hooks, as in torch)."""
    pre = node.__dict__.get("_pre_hooks")
    if pre:
        for nr, hooks in pre.items():
            if buf[nr] is not None and hooks:
                _disown(buf[nr])
                buf[nr] = _run_pre_hooks(hooks, buf[nr])
    retains = node.__dict__.get("_retains")
    if retains:
        for nr, ref in retains.items():
            t = ref()
            if t is not None and buf[nr] is not None:
                _accumulate(t, buf[nr], create_graph)


def _run_node_prehooks(node, buf) -> list:
    """``node.register_prehook`` hooks: each sees the grad_outputs and may replace them."""
    for g in buf:
        _disown(g)
    for hook in list(node._node_pre_hooks):
        grads = tuple(buf)
        r = hook(grads)
        if r is not None:
            buf = list(check_node_hook_result(hook, r, grads, Tensor))
    return buf


def _run_node_post_hooks(node, result, grad_outputs) -> tuple:
    """``node.register_hook`` hooks: each sees grad_inputs (one per input torch's node has) and
    grad_outputs, and may replace grad_inputs."""
    positions = node._shown_positions()
    shown = tuple(result[i] for i in positions)
    for hook in list(node._hooks):
        r = hook(shown, grad_outputs)
        if r is not None:
            shown = check_node_hook_result(hook, r, shown, Tensor)
    out = list(result)
    for i, g in zip(positions, shown):
        out[i] = g
    return tuple(out)


def _anomaly_report(node) -> None:
    """Anomaly mode: warns with the forward stack of the node whose backward failed."""
    tb = node.__dict__.get("_metadata", {}).get("traceback_")
    if tb is None:
        msg = (f"Error detected in {node.name()}. No forward pass information available. Enable detect "
               "anomaly during forward pass for more information.")
    else:
        msg = f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n" + "".join(tb)
    warnings.warn(msg + _ANOMALY_WHERE, UserWarning, stacklevel=4)


# torch's warning names the C++ line that issues it
_ANOMALY_WHERE = " (Triggered internally at /__w/pytorch/pytorch/torch/csrc/autograd/python_anomaly_mode.cpp:122.)"


def _check_nan(node, result) -> None:
    for i, g in enumerate(result):
        if g is not None and isinstance(g, Tensor) and g.dtype.is_floating_point and bool(g.xp.isnan(g.array).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def _run_node(node, buf):
    """node._apply under anomaly mode: NaN check and the forward stack on any error."""
    try:
        result = node._apply(buf)
        if anomaly_state.check_nan:
            _check_nan(node, result)
    except Exception:
        _anomaly_report(node)
        raise
    return result


class _GraphTasks(threading.local):
    current = None  # the running backward: (id, the nodes it may run, ids of those it needs or None, accumulates)


graph_task = _GraphTasks()
_task_ids = itertools.count()


def will_execute(node) -> bool:
    """torch._C._will_engine_execute_node: whether the running backward reaches ``node`` (and needs it when
    it was given ``inputs``)."""
    task = graph_task.current
    if task is None:
        raise RuntimeError("_will_engine_execute_node should only be called during the backward pass")
    _, order, needed, accumulate = task
    if not accumulate and type(node) is AccumulateGrad:
        raise RuntimeError("A leaf node was passed to _will_engine_execute_node but we are currently running "
                           "autograd.grad(). This is currently not supported.")
    return any(n is node for n in order) if needed is None else id(node) in needed


def run_backward(outputs, grad_outputs, *, retain_graph, create_graph, inputs=None, accumulate=True,
                 allow_unused=True):
    """The engine. Returns the gradients of ``inputs`` when ``accumulate`` is False (autograd.grad)."""
    outputs = tuple(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grad_outputs, create_graph)
    edges = _root_edges(outputs)

    # Where to capture gradients of ``inputs``: (node, output_nr) -> index.
    capture = None
    if inputs is not None:
        capture = {}
        for k, t in enumerate(inputs):
            if not isinstance(t, Tensor):
                raise TypeError(f"inputs must be Tensors, but element {k} is {type(t).__name__}")
            if t.grad_fn is not None:
                key = (id(t.grad_fn), t._output_nr)
            else:
                if not t._requires_grad:
                    raise RuntimeError("One of the differentiated Tensors does not require grad")
                key = (id(accumulator_of(t)), 0)
            capture.setdefault(key, []).append(k)
    captured = [None] * (len(inputs) if inputs is not None else 0)

    order = _topo_order([fn for fn, _ in edges])
    needed = None
    if capture is not None:
        targets = {key[0] for key in capture}
        needed = set()
        for node in reversed(order):  # children first
            if id(node) in targets or any(fn is not None and id(fn) in needed for fn, _ in node.next_functions):
                needed.add(id(node))

    buffers = {}  # node -> its input buffer (nodes hash by identity)
    for (fn, nr), g in zip(edges, grads):
        if g is None:
            continue
        buf = buffers.get(fn)
        if buf is None:
            buf = buffers[fn] = [None] * fn._n_outputs
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    prev_mode = _grad_state.enabled
    prev_arrays = backward_mode.arrays
    prev_task = graph_task.current
    graph_task.current = (next(_task_ids), order, needed, accumulate)
    _grad_state.enabled = create_graph
    # backward formulas compute on arrays unless a graph of the backward is built or a profiler watches
    arrays = backward_mode.arrays = not create_graph and _observe.watch.observer is None
    try:
        for node in order:
            buf = buffers.pop(node, None)
            if needed is not None and id(node) not in needed:
                continue
            if buf is None:
                if not retain_graph:
                    node._release()
                continue
            nd = node.__dict__
            if "_pre_hooks" in nd or "_retains" in nd:
                _run_node_pre_hooks(node, buf, create_graph)
            if capture is not None:
                nid = id(node)
                for nr in range(len(buf)):
                    ks = capture.get((nid, nr))
                    if ks is not None:
                        _disown(buf[nr])
                        for k in ks:
                            captured[k] = buf[nr]
            if type(node) is AccumulateGrad:
                g = buf[0]
                var = node.variable
                if var._hooks:
                    _disown(g)
                    g = _run_pre_hooks(var._hooks, g)
                    if capture is not None:
                        for k in capture.get((id(node), 0), ()):
                            captured[k] = g
                if node._node_pre_hooks:
                    g = _run_node_prehooks(node, [g])[0]
                if accumulate and g is not None:
                    watcher = _observe.watch.observer
                    if watcher is None:
                        _accumulate(var, g, create_graph)
                    else:
                        with watcher.backward(node):
                            _accumulate(var, g, create_graph)
                    post = var._post_acc_hooks
                    if post:
                        for hook in list(post):
                            hook(var)
                if node._hooks:
                    _disown(g)
                    _run_node_post_hooks(node, (), (g,))
                continue
            if capture is not None and not any(
                    fn is not None and id(fn) in needed for fn, _ in node.next_functions):
                if not retain_graph:
                    node._release()
                continue
            if node._node_pre_hooks:
                buf = _run_node_prehooks(node, buf)
            if not node._builtin:
                for g in buf:
                    _disown(g)  # a user backward may keep its gradients
            watcher = _observe.watch.observer
            if node._node_pre_hooks and all(g is None for g in buf):
                result = (None,) * len(node.next_functions)  # a pre-hook dropped every gradient
            elif watcher is None:
                result = _run_node(node, buf) if anomaly_state.enabled else node._apply(buf)
            else:
                with watcher.backward(node):
                    result = _run_node(node, buf) if anomaly_state.enabled else node._apply(buf)
            if not retain_graph:
                node._release()
            hooks = node._hooks
            if hooks or not node._builtin:
                # user code saw (or made) these gradients
                for r in result:
                    if isinstance(r, Tensor):
                        _disown(r)
                if hooks:
                    result = _run_node_post_hooks(node, result, tuple(buf))
            elif len(result) > 1:
                _disown_shared(result)
            metas = node._input_meta
            for i, (edge, g) in enumerate(zip(node.next_functions, result)):
                fn = edge[0]
                if fn is None or g is None:
                    continue
                meta = metas[i]
                if type(g) is not Tensor or g.array.shape != meta[0] or g.dtype is not meta[1]:
                    g = _validate(node, i, g, meta, arrays)  # not a tensor of the input's shape and dtype
                nr = edge[1]
                b = buffers.get(fn)
                if b is None:
                    b = buffers[fn] = [None] * fn._n_outputs
                cur = b[nr]
                if cur is None:
                    b[nr] = g
                elif not arrays:
                    b[nr] = cur + g
                elif cur.__dict__.get("_owned") and cur is not g and cur.array.shape == g.array.shape \
                        and cur.dtype is g.dtype:
                    cur.array += g.array  # the buffer owns its array: sum in place (as torch's InputBuffer)
                elif cur.dtype is g.dtype and cur.array.shape == g.array.shape:
                    b[nr] = _owned_grad(cur.xp.add(cur.array, g.array, out=cur.xp.empty_like(g.array)),
                                        cur.dtype, cur.device)
                else:
                    b[nr] = cur + g
    finally:
        _grad_state.enabled = prev_mode
        backward_mode.arrays = prev_arrays
        graph_task.current = prev_task
    return captured


_CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient "
    "which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If "
    "you have to use this function, make sure to reset the .grad fields of your parameters to None after use to "
    "break the cycle and avoid the leak."
)


def _as_tensor_tuple(x, what: str):
    if isinstance(x, Tensor):
        return (x,)
    try:
        items = tuple(x)  # any iterable, as torch takes it
    except TypeError:
        raise TypeError(f"'{type(x).__name__}' object is not iterable") from None
    if what in ("tensors", "outputs"):
        for t in items:
            if not isinstance(t, Tensor):
                raise AssertionError("Expected output to be a torch.Tensor")
    return items


def _grads_tuple(outputs, grads):
    """torch's rule: one gradient per output at least; extra gradients are ignored."""
    if grads is None:
        return None
    grads = _as_tensor_tuple(grads, "grad_outputs")
    if len(grads) < len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    return grads[:len(outputs)]


def increment_version(tensor) -> None:
    """torch.autograd.graph.increment_version: counts an in-place write autograd did not see (one tensor or
    several), so a backward that saved the tensor before it fails as after any in-place op."""
    for t in _as_tensor_tuple(tensor, "tensor"):
        t._bump_version()


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Computes gradients of ``tensors`` and accumulates them into the leaves' ``.grad`` (torch.autograd.backward)."""
    tensors = _as_tensor_tuple(tensors, "tensors")
    grad_tensors = _grads_tuple(tensors, grad_tensors)
    if inputs is not None:
        inputs = _as_tensor_tuple(inputs, "inputs")
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        for t in inputs:
            if not isinstance(t, Tensor):
                raise RuntimeError(f"all inputs have to be Tensors or GradientEdges, but got {type(t).__name__}")
            t.retain_grad()  # non-leaf inputs keep their grads, in this backward and later ones (torch)
    if create_graph:
        warnings.warn(_CREATE_GRAPH_WARNING, UserWarning, stacklevel=3)
    run_backward(tensors, grad_tensors, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs,
                 accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated into ``.grad``).

    torch.autograd.grad: ``allow_unused`` (default: ``materialize_grads``) lets an input that the outputs do
    not depend on get None (zeros with ``materialize_grads=True``) instead of raising.
    """
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = _as_tensor_tuple(outputs, "outputs")
    inputs = _as_tensor_tuple(inputs, "inputs")
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    for t in inputs:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"all inputs have to be Tensors or GradientEdges, but got {type(t).__name__}")
    grad_outputs = _grads_tuple(outputs, grad_outputs)
    result = run_backward(outputs, grad_outputs, retain_graph=retain_graph, create_graph=create_graph,
                          inputs=inputs, accumulate=False)
    out = []
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = zeros_like(t)
        out.append(g)
    return tuple(out)
