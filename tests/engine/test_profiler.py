"""The autograd profiler: torch's API, row names, nesting and table layout."""
from __future__ import annotations

import json
import re
import threading

import pytest

import gradwire.engine as E
from gradwire.engine import observe
from gradwire.engine.autograd import Function, engine as autograd_engine, profiler
from gradwire.engine.autograd.profiler import profile, record_function
from gradwire.common.profiling import EventList, FunctionEvent, format_memory, format_time
from gradwire.engine.ops import creation

pytestmark = pytest.mark.timeout(60)

HEADER_SEP = "-" * 55 + "  " + ("-" * 12 + "  ") * 6
HEADER = ("                                                   Name    Self CPU %      Self CPU   CPU total %     "
          "CPU total  CPU time avg    # of Calls  ")
FOOTER = re.compile(r"^Self CPU time total: \d+\.\d{3}(us|ms|s)$")
ROW = re.compile(r"^\s*(?P<name>.+?)\s+(?P<spct>\d+\.\d\d%)\s+(?P<self>\d+\.\d{3}(?:us|ms|s))\s+"
                 r"(?P<tpct>\d+\.\d\d%)\s+(?P<total>\d+\.\d{3}(?:us|ms|s))\s+(?P<avg>\d+\.\d{3}(?:us|ms|s))\s+"
                 r"(?P<calls>\d+)  $")

# The tutorial's example: rows gradwire records, and how many times.
TUTORIAL_ROWS = {
    "aten::matmul": 1, "aten::mm": 3, "aten::sum": 1, "aten::ones_like": 1,
    "autograd::engine::evaluate_function: SumBackward0": 1, "SumBackward0": 1, "aten::view": 1, "aten::expand": 1,
    "autograd::engine::evaluate_function: MmBackward0": 1, "MmBackward0": 1, "aten::t": 2,
    "aten::transpose": 2, "aten::as_strided": 4,
    "autograd::engine::evaluate_function: torch::autograd::AccumulateGrad": 2,
    "torch::autograd::AccumulateGrad": 2,
}
# Rows torch 2.13 has for the same code that gradwire does not: kernels that
# aten ops call inside themselves, with no counterpart in a NumPy engine.
TORCH_INTERNAL = {
    "aten::clone": "aten::mm copies a transposed (non-contiguous) operand before calling BLAS",
    "aten::copy_": "the copy inside that aten::clone",
    "aten::empty": "allocation inside aten::clone",
    "aten::empty_like": "allocation inside aten::ones_like / aten::clone",
    "aten::empty_strided": "allocation inside aten::empty_like",
    "aten::fill_": "aten::ones_like and aten::sum fill their output buffer",
    "aten::resolve_conj": "aten::mm resolves lazy complex conjugation of its operands",
    "aten::detach": "AccumulateGrad stores a detached gradient",
    "detach": "the kernel under aten::detach",
}
# Rows gradwire has that torch does not, for the same code.
GRADWIRE_EXTRA = {
    "aten::view": "SumBackward0 reshapes the 0-d gradient to the keepdim shape before aten::expand "
                  "(torch expands the 0-d gradient directly)",
}


def _tutorial(**kwargs):
    x = E.randn(100, 100, requires_grad=True)
    y = E.randn(100, 100, requires_grad=True)
    with profile(**kwargs) as prof:
        z = (x @ y).sum()
        z.backward()
    return prof


def _rows(table: str):
    lines = table.splitlines()
    data = lines[3:-2]
    return [ROW.match(line) for line in data]


def _counts(prof):
    return {e.key: e.count for e in prof.key_averages()}


# ---- the tutorial example ---------------------------------------------------------

