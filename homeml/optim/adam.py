"""Adam and AdamW (decoupled weight decay), as in ``torch.optim.Adam`` and ``torch.optim.AdamW``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from homeml.optim.optimizer import (
    Optimizer,
    _check_range,
    check_kernel_options,
    effective_grad,
    lerp_,
)

if TYPE_CHECKING:
    from homeml.optim.optimizer import ParamsT


class Adam(Optimizer):
    r"""Adam: adaptive moment estimation, optionally AMSGrad.

    At step :math:`t`, for each parameter :math:`\theta` with gradient :math:`g` (negated when
    ``maximize``)::

        theta = theta * (1 - lr * weight_decay)   if decoupled_weight_decay (AdamW)
        g = g + weight_decay * theta              otherwise
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_max = max(v_max, v)                     (amsgrad: v_max replaces v below)
        theta = theta - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Parameters
    ----------
    params : iterable of Tensor or dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1e-3
        Learning rate.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moment estimates, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        L2 penalty (added to the gradient, or decoupled: see ``decoupled_weight_decay``).
    amsgrad : bool, default False
        Use the running maximum of the second moment (AMSGrad).
    maximize : bool, default False
        Maximize the objective instead of minimizing it.
    foreach, fused, capturable, differentiable : optional
        torch's implementation switches, accepted so PyTorch code ports unchanged; they change
        nothing here (``differentiable=True`` is refused).
    decoupled_weight_decay : bool, default False
        Shrink the parameters directly instead of adding the penalty to the gradient (AdamW).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
        **kernel_options: Any,
    ):
        check_kernel_options(type(self).__name__, kernel_options)
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        _check_range(group, "eps", "epsilon value", low=0.0)
        _check_range(group, "weight_decay", "weight_decay value", low=0.0)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair of floats, got {betas!r}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta!r} (expected [0, 1))")

    def _update(self, param, grad, state, group):
        theta = param._data
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = np.zeros_like(theta)
            state["exp_avg_sq"] = np.zeros_like(theta)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(theta)
        lr, weight_decay = float(group["lr"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        state["step"] += 1
        step = state["step"]

        if group["decoupled_weight_decay"]:
            grad = effective_grad(grad, theta, group["maximize"], 0.0)
            if weight_decay != 0:
                theta *= 1 - lr * weight_decay
        else:
            grad = effective_grad(grad, theta, group["maximize"], weight_decay)

        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2
        scratch = grad * (1 - beta2)  # (1 - beta2) * grad * grad, in that order
        scratch *= grad
        exp_avg_sq += scratch

        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        if group["amsgrad"]:
            second = state["max_exp_avg_sq"]
            np.maximum(second, exp_avg_sq, out=second)
        else:
            second = exp_avg_sq
        denom = np.sqrt(second)
        denom /= bias_correction2_sqrt
        denom += float(group["eps"])
        scratch = exp_avg * -step_size  # -step_size * exp_avg / denom, in that order
        scratch /= denom
        theta += scratch


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay (``theta *= 1 - lr * weight_decay`` each step).

    Parameters
    ----------
    params : iterable of Tensor or dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1e-3
        Learning rate.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moment estimates, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 1e-2
        Decoupled weight decay coefficient.
    amsgrad : bool, default False
        Use the running maximum of the second moment (AMSGrad).
    maximize : bool, default False
        Maximize the objective instead of minimizing it.
    foreach, fused, capturable, differentiable : optional
        torch's implementation switches, accepted so PyTorch code ports unchanged; they change
        nothing here (``differentiable=True`` is refused).

    See Also
    --------
    Adam : the update, in detail.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        **kernel_options: Any,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
            **kernel_options,
        )
