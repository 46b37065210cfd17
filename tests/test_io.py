"""hm.save / hm.load and checkpoints: exact round trips, safetensors compatibility, refusal of
damaged or foreign files with ModelFileError, atomic writes, and loading without pickle."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import struct
from collections import OrderedDict

import numpy as np
import pytest
from support import edit_homeml_info, split_file, write_file

import homeml as hm
from homeml import _storage as storage
from homeml import io, nn, optim
from homeml.creation import default_generator
from homeml.io import ModelFileError
from homeml.models import build_model

# ----------------------------------------------------------------------------- helpers


def trained_cnn():
    """A CNN whose BatchNorm running statistics are no longer their initial values."""
    hm.manual_seed(0)
    model = build_model("cnn")
    model.train()
    with hm.no_grad():
        for _ in range(2):
            model(hm.randn(4, 1, 28, 28))
    return model.eval()


def plain_sequential():
    hm.manual_seed(1)
    return nn.Sequential(
        nn.Conv2d(1, 4, (2, 3), padding="same", bias=False),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d((2, 2)),
        nn.Flatten(),
        nn.Linear(4 * 14 * 14, 8, dtype=np.float64),
        nn.Tanh(),
        nn.Linear(8, 3, dtype=np.float64),
    ).eval()


def named_sequential():
    hm.manual_seed(2)
    return nn.Sequential(
        OrderedDict([("flat", nn.Flatten()), ("fc", nn.Linear(784, 5)), ("act", nn.GELU())])
    )


MODELS = {
    "mlp": lambda: build_model("mlp").eval(),
    "cnn": trained_cnn,
    "lenet5": lambda: build_model("lenet5", num_classes=7).eval(),
    "sequential": plain_sequential,
    "named_sequential": named_sequential,
    # a slice keeps its names "1", "2", "3": rebuilt from an OrderedDict
    "sequential_slice": lambda: nn.Sequential(
        nn.Sigmoid(), nn.Flatten(), nn.Linear(784, 5), nn.Tanh()
    )[1:],
}


@pytest.fixture
def saved(tmp_path):
    """A saved MLP: (model, path)."""
    hm.manual_seed(3)
    model = build_model("mlp").eval()
    path = tmp_path / "model.safetensors"
    hm.save(model, path)
    return model, path


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("build", MODELS.values(), ids=MODELS.keys())
def test_round_trip_gives_identical_weights_and_outputs(build, tmp_path):
    model = build()
    path = tmp_path / "model.safetensors"
    hm.save(model, path)
    loaded = hm.load(path).eval()
    assert type(loaded) is type(model)
    assert repr(loaded) == repr(model)
    ours, theirs = model.state_dict(), loaded.state_dict()
    assert list(ours) == list(theirs)
    for name in ours:
        assert theirs[name].dtype == ours[name].dtype, name
        np.testing.assert_array_equal(theirs[name].numpy(), ours[name].numpy(), err_msg=name)
    x = hm.randn(3, 1, 28, 28)
    with hm.no_grad():
        np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def test_loaded_model_is_independent_and_trainable(saved):
    model, path = saved
    loaded = hm.load(path)
    assert all(p.requires_grad for p in loaded.parameters())
    loaded.train()
    loss = loaded(hm.randn(2, 784)).sum()
    loss.backward()
    assert all(p.grad is not None for p in loaded.parameters())
    next(loaded.parameters())._data[...] = 0  # writing the copy leaves the original alone
    assert np.any(next(model.parameters()).numpy() != 0)


def test_metadata_round_trips(tmp_path):
    path = tmp_path / "model.safetensors"
    meta = {"accuracy": 0.9875, "classes": ["zero", "one"], "normalize": {"mean": 0.1307}}
    hm.save(build_model("mlp"), path, metadata=meta)
    assert io.load_metadata(path) == meta


def test_save_creates_missing_folders(tmp_path):
    path = tmp_path / "a" / "b" / "model.safetensors"
    hm.save(nn.Linear(2, 1), path)
    assert isinstance(hm.load(path), nn.Linear)


def test_file_permissions_follow_the_umask_like_open(tmp_path):
    # temporary files are created owner-only; the renamed result must not stay that way
    path = tmp_path / "model.safetensors"
    hm.save(nn.Linear(2, 1), path)
    umask = os.umask(0o022)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_state_dict_files_round_trip(tmp_path):
    model = plain_sequential()
    path = tmp_path / "weights.safetensors"
    io.save_state_dict(model.state_dict(), path, metadata={"epoch": 3})
    state = io.load_state_dict(path)
    assert list(state) == list(model.state_dict())
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(state[name].numpy(), value.numpy())
    loaded = hm.load(path)  # as torch.load gives back what torch.save was given
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(state)
    assert all(isinstance(v, hm.Tensor) for v in loaded.values())


def test_modules_from_outside_homeml_are_refused_with_a_pointer(tmp_path):
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

    with pytest.raises(TypeError, match=r"save\(model.state_dict\(\), path\)"):
        hm.save(Custom(), tmp_path / "custom.safetensors")
    assert not (tmp_path / "custom.safetensors").exists()


# ----------------------------------------------------------------------------- file format


def test_file_is_safetensors_with_homeml_json_and_a_checksum_of_everything(saved):
    model, path = saved
    header, data = split_file(path)
    strings = header.pop("__metadata__")
    info = json.loads(strings["homeml"])
    assert info["format"] == "homeml" and info["format_version"] == io.FORMAT_VERSION
    assert info["architecture"]["class"] == "models.MLP"
    # the digest covers the tensor table, the homeml JSON text and the array bytes
    expected = hashlib.sha256(b"homeml-file-2\n")
    expected.update(json.dumps(header, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    expected.update(strings["homeml"].encode() + b"\n" + data)
    assert strings["homeml_sha256"] == expected.hexdigest()
    state = model.state_dict()
    assert set(header) == set(state)
    # nothing but the raw array bytes follows the header
    assert len(data) == sum(t.numpy().nbytes for t in state.values())
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        array = np.frombuffer(data[start:end], dtype="<f4").reshape(entry["shape"])
        assert entry["dtype"] == "F32"
        np.testing.assert_array_equal(array, state[name].numpy())


def test_the_safetensors_package_reads_homeml_files(tmp_path):
    st = pytest.importorskip("safetensors.numpy", reason="pip install safetensors (dev extra)")
    from safetensors import safe_open

    model = trained_cnn()
    path = tmp_path / "model.safetensors"
    hm.save(model, path, metadata={"note": "hello"})
    arrays = st.load_file(str(path))
    state = model.state_dict()
    assert set(arrays) == set(state)
    for name, value in state.items():
        assert arrays[name].dtype == value.dtype, name
        np.testing.assert_array_equal(arrays[name], value.numpy(), err_msg=name)
    with safe_open(str(path), framework="np") as f:
        info = json.loads(f.metadata()["homeml"])
    assert info["metadata"] == {"note": "hello"}


def test_homeml_reads_files_written_by_the_safetensors_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy", reason="pip install safetensors (dev extra)")
    arrays = {
        "w": np.arange(12, dtype=np.float32).reshape(3, 4),
        "b": np.array([1.5, -2.0]),
        "steps": np.array([3, 4], dtype=np.int64),
        "mask": np.array([True, False]),
        "scalar": np.array(2.5, dtype=np.float16),
    }
    path = tmp_path / "foreign.safetensors"
    st.save_file(arrays, str(path), metadata={"origin": "safetensors"})
    table, metadata, data = storage.read_container(path)
    got = storage.arrays_of(table, data)
    assert metadata == {"origin": "safetensors"}
    assert set(got) == set(arrays)
    for name, value in arrays.items():
        assert got[name].dtype == value.dtype and got[name].shape == value.shape
        np.testing.assert_array_equal(got[name], value)
    with pytest.raises(ModelFileError, match="without homeml metadata"):
        hm.load(path)


# ----------------------------------------------------------------------------- bad files


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_tampered_data_byte_is_refused(saved, where):
    _, path = saved
    raw = bytearray(path.read_bytes())
    (size,) = struct.unpack("<Q", raw[:8])
    start = 8 + size
    index = {"first": start, "middle": (start + len(raw)) // 2, "last": len(raw) - 1}[where]
    raw[index] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="checksum") as error:
        hm.load(path)
    assert str(path) in str(error.value)


def test_a_header_describing_other_shapes_is_refused(saved):
    _, path = saved
    header, data = split_file(path)
    name = next(k for k in header if k.endswith("weight"))
    header[name]["shape"] = header[name]["shape"][::-1] + [1]  # same bytes, another shape
    write_file(path, header, data)
    with pytest.raises(ModelFileError, match="checksum"):
        hm.load(path)
    write_file(path, header, data, resign=True)  # a crafted file has a matching digest
    with pytest.raises(ModelFileError, match=name):
        hm.load(path)


def test_an_architecture_that_does_not_fit_the_weights_is_refused(saved):
    _, path = saved
    edit_homeml_info(path, lambda info: info["architecture"]["kwargs"].update(num_classes=3))
    with pytest.raises(ModelFileError, match="do not fit the architecture"):
        hm.load(path)


@pytest.mark.parametrize("keep", ["4 bytes", "8 bytes", "half header", "header", "half", "-1"])
def test_a_truncated_file_is_refused(saved, keep):
    _, path = saved
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    cut = {
        "4 bytes": 4,
        "8 bytes": 8,
        "half header": 8 + size // 2,
        "header": 8 + size,
        "half": len(raw) // 2,
        "-1": len(raw) - 1,
    }[keep]
    path.write_bytes(raw[:cut])
    with pytest.raises(ModelFileError, match="truncated|too short") as error:
        hm.load(path)
    assert str(path) in str(error.value)


def test_bytes_appended_after_the_data_are_refused(saved):
    _, path = saved
    path.write_bytes(path.read_bytes() + b"\x00" * 8)
    with pytest.raises(ModelFileError, match="8 unexpected bytes"):
        hm.load(path)


FOREIGN = {
    "empty": b"",
    "random": np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
    "json": json.dumps({"weights": [[1.0, 2.0], [3.0, 4.0]], "format": "homeml"}).encode(),
    "text": b"this is a README, not a model\n" * 4,
    "png": b"\x89PNG\r\n\x1a\n" + bytes(64),
    "header not json": struct.pack("<Q", 8) + b"\xff\xfe{{{{{{",
    "header a list": struct.pack("<Q", 8) + b"[1,2,3]\n",
}


@pytest.mark.parametrize("content", FOREIGN.values(), ids=FOREIGN.keys())
def test_foreign_files_are_refused_clearly(tmp_path, content):
    path = tmp_path / "model.safetensors"
    path.write_bytes(content)
    with pytest.raises(ModelFileError) as error:
        hm.load(path)
    message = str(error.value)
    assert str(path) in message
    assert any(word in message for word in ("too short", "truncated", "JSON", "header", "not a")), (
        message
    )


def test_a_safetensors_file_without_homeml_metadata_is_refused(tmp_path):
    path = tmp_path / "plain.safetensors"
    write_file(path, {"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}}, bytes(12))
    with pytest.raises(ModelFileError, match="without homeml metadata"):
        hm.load(path)


def test_unknown_dtypes_and_bad_shapes_in_the_header_are_refused(saved):
    _, path = saved
    header, data = split_file(path)
    name = next(k for k in header if k != "__metadata__")
    for field, value, words in [
        ("dtype", "BF16", "dtype 'BF16'"),
        ("dtype", ["F32"], "dtype"),
        ("shape", [-1, -2], "shape"),
        ("shape", "3x4", "shape"),
        ("data_offsets", [0], "data_offsets"),
    ]:
        broken = json.loads(json.dumps(header))
        broken[name][field] = value
        write_file(path, broken, data)
        with pytest.raises(ModelFileError, match=words):
            hm.load(path)


@pytest.mark.parametrize(
    "version, words",
    [
        (io.FORMAT_VERSION + 1, "newer"),
        (0, "not valid"),
        ("1", "not valid"),
        (None, "not valid"),
        (True, "not valid"),
    ],
)
def test_a_wrong_format_version_is_refused(saved, version, words):
    _, path = saved
    edit_homeml_info(path, lambda info: info.update(format_version=version))
    with pytest.raises(ModelFileError, match=words) as error:
        hm.load(path)
    assert repr(version) in str(error.value) or str(version) in str(error.value)
    assert str(io.FORMAT_VERSION) in str(error.value)  # says what is understood


def test_a_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        hm.load(tmp_path / "nothing.safetensors")


# ----------------------------------------------------------------------------- atomic writes


class DiskFull:
    """Replaces os.fdopen in homeml.io: the file accepts half of the first chunk, then the disk
    is full."""

    def __init__(self):
        self.real = os.fdopen

    def __call__(self, fd, mode="r", *args, **kwargs):
        file = self.real(fd, mode, *args, **kwargs)

        class Failing:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                file.close()
                return False

            def write(self, chunk):
                file.write(chunk[: len(chunk) // 2])
                file.flush()
                raise OSError(errno.ENOSPC, "No space left on device")

        return Failing()


@pytest.mark.parametrize("existing", [True, False], ids=["overwrite", "new"])
def test_a_failure_mid_write_leaves_the_old_file_and_no_partial_file(
    tmp_path, monkeypatch, existing
):
    path = tmp_path / "model.safetensors"
    if existing:
        hm.save(nn.Linear(3, 2), path)
    before = path.read_bytes() if existing else None
    monkeypatch.setattr(os, "fdopen", DiskFull())
    with pytest.raises(OSError, match="No space left"):
        hm.save(build_model("mlp"), path)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == (["model.safetensors"] if existing else [])
    if existing:
        assert path.read_bytes() == before
        assert isinstance(hm.load(path), nn.Linear)


@pytest.mark.parametrize(
    "error", [OSError("fsync failed"), KeyboardInterrupt()], ids=["OSError", "KeyboardInterrupt"]
)
def test_an_interrupted_save_cleans_up_its_temporary_file(tmp_path, monkeypatch, error):
    path = tmp_path / "model.safetensors"
    hm.save(nn.Linear(3, 2), path)
    before = path.read_bytes()

    def fail(fd):
        raise error

    monkeypatch.setattr(os, "fsync", fail)  # after every byte is written, before renaming
    with pytest.raises(type(error)):
        hm.save(build_model("mlp"), path)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]
    assert path.read_bytes() == before


def test_a_failing_chunk_producer_leaves_nothing(tmp_path):
    def chunks():
        yield b"partial"
        raise ValueError("producer failed")

    with pytest.raises(ValueError, match="producer failed"):
        io.atomic_write(tmp_path / "out.bin", chunks())
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- no pickle


@pytest.fixture
def no_pickle(monkeypatch):
    """Make every way of unpickling (and np.load, which may unpickle) fail loudly."""

    def forbidden(*args, **kwargs):
        raise AssertionError("pickle (or np.load) was used")

    for name in ("load", "loads", "Unpickler", "_load", "_loads", "_Unpickler"):
        if hasattr(pickle, name):
            monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    monkeypatch.setattr(np.lib.format, "read_array", forbidden)


def test_saving_and_loading_use_no_pickle(tmp_path, no_pickle):
    model = trained_cnn()
    hm.save(model, tmp_path / "model.safetensors")
    loaded = hm.load(tmp_path / "model.safetensors")
    np.testing.assert_array_equal(loaded[1].running_mean.numpy(), model[1].running_mean.numpy())
    io.save_checkpoint(tmp_path / "ckpt.safetensors", {"model": model.state_dict(), "step": 1})
    assert io.load_checkpoint(tmp_path / "ckpt.safetensors")["step"] == 1


def test_a_file_that_does_not_start_with_a_header_is_never_unpickled(tmp_path, no_pickle):
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"weight": np.ones(3)}))  # what torch.save-style files hold
    with pytest.raises(ModelFileError):
        hm.load(path)


@pytest.mark.parametrize(
    "cls",
    [
        "os.system",
        "builtins.eval",
        "subprocess.Popen",
        "homeml._storage.os.system",
        "homeml.io.atomic_write",
        "homeml.tensor.Tensor",
    ],
)
def test_a_file_naming_code_outside_homeml_modules_is_refused(saved, monkeypatch, cls):
    _, path = saved
    calls = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args))
    edit_homeml_info(
        path,
        lambda info: info.update(architecture={"class": cls, "args": ["echo pwned"], "kwargs": {}}),
    )
    with pytest.raises(ModelFileError, match="homeml"):
        hm.load(path)
    assert calls == []


def test_bad_constructor_arguments_in_a_file_are_a_model_file_error(saved):
    _, path = saved
    edit_homeml_info(path, lambda info: info["architecture"]["kwargs"].update(bogus=1))
    with pytest.raises(ModelFileError, match="bogus"):
        hm.load(path)


# ----------------------------------------------------------------------------- checkpoints


def assert_same_tree(got, want, where="tree"):
    """Equal values with the same container types and the same array dtypes and shapes."""
    if isinstance(want, hm.Tensor):
        want = want.numpy()  # checkpoints give tensors back as arrays
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), where
        # same dtype, in native byte order
        assert got.dtype == want.dtype.newbyteorder("=") and got.shape == want.shape, where
        np.testing.assert_array_equal(got, want, err_msg=where)
        return
    if isinstance(want, np.generic):
        want = want.item()
    assert type(got) is type(want) or isinstance(want, OrderedDict), (where, got, want)
    if isinstance(want, dict):
        assert list(got) == list(want), where
        for key in want:
            assert type(key) is type(next(k for k in got if k == key)), (where, key)
            assert_same_tree(got[key], want[key], f"{where}[{key!r}]")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same_tree(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and np.isnan(want):
        assert np.isnan(got), where
    else:
        assert got == want, where


def test_a_nested_tree_round_trips(tmp_path):
    tree = {
        "epoch": 7,
        "loss": 0.125,
        "best": float("inf"),
        "missing": float("nan"),
        "done": False,
        "name": "run-1",
        "nothing": None,
        "history": [{"epoch": 0, "acc": 0.5}, {"epoch": 1, "acc": 0.75}],
        "betas": (0.9, 0.999),
        "by_index": {0: np.arange(3, dtype=np.int32), 1: [np.float32(1.5)], (2, "x"): "tuple key"},
        "flags": {True: "yes", 2.5: "float key"},
        "arrays": {
            "f64": np.linspace(0, 1, 6).reshape(2, 3),
            "f32": np.ones((2, 2), dtype=np.float32),
            "f16": np.array([0.5, -1.0], dtype=np.float16),
            "i64": np.array([-(2**40), 2**40]),
            "u8": np.array([0, 255], dtype=np.uint8),
            "u32": np.array([2**32 - 1], dtype=np.uint32),
            "bool": np.array([[True, False]]),
            "scalar": np.array(3.0),
            "empty": np.zeros((0, 4), dtype=np.float32),
            "big_endian": np.arange(4, dtype=">f8"),
            "view": np.arange(12.0).reshape(3, 4).T,
        },
        "tensor": hm.tensor(np.arange(4.0)),
        "markers": {"__array__": "a0", "__tuple__": [1], "__items__": []},  # plain user data
        "generator": default_generator.rng.bit_generator.state,  # 128-bit integers
    }
    path = tmp_path / "ckpt.safetensors"
    io.save_checkpoint(path, tree)
    got = io.load_checkpoint(path)
    assert_same_tree(got, tree)
    assert got["arrays"]["big_endian"].dtype.isnative


def optimizer_case(name):
    hm.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    if name == "adam":
        opt = optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.99), amsgrad=True)
    else:
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    return model, opt


def train_steps(model, opt, steps, seed):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        opt.zero_grad()
        x = hm.tensor(rng.standard_normal((5, 4)).astype(np.float32))
        (model(x) ** 2).mean().backward()
        opt.step()


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_checkpoint_resumes_model_and_optimizer_exactly(tmp_path, name):
    model, opt = optimizer_case(name)
    train_steps(model, opt, 3, seed=0)
    path = tmp_path / "ckpt.safetensors"
    io.save_checkpoint(path, {"model": model.state_dict(), "optimizer": opt.state_dict()})
    state = io.load_checkpoint(path)
    assert_same_tree(state["optimizer"], opt.state_dict())
    assert list(state["optimizer"]["state"]) == [0, 1, 2, 3]  # int keys stay ints

    resumed, resumed_opt = optimizer_case(name)
    resumed.load_state_dict(state["model"])
    resumed_opt.load_state_dict(state["optimizer"])
    train_steps(model, opt, 2, seed=1)
    train_steps(resumed, resumed_opt, 2, seed=1)
    for (n, a), b in zip(model.named_parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=n)


def test_checkpoints_and_models_are_not_confused(tmp_path, saved):
    _, model_path = saved
    ckpt = tmp_path / "ckpt.safetensors"
    io.save_checkpoint(ckpt, {"step": 1})
    with pytest.raises(ModelFileError, match="not a checkpoint"):
        io.load_checkpoint(model_path)
    assert hm.load(ckpt) == {"step": 1}  # hm.load gives back any homeml file's content


def test_a_tampered_checkpoint_is_refused(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    io.save_checkpoint(path, {"w": np.arange(10.0)})
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0x40
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="checksum"):
        io.load_checkpoint(path)


def test_values_a_checkpoint_cannot_hold_are_a_type_error(tmp_path):
    with pytest.raises(TypeError, match="set"):
        io.save_checkpoint(tmp_path / "ckpt.safetensors", {"bad": {1, 2}})
    with pytest.raises(TypeError, match="complex128"):
        io.save_checkpoint(tmp_path / "ckpt.safetensors", {"bad": np.ones(2, dtype=complex)})
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- example_input


def test_example_input_records_the_input_shape_after_a_checked_run(tmp_path):
    model = build_model("cnn")
    model.train()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    path = tmp_path / "cnn.safetensors"
    hm.save(
        model, path, metadata={"classes": list("0123456789")}, example_input=hm.randn(2, 1, 28, 28)
    )
    assert io.load_metadata(path) == {"classes": list("0123456789"), "input_shape": [1, 28, 28]}
    assert model.training  # the mode is restored, and the check moved no BatchNorm statistic
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k], err_msg=k)


def test_a_given_input_shape_is_kept_and_arrays_are_accepted(tmp_path):
    path = tmp_path / "mlp.safetensors"
    hm.save(build_model("mlp"), path, {"input_shape": [784]}, example_input=np.zeros((1, 784)))
    assert io.load_metadata(path)["input_shape"] == [784]


def test_an_example_input_the_model_cannot_take_writes_nothing(tmp_path):
    path = tmp_path / "mlp.safetensors"
    with pytest.raises(ValueError, match=r"does not run on example_input of shape \(2, 5\)"):
        hm.save(build_model("mlp"), path, example_input=hm.zeros(2, 5))
    assert not path.exists()
    with pytest.raises(TypeError, match="example_input is for networks"):
        hm.save({"w": hm.zeros(2)}, path, example_input=hm.zeros(2, 5))
