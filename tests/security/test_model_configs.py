"""Config dataclasses in a network file resolve through homeml.models.CONFIGS only: an unknown
name, a field the dataclass lacks or a private dataclass are refused, and nothing is imported."""

from __future__ import annotations

import dataclasses
import json

import pytest
from support import edit_homeml_info

import homeml as hm
from homeml import _nn_io
from homeml.io import ModelFileError
from homeml.models import GPT, GPTConfig

TINY = GPTConfig(block_size=4, vocab_size=5, n_layer=1, n_head=1, n_embd=4)


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "gpt.hm"
    hm.save(GPT(TINY), path)
    return path


@pytest.mark.parametrize(
    "name", ["models.Evil", "os.system", "builtins.dict", "GPTConfig", "models.GPT", "nn.Linear"]
)
def test_unknown_config_names_are_refused(saved, name):
    def rename(info):
        info["architecture"]["args"][0]["__config__"]["class"] = name

    edit_homeml_info(saved, rename)
    with pytest.raises(ModelFileError, match="not one of"):
        hm.load(saved)


def test_unknown_config_fields_are_refused(saved):
    def add_field(info):
        info["architecture"]["args"][0]["__config__"]["fields"]["__class__"] = "os.system"

    edit_homeml_info(saved, add_field)
    with pytest.raises(ModelFileError, match="unknown fields"):
        hm.load(saved)


def test_the_config_is_stored_as_plain_json():
    spec = _nn_io.describe(GPT(TINY))
    assert spec["args"] == [
        {"__config__": {"class": "models.GPTConfig", "fields": dataclasses.asdict(TINY)}}
    ]
    json.dumps(spec)


def test_a_private_dataclass_argument_cannot_be_saved(tmp_path):
    @dataclasses.dataclass
    class Private(GPTConfig):
        pass

    with pytest.raises(TypeError, match="not one of the config dataclasses"):
        hm.save(GPT(Private(**dataclasses.asdict(TINY))), tmp_path / "x.hm")