def test_tutorial_table_layout():
    prof = _tutorial()
    table = prof.key_averages().table(sort_by="cpu_time_total")
    lines = table.splitlines()
    assert lines[0] == HEADER_SEP
    assert lines[1] == HEADER
    assert lines[2] == HEADER_SEP
    assert lines[-2] == HEADER_SEP
    assert FOOTER.match(lines[-1]), lines[-1]
    assert table.endswith("\n")
    rows = _rows(table)
    assert all(rows), [line for line, m in zip(lines[3:-2], rows) if not m]
    names = [m["name"] for m in rows]
    # the long AccumulateGrad wrapper name is cut to the 55-column width like torch's
    assert "autograd::engine::evaluate_function: torch::autograd..." in names
    assert len(names) == len(TUTORIAL_ROWS)
    # sorted by CPU total, descending (which row tops it depends on timing: a busy
    # machine can stall any op, so the order is checked against the events, not a name)
    by_total = sorted(prof.key_averages(), key=lambda e: -e.cpu_time_total)
    assert [e.cpu_time_total for e in by_total] == sorted((e.cpu_time_total for e in by_total), reverse=True)
    top = by_total[0].key
    assert names[0] == (top if len(top) < 52 else top[:52] + "...")


def test_tutorial_rows_and_counts():
    assert _counts(_tutorial()) == TUTORIAL_ROWS


def test_tutorial_rows_match_torch():
    torch = pytest.importorskip("torch")
    x = torch.randn(100, 100, requires_grad=True)
    y = torch.randn(100, 100, requires_grad=True)
    with torch.autograd.profiler.profile() as tprof:
        z = (x @ y).sum()
        z.backward()
    theirs = {e.key: e.count for e in tprof.key_averages()}
    ours = _counts(_tutorial())
    assert set(ours) - set(theirs) == set(GRADWIRE_EXTRA)
    assert set(theirs) - set(ours) <= set(TORCH_INTERNAL), set(theirs) - set(ours) - set(TORCH_INTERNAL)
    for name in set(ours) & set(theirs):
        assert ours[name] == theirs[name], name
    # the table's frame is torch's, line for line
    t_lines = tprof.key_averages().table(sort_by="cpu_time_total").splitlines()
    assert t_lines[:3] == [HEADER_SEP, HEADER, HEADER_SEP]
    assert FOOTER.match(t_lines[-1])


def test_nesting_self_and_total():
    prof = _tutorial()
    events = prof.function_events
    by_name = {}
    for e in events:
        by_name.setdefault(e.name, []).append(e)
    (node,) = by_name["MmBackward0"]
    assert node.cpu_parent.name == "autograd::engine::evaluate_function: MmBackward0"
    assert [c.name for c in node.cpu_children] == ["aten::t", "aten::mm", "aten::t", "aten::mm"]
    assert node.self_cpu_time_total == pytest.approx(
        node.cpu_time_total - sum(c.cpu_time_total for c in node.cpu_children))
    assert node.cpu_time_total >= sum(c.cpu_time_total for c in node.cpu_children)
    # forward: aten::matmul at top level, aten::mm its child
    (matmul,) = by_name["aten::matmul"]
    assert matmul.cpu_parent is None and [c.name for c in matmul.cpu_children] == ["aten::mm"]
    (expand,) = by_name["aten::expand"]
    assert expand.cpu_parent.name == "SumBackward0"
    for e in events:  # children lie inside their parents
        if e.cpu_parent is not None:
            assert e.cpu_parent.time_range.start <= e.time_range.start
            assert e.time_range.end <= e.cpu_parent.time_range.end
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    total = sum(e.self_cpu_time_total for e in events)
    assert prof.self_cpu_time_total == pytest.approx(total)
    assert prof.self_cpu_time_total > 0
    avg = prof.total_average()
    assert avg.key == "Total" and avg.count == len(events)


def test_pow_mul_backward_rows():
    x = E.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with profile() as prof:
        y = (x ** 2 * 3).sum()
        y.backward()
    counts = _counts(prof)
    for name in ("aten::pow", "aten::mul", "aten::sum", "PowBackward0", "MulBackward0",
                 "autograd::engine::evaluate_function: PowBackward0"):
        assert name in counts, (name, counts)
    assert counts["aten::pow"] == 2  # forward, and x ** 1 inside PowBackward0
    pow_node = next(e for e in prof.function_events if e.name == "PowBackward0")
    assert "aten::pow" in [c.name for c in pow_node.cpu_children]
    assert x.grad.tolist() == [6.0, 12.0, 18.0]


