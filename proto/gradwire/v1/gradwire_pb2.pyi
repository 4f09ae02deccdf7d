from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TensorData(_message.Message):
    __slots__ = ("dtype", "shape", "data")
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    dtype: str
    shape: _containers.RepeatedScalarFieldContainer[int]
    data: bytes
    def __init__(self, dtype: _Optional[str] = ..., shape: _Optional[_Iterable[int]] = ..., data: _Optional[bytes] = ...) -> None: ...

class Values(_message.Message):
    __slots__ = ("ints", "floats", "strs", "tensors")
    INTS_FIELD_NUMBER: _ClassVar[int]
    FLOATS_FIELD_NUMBER: _ClassVar[int]
    STRS_FIELD_NUMBER: _ClassVar[int]
    TENSORS_FIELD_NUMBER: _ClassVar[int]
    ints: bytes
    floats: bytes
    strs: _containers.RepeatedScalarFieldContainer[str]
    tensors: _containers.RepeatedCompositeFieldContainer[TensorData]
    def __init__(self, ints: _Optional[bytes] = ..., floats: _Optional[bytes] = ..., strs: _Optional[_Iterable[str]] = ..., tensors: _Optional[_Iterable[_Union[TensorData, _Mapping]]] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("batch_id", "release", "first_seq", "ops", "tape")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEQ_FIELD_NUMBER: _ClassVar[int]
    OPS_FIELD_NUMBER: _ClassVar[int]
    TAPE_FIELD_NUMBER: _ClassVar[int]
    batch_id: int
    release: _containers.RepeatedScalarFieldContainer[int]
    first_seq: int
    ops: _containers.RepeatedScalarFieldContainer[str]
    tape: Values
    def __init__(self, batch_id: _Optional[int] = ..., release: _Optional[_Iterable[int]] = ..., first_seq: _Optional[int] = ..., ops: _Optional[_Iterable[str]] = ..., tape: _Optional[_Union[Values, _Mapping]] = ...) -> None: ...

class ClientMessage(_message.Message):
    __slots__ = ("batch", "callback_result")
    BATCH_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_RESULT_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    callback_result: CallbackResult
    def __init__(self, batch: _Optional[_Union[Batch, _Mapping]] = ..., callback_result: _Optional[_Union[CallbackResult, _Mapping]] = ...) -> None: ...

class CallbackResult(_message.Message):
    __slots__ = ("callback_id", "handles", "python_type", "message")
    CALLBACK_ID_FIELD_NUMBER: _ClassVar[int]
    HANDLES_FIELD_NUMBER: _ClassVar[int]
    PYTHON_TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    callback_id: int
    handles: _containers.RepeatedScalarFieldContainer[int]
    python_type: str
    message: str
    def __init__(self, callback_id: _Optional[int] = ..., handles: _Optional[_Iterable[int]] = ..., python_type: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class TensorMeta(_message.Message):
    __slots__ = ("handle", "shape", "dtype", "requires_grad", "is_leaf", "grad_fn", "device", "is_none", "object_type")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_GRAD_FIELD_NUMBER: _ClassVar[int]
    IS_LEAF_FIELD_NUMBER: _ClassVar[int]
    GRAD_FN_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    IS_NONE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_TYPE_FIELD_NUMBER: _ClassVar[int]
    handle: int
    shape: _containers.RepeatedScalarFieldContainer[int]
    dtype: str
    requires_grad: bool
    is_leaf: bool
    grad_fn: str
    device: str
    is_none: bool
    object_type: str
    def __init__(self, handle: _Optional[int] = ..., shape: _Optional[_Iterable[int]] = ..., dtype: _Optional[str] = ..., requires_grad: _Optional[bool] = ..., is_leaf: _Optional[bool] = ..., grad_fn: _Optional[str] = ..., device: _Optional[str] = ..., is_none: _Optional[bool] = ..., object_type: _Optional[str] = ...) -> None: ...

class CommandError(_message.Message):
    __slots__ = ("seq", "op", "code", "python_type", "message", "caused_by", "callback_id")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    PYTHON_TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CAUSED_BY_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_ID_FIELD_NUMBER: _ClassVar[int]
    seq: int
    op: str
    code: int
    python_type: str
    message: str
    caused_by: int
    callback_id: int
    def __init__(self, seq: _Optional[int] = ..., op: _Optional[str] = ..., code: _Optional[int] = ..., python_type: _Optional[str] = ..., message: _Optional[str] = ..., caused_by: _Optional[int] = ..., callback_id: _Optional[int] = ...) -> None: ...

class CommandResult(_message.Message):
    __slots__ = ("seq", "outputs", "value")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    seq: int
    outputs: _containers.RepeatedCompositeFieldContainer[TensorMeta]
    value: Values
    def __init__(self, seq: _Optional[int] = ..., outputs: _Optional[_Iterable[_Union[TensorMeta, _Mapping]]] = ..., value: _Optional[_Union[Values, _Mapping]] = ...) -> None: ...

class CommandWarning(_message.Message):
    __slots__ = ("seq", "category", "message")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    seq: int
    category: str
    message: str
    def __init__(self, seq: _Optional[int] = ..., category: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class BatchReply(_message.Message):
    __slots__ = ("batch_id", "results", "errors", "warnings", "released_functions", "grad_fns")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    GRAD_FNS_FIELD_NUMBER: _ClassVar[int]
    batch_id: int
    results: _containers.RepeatedCompositeFieldContainer[CommandResult]
    errors: _containers.RepeatedCompositeFieldContainer[CommandError]
    warnings: _containers.RepeatedCompositeFieldContainer[CommandWarning]
    released_functions: _containers.RepeatedScalarFieldContainer[int]
    grad_fns: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, batch_id: _Optional[int] = ..., results: _Optional[_Iterable[_Union[CommandResult, _Mapping]]] = ..., errors: _Optional[_Iterable[_Union[CommandError, _Mapping]]] = ..., warnings: _Optional[_Iterable[_Union[CommandWarning, _Mapping]]] = ..., released_functions: _Optional[_Iterable[int]] = ..., grad_fns: _Optional[_Iterable[str]] = ...) -> None: ...

class Callback(_message.Message):
    __slots__ = ("callback_id", "function_id", "args", "grad_mode")
    CALLBACK_ID_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_ID_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    GRAD_MODE_FIELD_NUMBER: _ClassVar[int]
    callback_id: int
    function_id: int
    args: _containers.RepeatedCompositeFieldContainer[TensorMeta]
    grad_mode: int
    def __init__(self, callback_id: _Optional[int] = ..., function_id: _Optional[int] = ..., args: _Optional[_Iterable[_Union[TensorMeta, _Mapping]]] = ..., grad_mode: _Optional[int] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("task", "done", "total")
    TASK_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    task: str
    done: int
    total: int
    def __init__(self, task: _Optional[str] = ..., done: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class ServerMessage(_message.Message):
    __slots__ = ("reply", "callback", "progress")
    REPLY_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    reply: BatchReply
    callback: Callback
    progress: Progress
    def __init__(self, reply: _Optional[_Union[BatchReply, _Mapping]] = ..., callback: _Optional[_Union[Callback, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ...) -> None: ...

class ServerInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ServerInfoResponse(_message.Message):
    __slots__ = ("protocol_version", "server_version", "devices", "requires_api_key", "max_message_bytes", "chunk_bytes", "session_ttl_seconds", "sessions", "device_info", "default_device", "max_session_bytes")
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SERVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_API_KEY_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CHUNK_BYTES_FIELD_NUMBER: _ClassVar[int]
    SESSION_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_INFO_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_DEVICE_FIELD_NUMBER: _ClassVar[int]
    MAX_SESSION_BYTES_FIELD_NUMBER: _ClassVar[int]
    protocol_version: str
    server_version: str
    devices: _containers.RepeatedScalarFieldContainer[str]
    requires_api_key: bool
    max_message_bytes: int
    chunk_bytes: int
    session_ttl_seconds: float
    sessions: int
    device_info: _containers.RepeatedCompositeFieldContainer[DeviceInfo]
    default_device: str
    max_session_bytes: int
    def __init__(self, protocol_version: _Optional[str] = ..., server_version: _Optional[str] = ..., devices: _Optional[_Iterable[str]] = ..., requires_api_key: _Optional[bool] = ..., max_message_bytes: _Optional[int] = ..., chunk_bytes: _Optional[int] = ..., session_ttl_seconds: _Optional[float] = ..., sessions: _Optional[int] = ..., device_info: _Optional[_Iterable[_Union[DeviceInfo, _Mapping]]] = ..., default_device: _Optional[str] = ..., max_session_bytes: _Optional[int] = ...) -> None: ...

class DeviceInfo(_message.Message):
    __slots__ = ("name", "total_memory", "free_memory")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MEMORY_FIELD_NUMBER: _ClassVar[int]
    FREE_MEMORY_FIELD_NUMBER: _ClassVar[int]
    name: str
    total_memory: int
    free_memory: int
    def __init__(self, name: _Optional[str] = ..., total_memory: _Optional[int] = ..., free_memory: _Optional[int] = ...) -> None: ...

class CreateSessionRequest(_message.Message):
    __slots__ = ("client_version",)
    CLIENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    client_version: str
    def __init__(self, client_version: _Optional[str] = ...) -> None: ...

class CreateSessionResponse(_message.Message):
    __slots__ = ("session_id", "token", "ttl_seconds", "default_device")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_DEVICE_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    token: str
    ttl_seconds: float
    default_device: str
    def __init__(self, session_id: _Optional[str] = ..., token: _Optional[str] = ..., ttl_seconds: _Optional[float] = ..., default_device: _Optional[str] = ...) -> None: ...

class CloseSessionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CloseSessionResponse(_message.Message):
    __slots__ = ("released_handles",)
    RELEASED_HANDLES_FIELD_NUMBER: _ClassVar[int]
    released_handles: int
    def __init__(self, released_handles: _Optional[int] = ...) -> None: ...

class UploadChunk(_message.Message):
    __slots__ = ("handle", "dtype", "shape", "requires_grad", "data")
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_GRAD_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    handle: int
    dtype: str
    shape: _containers.RepeatedScalarFieldContainer[int]
    requires_grad: bool
    data: bytes
    def __init__(self, handle: _Optional[int] = ..., dtype: _Optional[str] = ..., shape: _Optional[_Iterable[int]] = ..., requires_grad: _Optional[bool] = ..., data: _Optional[bytes] = ...) -> None: ...

class UploadResponse(_message.Message):
    __slots__ = ("meta",)
    META_FIELD_NUMBER: _ClassVar[int]
    meta: TensorMeta
    def __init__(self, meta: _Optional[_Union[TensorMeta, _Mapping]] = ...) -> None: ...

class DownloadRequest(_message.Message):
    __slots__ = ("handle",)
    HANDLE_FIELD_NUMBER: _ClassVar[int]
    handle: int
    def __init__(self, handle: _Optional[int] = ...) -> None: ...

class TensorChunk(_message.Message):
    __slots__ = ("dtype", "shape", "data")
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    dtype: str
    shape: _containers.RepeatedScalarFieldContainer[int]
    data: bytes
    def __init__(self, dtype: _Optional[str] = ..., shape: _Optional[_Iterable[int]] = ..., data: _Optional[bytes] = ...) -> None: ...
