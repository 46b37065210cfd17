"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from homeml.optim.optimizer import Optimizer, _check_range, check_kernel_options, effective_grad

if TYPE_CHECKING:
    from homeml.optim.optimizer import ParamsT


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), as ``torch.optim.Adadelta`` computes it.

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``)::

        g = g + weight_decay * theta
        v = rho * v + (1 - rho) * g**2                       (v starts at 0)
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta**2                   (u starts at 0)
        theta = theta - lr * delta

    Parameters
    ----------
    params : iterable of Tensor or dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1.0
        Scale of the update.
    rho : float, default 0.9
        Decay of both running averages, in [0, 1].
    eps : float, default 1e-6
        Added inside both square roots.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    maximize : bool, default False
        Maximize the objective instead of minimizing it.
    foreach, capturable, differentiable : optional
        torch's implementation switches, accepted so PyTorch code ports unchanged.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
        **kernel_options: Any,
    ):
        check_kernel_options(type(self).__name__, kernel_options)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        _check_range(group, "rho", "rho value", low=0.0, high=1.0)
        _check_range(group, "eps", "epsilon value", low=0.0)
        _check_range(group, "weight_decay", "weight_decay value", low=0.0)

    def _update(self, param, grad, state, group):
        theta = param._data
        if not state:
            state["step"] = 0.0
            state["square_avg"] = np.zeros_like(theta)
            state["acc_delta"] = np.zeros_like(theta)
        state["step"] += 1
        rho, eps = float(group["rho"]), float(group["eps"])
        grad = effective_grad(grad, theta, group["maximize"], float(group["weight_decay"]))

        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        std = np.sqrt(square_avg + eps)
        delta = np.sqrt(acc_delta + eps)
        delta /= std
        delta *= grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        theta += -float(group["lr"]) * delta