def test_pow_mul_rows_match_torch():
    torch = pytest.importorskip("torch")
    xt = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with torch.autograd.profiler.profile() as tprof:
        (xt ** 2 * 3).sum().backward()
    theirs = {e.key for e in tprof.key_averages()}
    x = E.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with profile() as prof:
        (x ** 2 * 3).sum().backward()
    ours = {e.key for e in prof.key_averages()}
    internal = set(TORCH_INTERNAL) | {"aten::to", "aten::_to_copy", "aten::result_type"}  # scalar casts
    assert ours - theirs <= set(GRADWIRE_EXTRA), ours - theirs
    assert theirs - ours <= internal, theirs - ours - internal


# ---- sorting, limits, columns -------------------------------------------------------

@pytest.mark.parametrize("key", ["cpu_time_total", "self_cpu_time_total", "cpu_time", "self_cpu_time", "count",
                                 "cpu_memory_usage", "self_cpu_memory_usage"])
def test_sort_by(key):
    prof = _tutorial(profile_memory=True)
    avgs = prof.key_averages()
    table = avgs.table(sort_by=key, row_limit=100)
    names = [line[:55].strip() for line in table.splitlines()[3:-2]]
    expected = sorted(avgs, key=lambda e: getattr(e, key), reverse=True)
    cut = [e.key if len(e.key) < 52 else e.key[:52] + "..." for e in expected]
    assert names == cut


def test_sort_by_count_puts_the_most_called_first():
    table = _tutorial().key_averages().table(sort_by="count")
    assert table.splitlines()[3].strip().startswith("aten::as_strided ")  # 4 calls, as in torch


def test_unknown_sort_key():
    with pytest.raises(AttributeError, match="no attribute 'bogus'"):
        _tutorial().key_averages().table(sort_by="bogus")


@pytest.mark.parametrize("limit", [0, 1, 3])
def test_row_limit(limit):
    lines = _tutorial().key_averages().table(sort_by="cpu_time_total", row_limit=limit).splitlines()
    assert len(lines) == 3 + limit + 2


def test_top_level_events_only():
    table = _tutorial().key_averages().table(top_level_events_only=True)
    assert "This report only display top-level ops statistics" in table
    assert "MmBackward0  " not in table.replace("evaluate_function: MmBackward0", "")


def test_input_shapes_column():
    prof = _tutorial(record_shapes=True)
    plain = prof.key_averages().table()
    assert "Input Shapes" not in plain
    grouped = prof.key_averages(group_by_input_shape=True)
    table = grouped.table(sort_by="cpu_time_total")
    header = table.splitlines()[1]
    assert header.rstrip().endswith("# of Calls                  Input Shapes")
    mm_rows = [line for line in table.splitlines() if line.strip().startswith("aten::mm ")]
    assert mm_rows and all(line.rstrip().endswith("[[100, 100], [100, 100]]") for line in mm_rows)
    assert {e.key: e.input_shapes for e in grouped}["aten::t"] == [[100, 100]]
    # without record_shapes there are no shapes to group by
    assert "Input Shapes" not in _tutorial().key_averages(group_by_input_shape=True).table()


def test_group_by_input_shape_splits_rows():
    a, b = E.ones(2, 3), E.ones(4)
    with profile(record_shapes=True) as prof:
        a + 1.0
        a + 2.0
        b + 1.0
    rows = {(e.key, str(e.input_shapes)): e.count for e in prof.key_averages(group_by_input_shape=True)}
    assert rows == {("aten::add", "[[2, 3], []]"): 2, ("aten::add", "[[4], []]"): 1}
    assert {e.key: e.count for e in prof.key_averages()} == {"aten::add": 3}


