"""Datasets: TensorDataset, Subset, ConcatDataset, random_split (PyTorch as the reference)."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import requires_torch, torch

import homeml as hm
from homeml.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from homeml.data.dataset import batch_fetcher


def make_arrays(n=10, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 3, 4), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.int64)
    return images, labels


def numpy_tuple(sample):
    return tuple(np.asarray(t.numpy() if isinstance(t, hm.Tensor) else t) for t in sample)


# ----------------------------------------------------------------------------- TensorDataset


def test_tensor_dataset_items_keep_values_and_dtypes():
    images, labels = make_arrays()
    ds = TensorDataset(images, hm.tensor(labels))
    assert len(ds) == 10
    x, y = ds[3]
    assert isinstance(x, hm.Tensor) and isinstance(y, hm.Tensor)
    assert x.dtype == np.uint8 and y.dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), images[3])
    assert y.item() == labels[3]


def test_tensor_dataset_wraps_numpy_without_copying():
    images, labels = make_arrays()
    ds = TensorDataset(images, labels)
    assert np.shares_memory(ds.tensors[0].numpy(), images)


@pytest.mark.parametrize("kind", ["array", "list", "tensor"])
def test_tensor_dataset_batch_index_equals_stacked_samples(kind):
    images, labels = make_arrays()
    ds = TensorDataset(images, labels)
    idx = np.array([7, 0, 3, 3, 9])
    key = {"array": idx, "list": idx.tolist(), "tensor": hm.tensor(idx)}[kind]
    xb, yb = ds[key]
    assert xb.shape == (5, 3, 4) and yb.shape == (5,)
    np.testing.assert_array_equal(xb.numpy(), np.stack([ds[i][0].numpy() for i in idx]))
    np.testing.assert_array_equal(yb.numpy(), labels[idx])


@requires_torch
def test_tensor_dataset_matches_torch():
    images, labels = make_arrays()
    ours = TensorDataset(images, labels)
    ref = torch.utils.data.TensorDataset(torch.tensor(images), torch.tensor(labels))
    assert len(ours) == len(ref)
    for i in [0, 4, 9, -1, slice(2, 6)]:
        for a, b in zip(ours[i], ref[i]):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
            assert str(a.dtype) == str(b.dtype).replace("torch.", "")


def test_tensor_dataset_rejects_mismatched_first_dimensions():
    with pytest.raises(ValueError, match=r"same first dimension.*\[10, 9\]"):
        TensorDataset(np.zeros((10, 2)), np.zeros(9))


def test_tensor_dataset_rejects_bad_inputs():
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(TypeError, match="tensor 1 must be a homeml Tensor or a numpy.ndarray"):
        TensorDataset(np.zeros(3), [1, 2, 3])
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(np.array(1.0))


def test_tensor_dataset_out_of_range_raises_index_error():
    ds = TensorDataset(*make_arrays())
    with pytest.raises(IndexError):
        ds[10]


def test_tensor_dataset_keeps_the_graph_for_tensors_that_require_grad():
    w = hm.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    (x,) = TensorDataset(w)[1]
    x.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[0, 0], [1, 1], [0, 0]])


# ----------------------------------------------------------------------------- base, Subset, Concat


def test_dataset_base_requires_getitem_and_len():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        len(Dataset())


@requires_torch
def test_subset_matches_torch():
    images, labels = make_arrays()
    indices = [5, 1, 8, 1]
    ours = Subset(TensorDataset(images, labels), indices)
    ref = torch.utils.data.Subset(
        torch.utils.data.TensorDataset(torch.tensor(images), torch.tensor(labels)), indices
    )
    assert len(ours) == len(ref) == 4
    for i in range(4):
        for a, b in zip(ours[i], ref[i]):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    for a, b in zip(ours[[3, 0]], ref[[3, 0]]):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def small_list_dataset(values):
    class ListDataset(Dataset):
        def __getitem__(self, i):
            return values[i]

        def __len__(self):
            return len(values)

    return ListDataset()


@requires_torch
def test_concat_dataset_matches_torch_including_negative_indices():
    parts = [list(range(0, 3)), list(range(10, 15)), [], list(range(20, 22))]
    ours = ConcatDataset([small_list_dataset(p) for p in parts])
    ref = torch.utils.data.ConcatDataset([p for p in parts])
    assert len(ours) == len(ref) == 10
    assert ours.cumulative_sizes == ref.cumulative_sizes
    assert [ours[i] for i in range(-10, 10)] == [ref[i] for i in range(-10, 10)]


def test_concat_dataset_errors():
    ds = ConcatDataset([small_list_dataset([1, 2]), small_list_dataset([3])])
    with pytest.raises(IndexError, match="out of range for length 3"):
        ds[3]
    with pytest.raises(IndexError):
        ds[-4]
    with pytest.raises(ValueError, match="non-empty"):
        ConcatDataset([])


def test_adding_datasets_concatenates_them():
    a, b = TensorDataset(np.arange(3)), TensorDataset(np.arange(10, 12))
    both = a + b
    assert isinstance(both, ConcatDataset)
    assert [both[i][0].item() for i in range(len(both))] == [0, 1, 2, 10, 11]


def test_batch_fetcher_equals_samples_through_subset_and_concat():
    images, labels = make_arrays(12)
    base = TensorDataset(images, labels)
    ds = ConcatDataset([Subset(base, [11, 2, 5, 7]), base, Subset(base, np.arange(3))])
    fetch = batch_fetcher(ds)
    assert fetch is not None
    idx = np.array([0, 18, 5, 3, 17, 4, 4, 15])
    got = fetch(idx)
    for k in range(2):
        want = np.stack([ds[int(i)][k].numpy() for i in idx])
        np.testing.assert_array_equal(got[k].numpy(), want)
        assert got[k].dtype == want.dtype


def test_batch_fetcher_refuses_datasets_it_cannot_index_whole():
    class Flipped(TensorDataset):
        def __getitem__(self, index):
            return tuple(-t for t in super().__getitem__(index))

    images, labels = make_arrays()
    assert batch_fetcher(Flipped(images.astype(np.float32))) is None
    assert batch_fetcher(Subset(small_list_dataset([1, 2, 3]), [0, 1])) is None
    assert batch_fetcher(ConcatDataset([TensorDataset(labels), small_list_dataset([1])])) is None


# ----------------------------------------------------------------------------- random_split


def test_random_split_partitions_the_dataset():
    ds = small_list_dataset(list(range(50)))
    parts = random_split(ds, [20, 25, 5], generator=hm.Generator(0))
    assert [len(p) for p in parts] == [20, 25, 5]
    seen = sorted(p[i] for p in parts for i in range(len(p)))
    assert seen == list(range(50))
    assert all(isinstance(p, Subset) for p in parts)


@requires_torch
@given(
    n=st.integers(0, 200),
    weights=st.lists(st.integers(1, 20), min_size=1, max_size=5),
)
def test_random_split_fraction_lengths_match_torch(n, weights):
    fractions = [w / sum(weights) for w in weights]
    fractions[-1] = 1 - sum(fractions[:-1])  # sums to 1 up to rounding, like user input would
    ds = small_list_dataset(list(range(n)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = random_split(ds, fractions, generator=hm.Generator(1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about empty splits too
        ref = torch.utils.data.random_split(range(n), fractions, torch.Generator().manual_seed(1))
    assert [len(p) for p in ours] == [len(p) for p in ref]
    assert bool(caught) == any(len(p) == 0 for p in ours)  # an empty split is warned about


@requires_torch
def test_random_split_integer_lengths_match_torch():
    ds = small_list_dataset(list(range(10)))
    ours = random_split(ds, [3, 0, 7], generator=hm.Generator(0))
    ref = torch.utils.data.random_split(range(10), [3, 0, 7])
    assert [len(p) for p in ours] == [len(p) for p in ref] == [3, 0, 7]


def test_random_split_is_reproducible_and_seed_dependent():
    ds = small_list_dataset(list(range(100)))

    def first_part(seed):
        return [random_split(ds, [0.5, 0.5], generator=hm.Generator(seed))[0][i] for i in range(50)]

    assert first_part(3) == first_part(3)
    assert first_part(3) != first_part(4)
    hm.manual_seed(5)
    a = random_split(ds, [50, 50])[0].indices
    hm.manual_seed(5)
    assert random_split(ds, [50, 50])[0].indices == a


def test_random_split_rejects_bad_lengths():
    ds = small_list_dataset(list(range(10)))
    with pytest.raises(ValueError, match="sum to 9 but the dataset has 10"):
        random_split(ds, [4, 5])
    with pytest.raises(ValueError, match="non-negative integers or fractions"):
        random_split(ds, [0.3, 0.3])
    with pytest.raises(ValueError, match="fraction at index 0"):
        random_split(ds, [1.5, -0.5])
    with pytest.raises(TypeError, match="generator must be a homeml.Generator"):
        random_split(ds, [5, 5], generator=7)


def test_utils_data_is_the_data_module():
    import homeml.utils.data as utils_data
    from homeml.utils.data import DataLoader as Loader
    from homeml.utils.data import random_split as split

    assert utils_data is hm.data and hm.utils.data is hm.data
    assert Loader is hm.data.DataLoader and split is hm.data.random_split


def test_tensor_dataset_takes_pandas_frames_and_series():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"x1": [0.5, 1.5, 2.5], "x2": [1, 2, 3], "label": [0, 1, 0]})
    dataset = TensorDataset(frame[["x1", "x2"]], frame["label"])
    features, label = dataset[1]
    np.testing.assert_array_equal(features.numpy(), [1.5, 2.0])
    assert int(label.item()) == 1 and dataset.tensors[1].dtype == np.int64
    frame["colour"] = pd.Categorical(["red", "blue", "red"])
    with pytest.raises(TypeError, match=r"non-numeric columns \['colour'\]"):
        TensorDataset(frame[["x1", "colour"]])
