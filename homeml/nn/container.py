"""Containers keyed by name: ``ModuleDict``, ``ParameterList`` and ``ParameterDict``.

They register what they hold as submodules or parameters under their keys (``"0"``, ``"1"``, ...
for the list), so ``state_dict`` keys, ``parameters()`` and ``hm.save`` see them as torch does.
``Sequential`` and ``ModuleList`` live next to ``Module`` in :mod:`homeml.nn.module`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from homeml.nn.module import Module, Parameter
from homeml.tensor import Tensor


def _pairs(values: Any, kind: str) -> Iterable[tuple[str, Any]]:
    """(key, value) pairs from a mapping or an iterable of pairs, keys checked to be strings."""
    items = values.items() if isinstance(values, Mapping) else values
    for item in items:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise TypeError(f"{kind}.update expects a mapping or (key, value) pairs, got {item!r}")
        if not isinstance(item[0], str):
            raise TypeError(f"{kind} keys must be strings, got {type(item[0]).__name__}")
        yield item[0], item[1]


class ModuleDict(Module):
    """Modules held by name, in insertion order; indexable, iterable (keys) like a dict.

    Parameters
    ----------
    modules : mapping or iterable of (str, Module) pairs, optional
        The modules to hold.
    """

    def __init__(self, modules: Any = None):
        super().__init__()
        if modules is not None:
            self.update(modules)
        self._remember()

    def _remember(self) -> None:
        # hm.save rebuilds containers from their call: keep it equal to what they hold now
        object.__setattr__(self, "_init_args", ((dict(self._modules),), {}))

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict holds Modules, got {type(module).__name__} for {key!r}")
        self.add_module(key, module)
        self._remember()

    def __delitem__(self, key: str) -> None:
        del self._modules[key]
        self._remember()

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def pop(self, key: str) -> Module:
        module = self._modules[key]
        del self[key]
        return module

    def clear(self) -> None:
        self._modules.clear()
        self._remember()

    def update(self, modules: Any) -> None:
        for key, module in _pairs(modules, "ModuleDict"):
            self[key] = module


def _as_parameter(value: Any, where: str) -> Parameter:
    """A Parameter as it is; a tensor or array becomes one (requires_grad), as in torch."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, (Tensor, np.ndarray)):
        return Parameter(value)
    raise TypeError(f"{where} holds Parameters or tensors, got {type(value).__name__}")


class ParameterList(Module):
    """Parameters held in a list and registered as ``"0"``, ``"1"``, ...

    Parameters
    ----------
    values : iterable of Parameter or Tensor, optional
        Plain tensors are made Parameters, as in torch.
    """

    def __init__(self, values: Iterable[Any] | None = None):
        super().__init__()
        for value in values or ():
            self.append(value)
        self._remember()

    def _remember(self) -> None:
        # hm.save rebuilds containers from their call: keep it equal to what they hold now
        object.__setattr__(self, "_init_args", ((list(self._parameters.values()),), {}))

    def _index(self, index: int) -> str:
        size = len(self)
        if not -size <= index < size:
            raise IndexError(f"ParameterList index {index} out of range for length {size}")
        return str(index % size)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return ParameterList(list(self)[index])
        return self._parameters[self._index(index)]

    def __setitem__(self, index: int, value: Any) -> None:
        setattr(self, self._index(index), _as_parameter(value, "ParameterList"))
        self._remember()

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def append(self, value: Any) -> ParameterList:
        setattr(self, str(len(self)), _as_parameter(value, "ParameterList"))
        self._remember()
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for value in values:
            self.append(value)
        return self


class ParameterDict(Module):
    """Parameters held by name, in insertion order; indexable, iterable (keys) like a dict.

    Parameters
    ----------
    parameters : mapping or iterable of (str, Parameter or Tensor) pairs, optional
        Plain tensors are made Parameters, as in torch.
    """

    def __init__(self, parameters: Any = None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)
        self._remember()

    def _remember(self) -> None:
        # hm.save rebuilds containers from their call: keep it equal to what they hold now
        object.__setattr__(self, "_init_args", ((dict(self._parameters),), {}))

    def __getitem__(self, key: str) -> Parameter:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__}")
        setattr(self, key, _as_parameter(value, "ParameterDict"))
        self._remember()

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]
        self._remember()

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> Iterable[str]:
        return self._parameters.keys()

    def items(self) -> Iterable[tuple[str, Parameter]]:
        return self._parameters.items()

    def values(self) -> Iterable[Parameter]:
        return self._parameters.values()

    def pop(self, key: str) -> Parameter:
        value = self._parameters[key]
        del self[key]
        return value

    def clear(self) -> None:
        self._parameters.clear()
        self._remember()

    def update(self, parameters: Any) -> None:
        for key, value in _pairs(parameters, "ParameterDict"):
            self[key] = value