# ---- record_function ------------------------------------------------------------------

def test_record_function_rows_and_nesting():
    x = E.ones(3, requires_grad=True)
    with profile() as prof:
        with record_function("my_block") as rf:
            y = (x * 2).sum()
        y.backward()
    assert isinstance(rf, record_function)
    events = prof.function_events
    block = next(e for e in events if e.name == "my_block")
    assert block.is_user_annotation
    assert [c.name for c in block.cpu_children] == ["aten::mul", "aten::sum"]
    assert block.cpu_time_total >= sum(c.cpu_time_total for c in block.cpu_children)
    assert "my_block" in prof.key_averages().table()


def test_record_function_decorator_and_outside_profile():
    @record_function("helper")
    def helper(t):
        return t * 3

    t = E.ones(2)
    helper(t)  # no profile: nothing recorded, nothing fails
    with profile() as prof:
        helper(t)
        helper(t)
    counts = _counts(prof)
    assert counts == {"helper": 2, "aten::mul": 2}


# ---- memory ---------------------------------------------------------------------------

def test_profile_memory_columns():
    prof = _tutorial(profile_memory=True)
    table = prof.key_averages().table(sort_by="cpu_memory_usage")
    header = table.splitlines()[1]
    assert header.endswith("CPU time avg       CPU Mem  Self CPU Mem    # of Calls  ")
    mm = {e.key: e for e in prof.key_averages()}["aten::mm"]
    # three 100x100 float32 outputs (40000 bytes each) plus the Python objects they live in
    assert 3 * 40000 <= mm.cpu_memory_usage < 3 * 40000 + 16384
    assert mm.self_cpu_memory_usage == mm.cpu_memory_usage  # mm has no children
    first = table.splitlines()[3]
    assert re.search(r"\d+\.\d\d KB\s+-?\d+(\.\d\d KB| B)\s+\d+  $", first), first
    assert "CPU Mem" not in _tutorial().key_averages().table()


@pytest.mark.parametrize("nbytes,text", [(0, "0 B"), (4, "4 B"), (1023, "1023 B"), (40000, "39.06 KB"),
                                         (-40000, "-39.06 KB"), (4 * 1024 * 1024, "4.00 MB"),
                                         (3 * 1024 ** 3, "3.00 GB")])
def test_format_memory(nbytes, text):
    assert format_memory(nbytes) == text


@pytest.mark.parametrize("us,text", [(12.3454, "12.345us"), (0.0, "0.000us"), (1234.0, "1.234ms"),
                                     (999.9996, "1000.000us"), (1234567.0, "1.235s")])
def test_format_time(us, text):
    assert format_time(us) == text


# ---- exact layout on fixed numbers -----------------------------------------------------

SPEC = [(1, "outer_block", 0.0, 1500.0, None, [], 0),
        (2, "aten::mm", 10.0, 1010.0, 1, [[100, 100], [100, 100]], 40000),
        (3, "aten::add", 1100.0, 1112.345, 1, [[3], [3]], 12),
        (4, "aten::mm", 2000.0, 2002.5, None, [[2, 2], [2, 2]], -2048)]

EXPECTED = """\
---------------  ------------  ------------  ------------  ------------  ------------  ------------  ------------  ------------  ----------------------------  |
           Name    Self CPU %      Self CPU   CPU total %     CPU total  CPU time avg       CPU Mem  Self CPU Mem    # of Calls                  Input Shapes  |
---------------  ------------  ------------  ------------  ------------  ------------  ------------  ------------  ------------  ----------------------------  |
       aten::mm        66.56%       1.000ms        66.56%       1.000ms       1.000ms      39.06 KB      39.06 KB             1      [[100, 100], [100, 100]]  |
    outer_block        32.46%     487.655us        99.83%       1.500ms       1.500ms           0 B     -39.07 KB             1                            []  |
      aten::add         0.82%      12.345us         0.82%      12.345us      12.345us          12 B          12 B             1                    [[3], [3]]  |
       aten::mm         0.17%       2.500us         0.17%       2.500us       2.500us      -2.00 KB      -2.00 KB             1              [[2, 2], [2, 2]]  |
---------------  ------------  ------------  ------------  ------------  ------------  ------------  ------------  ------------  ----------------------------  |
Self CPU time total: 1.502ms|
""".replace("|\n", "\n")


