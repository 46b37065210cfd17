"""``Optimizer``: the base of every optimizer, with PyTorch's ``torch.optim.Optimizer`` interface.

An optimizer holds ``param_groups`` (a list of dicts: ``'params'`` plus hyperparameters such as
``'lr'``, which schedulers and users may change between steps) and ``state`` (a dict per
parameter: moment estimates, step counts). Updates work on the parameters' NumPy arrays in place,
outside the autograd graph, so models keep their references to the same arrays.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from homeml.autograd import enable_grad
from homeml.tensor import Tensor

# what an optimizer takes: tensors, or dicts of options each with its 'params'
ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]

_SET_MESSAGE = (
    "optimizer parameters need an ordered collection (a set's order changes between runs, and "
    "state_dict() identifies parameters by position); use a list instead"
)


class Optimizer:
    """Base class for optimizers.

    Parameters
    ----------
    params : iterable of Tensor, of (name, Tensor) pairs, or of dict
        The tensors to optimize, or parameter groups: dicts with a ``'params'`` entry and
        hyperparameters that override ``defaults`` for that group.
    defaults : dict
        Hyperparameters used by groups that do not set their own.

    Notes
    -----
    Subclasses implement ``_update(param, grad, state, group)``, which changes ``param._data`` in
    place from ``grad`` (the gradient array, never to be modified) and the parameter's ``state``
    dict; :meth:`step` calls it for every parameter whose ``grad`` is not None. Subclasses may
    also override ``_check_group(group)`` to reject invalid hyperparameters with a ValueError.
    """

    def __init__(self, params: ParamsT, defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError(
                "params given to the optimizer should be an iterable of Tensors or dicts, "
                f"got a single {type(params).__name__} (wrap it in a list)"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        self.defaults = dict(defaults)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones use ``defaults``).

        Raises
        ------
        TypeError
            When ``param_group`` is not a dict, its params are a set or are not tensors.
        ValueError
            When a parameter is given twice (in this group or already in another one), is not a
            leaf tensor, or a hyperparameter is invalid (e.g. a negative learning rate).
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group needs a 'params' entry (the tensors to optimize)")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError("give either all parameters with names or none of them")
            params = [p[1] for p in params]
            group["param_names"] = names
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but parameter {i} is a "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (parameter {i})")
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)

        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if id(p) in seen:
                raise ValueError(
                    f"parameter {i} of the new group (shape {p.shape}) is given twice: each "
                    "parameter may appear only once across all parameter groups"
                )
            seen.add(id(p))
        if self.param_groups and ("param_names" in group) != (
            "param_names" in self.param_groups[0]
        ):
            raise ValueError("all parameter groups should be given either with or without names")
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict) -> None:
        """Raise ValueError for an invalid hyperparameter of ``group`` (subclasses add checks)."""
        _check_range(group, "lr", "learning rate", low=0.0)

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        Parameters
        ----------
        set_to_none : bool, default True
            Set ``grad`` to None (the next step then skips parameters that got no gradient);
            otherwise fill the existing gradients with zeros in place.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad._data.flags.writeable:
                    p.grad._data[...] = 0
                else:  # a read-only view: give the parameter its own zeroed array
                    p.grad = Tensor._make(np.zeros_like(p._data))

    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Perform one optimization step on every parameter whose ``grad`` is not None.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss (run with gradients enabled).

        Returns
        -------
        The closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, p.grad._data, self.state[p], group)
        return loss

    def _update(self, param: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define _update()")

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        """The optimizer's state, with parameters replaced by their position.

        Returns
        -------
        dict
            ``{'state': {index: {name: ndarray or number}}, 'param_groups': [{hyperparameters...,
            'params': [index, ...]}]}``, where indices count the parameters across groups in
            order (PyTorch's layout). Arrays are copies: a snapshot that later steps leave alone.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index[id(p)] = len(index)
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {
            index[id(p)]: {k: _copy_value(v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index and s
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a state made by :meth:`state_dict` (hyperparameters included), copying arrays.

        Raises
        ------
        ValueError
            When the numbers of groups or of parameters per group differ from this optimizer's,
            a state entry names no parameter, or a state array's shape differs from its
            parameter's.
        """
        if not isinstance(state_dict, dict):
            raise ValueError(f"an optimizer state_dict is a dict, got {type(state_dict).__name__}")
        if not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError(
                "an optimizer state_dict has 'state' and 'param_groups' entries, got keys "
                f"{sorted(state_dict)}"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter groups, the optimizer has "
                f"{len(self.param_groups)}"
            )
        params_by_index: dict[int, Tensor] = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"loaded state dict's parameter group {i} has {len(saved['params'])} "
                    f"parameters, the optimizer's group has {len(group['params'])}"
                )
            params_by_index.update(zip(saved["params"], group["params"]))

        state: defaultdict[Tensor, dict] = defaultdict(dict)
        for key, values in state_dict["state"].items():
            if key not in params_by_index:
                raise ValueError(
                    f"loaded state dict has state for parameter {key!r}, "
                    "which no parameter group lists"
                )
            param = params_by_index[key]
            state[param] = {
                name: _cast_value(value, param, name, key) for name, value in values.items()
            }
        groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new_group = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                new_group["param_names"] = group["param_names"]
            groups.append(new_group)
        self.state = state
        self.param_groups = groups

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"


# ---------------------------------------------------------------------- helpers for subclasses
_KERNEL_OPTIONS = ("foreach", "fused", "capturable", "differentiable")


def check_kernel_options(owner: str, options: dict) -> None:
    """Accept torch's implementation switches (``foreach``, ``fused``, ``capturable``,
    ``differentiable``) so PyTorch code ports unchanged; they pick torch's kernels and change no
    result, except ``differentiable=True`` (autograd through the step), which homeml lacks.
    """
    for name in options:
        if name not in _KERNEL_OPTIONS:
            raise TypeError(f"{owner}.__init__() got an unexpected keyword argument {name!r}")
    if options.get("differentiable"):
        raise NotImplementedError(
            f"{owner}: differentiable=True (gradients through the optimizer step) is not "
            "supported; homeml updates the parameters outside the autograd graph"
        )


def _check_range(group, key, what, low=None, high=None, high_open=False):
    """Raise ValueError unless ``low <= group[key]`` (and ``<= high``, or ``< high``)."""
    value = group[key]
    bad = (low is not None and not value >= low) or (
        high is not None and not (value < high if high_open else value <= high)
    )
    if bad:
        bounds = f">= {low}" if high is None else f"in [{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"Invalid {what}: {key}={value!r} (expected {bounds})")


def effective_grad(grad, param, maximize, weight_decay):
    """The gradient an update uses: negated when maximizing, plus the L2 term ``wd * param``.

    ``grad`` itself is never modified (a new array is returned when anything changes).
    """
    if maximize:
        grad = -grad
    if weight_decay != 0:
        grad = grad + weight_decay * param
    return grad


def lerp_(start, end, weight):
    """``start += weight * (end - start)`` in place, with PyTorch's two-sided ``lerp`` formula."""
    if weight < 0.5:
        step = end - start
        step *= weight
        start += step
    else:
        np.subtract(end, (end - start) * (1 - weight), out=start)
    return start


def _copy_value(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, Tensor):
        return value._data.copy()
    return copy.deepcopy(value)


def _cast_value(value, param, name, index):
    """A copy of a saved state value: arrays take the parameter's dtype (except ``step``)."""
    if isinstance(value, Tensor):
        value = value._data
    if not isinstance(value, np.ndarray):
        return copy.deepcopy(value)
    if name == "step":
        return value.item() if value.ndim == 0 else value.copy()
    if value.shape != param.shape:
        raise ValueError(
            f"loaded state {name!r} of parameter {index} has shape {value.shape}, the parameter "
            f"has shape {param.shape}"
        )
    dtype = param.dtype if param.dtype.kind == "f" else value.dtype
    return np.array(value, dtype=dtype)
