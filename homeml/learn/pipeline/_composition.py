"""What Pipeline and ColumnTransformer share: named sub-estimators as parameters, and naming."""

from __future__ import annotations

from collections import Counter

from homeml.learn.base import BaseEstimator, MetaEstimatorMixin


def is_skipped(estimator) -> bool:
    return estimator is None or (
        isinstance(estimator, str) and estimator in ("passthrough", "drop")
    )


class Composition(MetaEstimatorMixin, BaseEstimator):
    """Parameters of an estimator made of named estimators held in a list attribute.

    ``get_params(deep=True)`` lists each sub-estimator under its name and its parameters as
    ``name__param``; ``set_params(name=...)`` replaces a sub-estimator in the list.
    """

    _items_attribute = "steps"

    def _items(self):
        return getattr(self, self._items_attribute)

    def get_params(self, deep: bool = True) -> dict:
        out = super().get_params(deep=False)
        items = self._items()
        if (
            not deep
            or not isinstance(items, (list, tuple))
            or not all(isinstance(i, tuple) and len(i) >= 2 for i in items)
        ):
            return out
        for name, estimator, *_ in self._items():
            out[name] = estimator
            if hasattr(estimator, "get_params") and not isinstance(estimator, type):
                for key, value in estimator.get_params(deep=True).items():
                    out[f"{name}__{key}"] = value
        return out

    def set_params(self, **params):
        if self._items_attribute in params:
            setattr(self, self._items_attribute, params.pop(self._items_attribute))
        items = self._items()
        if not isinstance(items, (list, tuple)) or not all(isinstance(i, tuple) for i in items):
            return super().set_params(**params)  # invalid: fit will say so
        names = [item[0] for item in items]
        for name in [key for key in params if key in names]:
            items = list(self._items())
            index = names.index(name)
            items[index] = (name, params.pop(name), *items[index][2:])
            setattr(self, self._items_attribute, items)
        return super().set_params(**params)

    def _check_names(self, names) -> None:
        duplicates = [n for n, count in Counter(names).items() if count > 1]
        if duplicates:
            raise ValueError(f"Names provided are not unique: {list(names)!r}")
        clashes = set(names) & set(self._get_param_names())
        if clashes:
            raise ValueError(
                f"Estimator names conflict with constructor arguments: {sorted(clashes)!r}"
            )
        bad = [n for n in names if "__" in n]
        if bad:
            raise ValueError(f"Estimator names must not contain __: got {bad!r}")


def name_estimators(estimators) -> list[tuple]:
    """Name each estimator by its lower-cased class name, numbering repeats ``name-1, name-2``."""
    names = [e if isinstance(e, str) else type(e).__name__.lower() for e in estimators]
    counts = Counter(names)
    seen: Counter = Counter()
    out = []
    for name, estimator in zip(names, estimators):
        if counts[name] > 1:
            seen[name] += 1
            name = f"{name}-{seen[name]}"
        out.append((name, estimator))
    return out