def _fixed_events(module):
    events = module.EventList(profile_memory=True)
    by_id = {}
    for id_, name, start, end, parent, shapes, mem in SPEC:
        e = module.FunctionEvent(id=id_, name=name, thread=1, start_us=start, end_us=end, input_shapes=shapes,
                                 cpu_memory_usage=mem, stack=[])
        by_id[id_] = e
        if parent is not None:
            e.set_cpu_parent(by_id[parent])
            by_id[parent].append_cpu_child(e)
        events.append(e)
    events._tree_built = True  # torch's EventList asks for it
    return events


def test_exact_table_on_fixed_events():
    from gradwire.common import profiling as profiler_util
    avgs = _fixed_events(profiler_util).key_averages(group_by_input_shapes=True)
    assert avgs.table(sort_by="self_cpu_time_total") == EXPECTED


@pytest.mark.parametrize("kwargs", [{}, {"sort_by": "self_cpu_time_total"}, {"sort_by": "cpu_memory_usage",
                                    "row_limit": 2}, {"top_level_events_only": True},
                                    {"header": "HDR", "time_unit": "ms"}])
@pytest.mark.parametrize("group", [None, False, True])
def test_table_matches_torch_on_fixed_events(kwargs, group):
    pytest.importorskip("torch")
    from torch.autograd import profiler_util as tpu
    from gradwire.common import profiling as gpu
    ours, theirs = _fixed_events(gpu), _fixed_events(tpu)
    if group is not None:
        ours, theirs = ours.key_averages(group_by_input_shapes=group), theirs.key_averages(group_by_input_shapes=group)
    assert ours.table(**kwargs) == theirs.table(**kwargs)


# ---- chrome trace --------------------------------------------------------------------

def test_export_chrome_trace(tmp_path):
    prof = _tutorial(record_shapes=True)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    doc = json.loads(path.read_text())
    events = doc["traceEvents"]
    complete = [e for e in events if e["ph"] == "X"]
    assert len(complete) == len(prof.function_events)
    for e in complete:
        assert {"name", "ph", "ts", "dur", "pid", "tid", "args"} <= set(e)
        assert isinstance(e["ts"], (int, float)) and e["dur"] >= 0
    mm = [e for e in complete if e["name"] == "aten::mm"]
    assert len(mm) == 3 and mm[0]["args"]["Input Dims"] == [[100, 100], [100, 100]]
    names = {e["name"] for e in complete}
    assert {"aten::matmul", "MmBackward0", "autograd::engine::evaluate_function: SumBackward0"} <= names
    assert any(e["ph"] == "M" and e["name"] == "thread_name" for e in events)
    # a child event lies inside its parent on the same track
    matmul = next(e for e in complete if e["name"] == "aten::matmul")
    assert matmul["ts"] <= mm[0]["ts"] and mm[0]["ts"] + mm[0]["dur"] <= matmul["ts"] + matmul["dur"] + 0.002
    assert mm[0]["tid"] == matmul["tid"] == threading.get_ident()


def test_event_list_export_chrome_trace(tmp_path):
    prof = _tutorial()
    path = tmp_path / "t.json"
    prof.function_events.export_chrome_trace(str(path))
    assert len([e for e in json.loads(path.read_text())["traceEvents"] if e["ph"] == "X"]) == \
        len(prof.function_events)


# ---- lifecycle and hooks -----------------------------------------------------------------

def test_observer_restored():
    assert observe.watch.observer is None
    prof = profile()
    with prof:
        assert observe.watch.observer is not None
    assert observe.watch.observer is None
    with pytest.raises(RuntimeError, match="Profiler context manager is not reentrant"):
        prof.__enter__()


