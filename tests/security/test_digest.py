"""The digest covers the tensor table and every JSON part, not only the array bytes
(regression: ReLU flipped to Tanh, F32 relabelled I32 or coef_ replaced by a string loaded
silently), and integer tensors are refused for float parameters even in a re-signed file."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from support import edit_homeml_info, split_file, write_file

import homeml as hm
from homeml import nn
from homeml.io import FORMAT_VERSION, ModelFileError


@pytest.fixture
def copy(model_files, tmp_path):
    def make(family):
        return shutil.copy(model_files[family][1], tmp_path / f"{family}.safetensors")

    return make


def _first_relu_to_tanh(info):
    layers = info["architecture"]["args"]
    for layer in layers:
        if layer["__module__"]["class"] == "nn.ReLU":
            layer["__module__"]["class"] = "nn.Tanh"
            return
    raise AssertionError("no ReLU in the test network")


JSON_EDITS = {
    "network kind": ("network", lambda info: info.update(kind="object")),
    "network architecture": ("network", _first_relu_to_tanh),
    "network metadata": ("network", lambda info: info["metadata"].update(classes=["x", "y", "z"])),
    "network version field": ("network", lambda info: info.update(extra=1)),
    "estimator state": (
        "estimator",
        lambda info: info["estimator"]["state"].update(coef_="not an array"),
    ),
    "estimator params": ("estimator", lambda info: info["estimator"]["params"].update(C=5.0)),
    "estimator metadata": ("estimator", lambda info: info["metadata"].clear()),
    "agent params": ("agent", lambda info: info["params"].update(gamma=0.5)),
    "agent state": ("agent", lambda info: info.update(state={})),
    "agent metadata": ("agent", lambda info: info.update(metadata={"classes": []})),
}


@pytest.mark.parametrize("edit", sorted(JSON_EDITS))
def test_editing_any_json_part_is_detected(copy, edit):
    family, change = JSON_EDITS[edit]
    path = copy(family)
    hm.load(path)
    edit_homeml_info(path, change, resign=False)
    with pytest.raises(ModelFileError, match="checksum") as error:
        hm.load(path)
    assert str(path) in str(error.value)


def _relabel(field, value):
    def change(entry):
        entry[field] = value(entry)

    return change


TABLE_EDITS = {
    "F32 relabelled I32": _relabel("dtype", lambda e: "I32"),
    "shape changed": _relabel("shape", lambda e: [int(np.prod(e["shape"]))]),
    "name changed": None,
}


@pytest.mark.parametrize("edit", sorted(TABLE_EDITS))
def test_editing_the_tensor_table_is_detected(copy, edit):
    path = copy("network")
    header, data = split_file(path)
    name = next(k for k in header if k.endswith("0.weight"))
    if TABLE_EDITS[edit] is None:
        header["renamed"] = header.pop(name)
    else:
        TABLE_EDITS[edit](header[name])
    write_file(path, header, data)
    with pytest.raises(ModelFileError, match="checksum"):
        hm.load(path)


def test_integer_tensors_for_float_parameters_are_refused_even_when_resigned(tmp_path):
    path = tmp_path / "int.safetensors"
    model = nn.Linear(2, 2)
    hm.save(model, path)
    header, data = split_file(path)
    header["weight"]["dtype"] = "I32"  # same 4-byte items, another meaning
    write_file(path, header, data, resign=True)
    with pytest.raises(ModelFileError, match="weight is stored as int32"):
        hm.load(path)


def test_files_of_the_first_format_version_are_refused_with_the_way_out(copy):
    path = copy("network")
    edit_homeml_info(path, lambda info: info.update(format_version=1))
    with pytest.raises(ModelFileError, match="save it again") as error:
        hm.load(path)
    assert "version 1" in str(error.value) and FORMAT_VERSION == 2


def test_the_digest_is_stored_beside_the_json_it_covers(copy):
    header, _ = split_file(copy("estimator"))
    strings = header["__metadata__"]
    assert set(strings) == {"homeml", "homeml_sha256"}
    assert json.loads(strings["homeml"])["kind"] == "learn.estimator"
    assert len(strings["homeml_sha256"]) == 64
