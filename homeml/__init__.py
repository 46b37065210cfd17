"""homeml: a homemade machine-learning stack on NumPy, shaped like PyTorch and scikit-learn.

``import homeml as hm`` gives the tensor engine: ``hm.tensor``, ``hm.Tensor``, ``hm.no_grad``,
factories, and the differentiable operations as functions (``hm.exp``, ``hm.cat``, ...).
"""

from homeml.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from homeml.device import device
from homeml.dtypes import (
    bfloat16,
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    uint8,
)
from homeml.tensor import Function, Tensor
from homeml.creation import (
    Generator,
    arange,
    as_tensor,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from homeml.ops.elementwise import (
    abs,
    add,
    clamp,
    clip,
    cos,
    div,
    exp,
    gelu,
    leaky_relu,
    log,
    masked_fill,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sin,
    softplus,
    sqrt,
    sub,
    tanh,
    where,
)
from homeml.io import load, save
from homeml.ops.linalg import addmm, bmm, matmul, mm
from homeml.ops.logical import allclose
from homeml.ops.movement import (
    cat,
    chunk,
    concat,
    concatenate,
    expand,
    flatten,
    flip,
    gather,
    index_select,
    pad,
    permute,
    repeat,
    reshape,
    roll,
    split,
    squeeze,
    stack,
    transpose,
    tril,
    triu,
    unsqueeze,
)
from homeml.ops.reduce import (
    amax,
    amin,
    argmax,
    argmin,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    std,
    sum,
    var,
)

# Subpackages reachable as attributes, like torch.nn and torch.optim after `import torch`.
from homeml import (  # noqa: E402  (they import the names above)
    accelerator,
    amp,
    autograd,
    backends,
    cuda,
    data,
    linalg,
    nn,
    optim,
    utils,
)

autocast = amp.autocast


def compile(model=None, **options):  # noqa: A001 - PyTorch's name
    """``torch.compile``: homeml has no compiler, so the model (or function) is returned as it
    is; also usable as ``@homeml.compile`` and ``@homeml.compile(...)``."""
    if model is None:
        return lambda fn: fn
    return model


__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