def test_restored_after_an_exception():
    with pytest.raises(ValueError):
        with profile():
            raise ValueError("boom")
    assert observe.watch.observer is None


def test_disabled_and_unfinished():
    with profile(enabled=False) as prof:
        E.ones(2) + 1.0
    assert prof is None
    p = profile()
    with pytest.raises(RuntimeError, match="Profiler didn't finish running"):
        p.key_averages()
    assert str(p) == "<unfinished torch.autograd.profile>"


def test_empty_profile():
    with profile() as prof:
        pass
    assert prof.key_averages().table() == ""
    assert prof.self_cpu_time_total == 0


def test_use_cuda_warns():
    with pytest.warns(FutureWarning, match="use_cuda"):
        with pytest.warns(UserWarning, match="CUDA is not available, disabling CUDA profiling"):
            profile(use_cuda=True)


def test_previous_observer_is_chained():
    seen = []

    class Watch:
        def forward(self, cls, args):
            seen.append(cls.__name__)
            return _Null()

        def backward(self, node):
            seen.append(node.name())
            return _Null()

        def range(self, name):
            seen.append(name)
            return _Null()

    watch = Watch()
    observe.watch.observer = watch
    try:
        x = E.ones(2, requires_grad=True)
        with profile() as prof:
            (x * 2).sum().backward()
        assert observe.watch.observer is watch
    finally:
        observe.watch.observer = None
    assert seen[:2] == ["Mul", "Sum"] and "MulBackward0" in seen
    assert "aten::mul" in _counts(prof)


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_user_function_row_is_its_class_name():
    class MyFunc(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = E.ones(3, requires_grad=True)
    with profile() as prof:
        MyFunc.apply(x).sum().backward()
    events = prof.function_events
    top = next(e for e in events if e.name == "MyFunc")
    assert [c.name for c in top.cpu_children] == ["aten::mul"]
    assert "autograd::engine::evaluate_function: MyFuncBackward" in {e.name for e in events}
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_aten_names():
    from gradwire.engine.ops import arith, reduce, shape
    assert profiler.aten_name(arith.Pow) == "aten::pow"
    assert profiler.aten_name(arith.Mul) == "aten::mul"
    assert profiler.aten_name(reduce.Sum) == "aten::sum"
    assert profiler.aten_name(shape.T) == "aten::t"

    class LogSoftmax(Function):
        _is_builtin_module = True

    class Renamed(Function):
        _is_builtin_module = True
        aten_name = "aten::special_op"

    assert profiler.aten_name(LogSoftmax) == "aten::log_softmax"
    assert profiler.aten_name(Renamed) == "aten::special_op"
    # variants of one op share its name
    by_op = {cls.op_name: profiler.aten_name(cls) for cls in _all_functions() if cls.op_name}
    assert by_op.get("Pow", "aten::pow") == "aten::pow" and by_op.get("Mean", "aten::mean") == "aten::mean"


def _all_functions():
    out, todo = [], [Function]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            out.append(sub)
            todo.append(sub)
    return out


def test_with_stack_source_location():
    x = E.ones(2)
    with profile(with_stack=True) as prof:
        x * 2
    mul = next(e for e in prof.function_events if e.name == "aten::mul")
    assert mul.stack and "test_profiler.py" in mul.stack[0] and "test_with_stack_source_location" in mul.stack[0]
    table = prof.key_averages(group_by_stack_n=1).table()
    assert "Source Location" in table.splitlines()[1]
    assert "test_with_stack_source_location" in table


def test_records_round_trip():
    prof = _tutorial(record_shapes=True)
    events = prof.function_events
    again = profiler.from_records(json.loads(json.dumps(profiler.to_records(events))))
    assert again.key_averages(group_by_input_shapes=True).table() == \
        events.key_averages(group_by_input_shapes=True).table()
    assert isinstance(again, EventList) and isinstance(again[0], FunctionEvent)
