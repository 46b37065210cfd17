"""RMSprop: per-coordinate step sizes from a running mean of squared gradients (``torch.optim``)."""

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


class RMSprop(Optimizer):
    r"""RMSprop: divide the gradient by a running root mean square of recent gradients.

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``)::

        g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g**2
        avg = sqrt(v - gbar**2) + eps, gbar = alpha * gbar + (1 - alpha) * g   if centered
        avg = sqrt(v) + eps                                                     otherwise
        b = momentum * b + g / avg;  theta = theta - lr * b    if momentum > 0
        theta = theta - lr * g / avg                           otherwise

    Parameters
    ----------
    params : iterable of Tensor or dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1e-2
        Learning rate.
    alpha : float, default 0.99
        Smoothing constant of the squared-gradient average.
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    momentum : float, default 0
        Momentum factor.
    centered : bool, default False
        Normalize by an estimate of the gradient's variance instead of its second moment.
    maximize : bool, default False
        Maximize the objective instead of minimizing it.
    foreach, fused, capturable, differentiable : optional
        torch's implementation switches, accepted so PyTorch code ports unchanged; they change
        nothing here (``differentiable=True`` is refused).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
        **kernel_options: Any,
    ):
        check_kernel_options(type(self).__name__, kernel_options)
        defaults = dict(
            lr=lr,
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        _check_range(group, "eps", "epsilon value", low=0.0)
        _check_range(group, "momentum", "momentum value", low=0.0)
        _check_range(group, "weight_decay", "weight_decay value", low=0.0)
        _check_range(group, "alpha", "alpha value", low=0.0)

    def _update(self, param, grad, state, group):
        theta = param._data
        if not state:
            state["step"] = 0.0
            state["square_avg"] = np.zeros_like(theta)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(theta)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(theta)
        lr, alpha, momentum = float(group["lr"]), float(group["alpha"]), float(group["momentum"])
        state["step"] += 1
        grad = effective_grad(grad, theta, group["maximize"], float(group["weight_decay"]))

        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = lerp_(state["grad_avg"], grad, 1 - alpha)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += float(group["eps"])

        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            theta -= lr * buf
        else:
            theta += -lr * grad / avg
