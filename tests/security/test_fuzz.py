"""Mutated real model files (a network, an estimator, an agent): bit flips, truncations and
splices give ModelFileError or the identical model, never anything else; edits of the JSON that a
crafter re-signs give ModelFileError or a model, never another exception. Derandomized."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from security_models import MAKERS
from support import split_file, write_file

import homeml as hm
from homeml.io import ModelFileError

FAMILIES = sorted(MAKERS)


def fingerprint(obj):
    """What must come back identical: a network's tensors, an estimator's predictions, an
    agent's learned values."""
    if isinstance(obj, hm.nn.Module):
        return {k: v.numpy() for k, v in obj.state_dict().items()}
    if hasattr(obj, "predict_proba"):
        X = np.random.default_rng(1).standard_normal((20, 3))
        return {"proba": obj.predict_proba(X), "classes": obj.classes_}
    return {k: np.asarray(v) for k, v in vars(obj).items() if k.endswith("_") and k != "_rng"}


def same(a, b) -> bool:
    return a.keys() == b.keys() and all(
        np.asarray(a[k]).shape == np.asarray(b[k]).shape
        and np.array_equal(np.asarray(a[k]), np.asarray(b[k]))
        for k in a
    )


def mutations(raw: bytes, other: bytes, rng: random.Random):
    for _ in range(60):  # bit flips, one to three
        data = bytearray(raw)
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        yield "flip", bytes(data)
    for _ in range(20):
        yield "truncate", raw[: rng.randrange(len(raw))]
    for _ in range(20):  # the head of one file on the tail of another
        cut = rng.randrange(len(raw))
        yield "splice", raw[:cut] + other[rng.randrange(len(other)) :]


@pytest.mark.parametrize("family", FAMILIES)
def test_damaged_files_are_refused_or_identical(model_files, tmp_path, family):
    obj, path = model_files[family]
    want = fingerprint(hm.load(path))
    assert same(want, fingerprint(obj))
    other = model_files[FAMILIES[(FAMILIES.index(family) + 1) % 3]][1].read_bytes()
    rng = random.Random(f"damage-{family}")
    target, outcomes = tmp_path / "mutant.safetensors", {}
    for how, data in mutations(path.read_bytes(), other, rng):
        target.write_bytes(data)
        try:
            got = hm.load(target)
        except ModelFileError:
            outcomes[how, "refused"] = outcomes.get((how, "refused"), 0) + 1
            continue
        assert same(fingerprint(got), want), f"a {how} loaded as another model"
        outcomes[how, "identical"] = outcomes.get((how, "identical"), 0) + 1
    assert sum(outcomes.values()) == 100


ODD_VALUES = [
    None,
    True,
    -1,
    0,
    2**70,
    -(2**63),
    1e308,
    "x",
    "",
    [],
    {},
    [[]],
    [1, "a"],
    {"a": 1},
    {"__array__": "a0"},
    {"__array__": "zz"},
    {"__tuple__": 5},
    {"__items__": [[1]]},
    {"__items__": [[[1], 2]]},
    {"__float__": "1e999"},
    {"__estimator__": {}},
    {"__list_array__": [1], "dtype": "V8", "shape": [1]},
    {"__dtype__": "V1000000"},
    {"__object__": "tree._tree.Tree", "state": {"__class__": 1}},
    {"__random_state__": [1]},
    {"__module__": {"class": "nn.Linear", "args": [3, 3]}},
    {"__schedule__": "Nope"},
]


def leaves(tree, where=()):
    """Paths to every value in a JSON tree."""
    yield where
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from leaves(v, (*where, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from leaves(v, (*where, i))


def replaced(tree, where, value):
    if not where:
        return value
    tree = json.loads(json.dumps(tree))
    node = tree
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    return tree


@pytest.mark.parametrize("family", FAMILIES)
def test_resigned_json_edits_are_refused_or_load(model_files, tmp_path, family):
    _, path = model_files[family]
    header, data = split_file(path)
    info = json.loads(header["__metadata__"]["homeml"])
    paths = [p for p in leaves(info) if p[:1] != ("format",)]
    rng = random.Random(f"json-{family}")
    target = tmp_path / "edited.safetensors"
    refused = 0
    for _ in range(80):
        edited = replaced(info, rng.choice(paths), rng.choice(ODD_VALUES))
        header["__metadata__"]["homeml"] = json.dumps(edited)
        write_file(target, header, data, resign=True)
        try:
            hm.load(target)
        except ModelFileError:
            refused += 1
    assert refused > 0
