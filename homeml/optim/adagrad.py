"""Adagrad: per-coordinate step sizes from the sum of past squared gradients (``torch.optim``)."""

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


class Adagrad(Optimizer):
    r"""Adagrad: step sizes shrink with the sum of all past squared gradients.

    At step :math:`t`, for each parameter :math:`\theta` with gradient :math:`g` (negated when
    ``maximize``)::

        g = g + weight_decay * theta
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g**2                  (s starts at initial_accumulator_value)
        theta = theta - lr_t * g / (sqrt(s) + eps)

    Parameters
    ----------
    params : iterable of Tensor or dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1e-2
        Learning rate.
    lr_decay : float, default 0
        Learning-rate decay.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    initial_accumulator_value : float, default 0
        Starting value of the sum of squared gradients.
    eps : float, default 1e-10
        Added to the denominator for numerical stability.
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
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
        **kernel_options: Any,
    ):
        check_kernel_options(type(self).__name__, kernel_options)
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict) -> None:
        # The state exists from the start (as in PyTorch), so state_dict() shows every sum.
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self._init_state(self.state[p], p, group)

    def _check_group(self, group):
        super()._check_group(group)
        _check_range(group, "lr_decay", "lr_decay value", low=0.0)
        _check_range(group, "weight_decay", "weight_decay value", low=0.0)
        _check_range(group, "initial_accumulator_value", "initial_accumulator_value", low=0.0)
        _check_range(group, "eps", "epsilon value", low=0.0)

    @staticmethod
    def _init_state(state, param, group):
        state["step"] = 0.0
        state["sum"] = np.full_like(param._data, float(group["initial_accumulator_value"]))

    def _update(self, param, grad, state, group):
        theta = param._data
        if not state:
            self._init_state(state, param, group)
        state["step"] += 1
        grad = effective_grad(grad, theta, group["maximize"], float(group["weight_decay"]))
        clr = float(group["lr"]) / (1 + (state["step"] - 1) * float(group["lr_decay"]))

        state_sum = state["sum"]
        state_sum += grad * grad
        std = np.sqrt(state_sum)
        std += float(group["eps"])
        theta += -clr * grad / std
