"""Stochastic gradient descent with optional (Nesterov) momentum, as in ``torch.optim.SGD``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from homeml.optim.optimizer import (
    Optimizer,
    _check_range,
    check_kernel_options,
    effective_grad,
)

if TYPE_CHECKING:
    from homeml.optim.optimizer import ParamsT


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum.

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``)::

        g = g + weight_decay * theta
        b = g                                   (first step)
        b = momentum * b + (1 - dampening) * g  (later steps)
        g = g + momentum * b  if nesterov  else  b
        theta = theta - lr * g

    Parameters
    ----------
    params : iterable of Tensor or dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1e-3
        Learning rate.
    momentum : float, default 0
        Momentum factor (0 disables the momentum buffer).
    dampening : float, default 0
        Dampening for momentum.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    nesterov : bool, default False
        Use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    maximize : bool, default False
        Maximize the objective instead of minimizing it.
    foreach, fused, capturable, differentiable : optional
        torch's implementation switches, accepted so PyTorch code ports unchanged; they change
        nothing here (``differentiable=True`` is refused).

    Examples
    --------
    >>> optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)  # doctest: +SKIP
    >>> optimizer.zero_grad(); loss_fn(model(x), y).backward(); optimizer.step()  # doctest: +SKIP
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        **kernel_options: Any,
    ):
        check_kernel_options(type(self).__name__, kernel_options)
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        _check_range(group, "momentum", "momentum value", low=0.0)
        _check_range(group, "weight_decay", "weight_decay value", low=0.0)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _update(self, param, grad, state, group):
        lr, momentum = float(group["lr"]), float(group["momentum"])
        theta = param._data
        grad = effective_grad(grad, theta, group["maximize"], float(group["weight_decay"]))
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, dtype=theta.dtype)
            else:
                buf *= momentum
                buf += (1 - float(group["dampening"])) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        theta -= lr * grad
