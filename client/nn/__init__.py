"""gradwire.nn: Modules on the client, their tensors and ops on the server."""
from . import functional, init, utils  # noqa: F401
from .modules import (BCEWithLogitsLoss, CrossEntropyLoss, Dropout, Embedding, Flatten, GELU, Identity, L1Loss,
                      LayerNorm, Linear, LogSoftmax, LSTM, LSTMCell, GRU, GRUCell, RNN, RNNBase, RNNCell,
                      RNNCellBase, Module, ModuleDict, ModuleList, MSELoss, NLLLoss,
                      ParameterList, ReLU, Sequential,
                      Sigmoid, Softmax, Tanh, SiLU, LeakyReLU, ELU, Softplus, BCELoss, SmoothL1Loss, HuberLoss,
                      KLDivLoss, Conv1d, Conv2d, MaxPool2d, AvgPool2d,
                      AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, Hardtanh, ReLU6, LogSigmoid, Softsign)
from .modules import (CELU, GLU, SELU, Bilinear, CosineSimilarity, GroupNorm, Hardshrink, Hardsigmoid, Hardswish,
                      InstanceNorm1d, InstanceNorm2d, Mish, PairwiseDistance, ParameterDict, PReLU, RMSNorm, RReLU,
                      Softmax2d, Softmin, Softshrink, Tanhshrink, Threshold, Unflatten)
from .modules import (AdaptiveAvgPool1d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d, CircularPad1d, CircularPad2d,
                      ChannelShuffle, ConstantPad1d, ConstantPad2d, MaxPool1d, PixelShuffle, PixelUnshuffle,
                      ReflectionPad1d, ReflectionPad2d, ReplicationPad1d, ReplicationPad2d,
                      Upsample, UpsamplingBilinear2d, UpsamplingNearest2d, ZeroPad1d, ZeroPad2d)
from .modules import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, MarginRankingLoss,
                      MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss, PoissonNLLLoss, SoftMarginLoss,
                      TripletMarginLoss)
from .modules import (ConvTranspose1d, ConvTranspose2d)
from .modules import (LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool2d, TripletMarginWithDistanceLoss)
from .modules import (AlphaDropout, BatchNorm3d, SyncBatchNorm, EmbeddingBag, LocalResponseNorm, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout, MultiLabelMarginLoss)
from .modules import (Fold, Unfold)
from .modules import (MultiheadAttention, TransformerEncoder, TransformerEncoderLayer)
from .modules import (Transformer, TransformerDecoder, TransformerDecoderLayer)
from .modules import LazyConv1d, LazyConv2d, LazyLinear, LazyModuleMixin
from .modules import (AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, CircularPad3d, ConstantPad3d, Conv3d,
                      ConvTranspose3d, InstanceNorm3d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d,
                      LazyConvTranspose3d, LPPool3d, MaxPool3d, MaxUnpool3d, ReflectionPad3d, ReplicationPad3d,
                      ZeroPad3d)
from .modules import Container, CrossMapLRN2d
from .modules import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyInstanceNorm1d,
                      LazyInstanceNorm2d, LazyInstanceNorm3d)
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .modules import AdaptiveLogSoftmaxWithLoss, CTCLoss, FractionalMaxPool2d

__all__ = ["Module", "Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "Container", "CrossMapLRN2d", "LazyBatchNorm1d",
           "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyConv1d", "LazyConv2d", "LazyLinear",
           "LazyModuleMixin", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "Linear", "ReLU",
           "Tanh", "Sigmoid", "GELU",
           "Dropout", "Embedding", "LayerNorm", "LSTM", "LSTMCell", "GRU", "GRUCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase",
           "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss",
           "BCEWithLogitsLoss", "Softmax", "LogSoftmax", "Identity", "Flatten", "functional", "init", "utils",
           "SiLU", "LeakyReLU", "ELU", "Softplus", "BCELoss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "Conv1d", "Conv2d",
           "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d", "Hardtanh", "ReLU6", "LogSigmoid",
           "Softsign",
           "CELU", "GLU", "SELU", "Bilinear", "CosineSimilarity", "GroupNorm", "Hardshrink", "Hardsigmoid", "Hardswish",
           "InstanceNorm1d", "InstanceNorm2d", "Mish", "PairwiseDistance", "ParameterDict", "PReLU", "RMSNorm", "RReLU",
           "Softmax2d", "Softmin", "Softshrink", "Tanhshrink", "Threshold", "Unflatten",
           "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AvgPool1d", "CircularPad1d",
           "CircularPad2d", "ConstantPad1d", "ConstantPad2d", "MaxPool1d", "PixelShuffle", "PixelUnshuffle",
           "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "Upsample",
           "UpsamplingBilinear2d", "UpsamplingNearest2d", "ZeroPad1d", "ZeroPad2d",
           "CosineEmbeddingLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "MarginRankingLoss",
           "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "PoissonNLLLoss", "SoftMarginLoss",
           "TripletMarginLoss",
           "ConvTranspose1d", "ConvTranspose2d",
           "ChannelShuffle", "LPPool1d", "LPPool2d", "MaxUnpool1d", "MaxUnpool2d", "TripletMarginWithDistanceLoss",
           "AlphaDropout", "BatchNorm3d", "SyncBatchNorm", "EmbeddingBag", "LocalResponseNorm", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout",
           "Fold", "Unfold",
           "MultiheadAttention", "TransformerEncoder", "TransformerEncoderLayer",
           "Transformer", "TransformerDecoder", "TransformerDecoderLayer",
           "Conv3d", "ConvTranspose3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "LPPool3d",
           "MaxUnpool3d", "InstanceNorm3d", "ConstantPad3d", "ZeroPad3d", "ReflectionPad3d", "ReplicationPad3d",
           "CircularPad3d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "AdaptiveLogSoftmaxWithLoss", "CTCLoss", "FractionalMaxPool2d"]
from . import parallel  # noqa: E402,F401 - after .modules, which it builds on
from .parallel import DataParallel  # noqa: E402,F401
