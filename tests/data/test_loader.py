"""DataLoader, samplers and collation (PyTorch's torch.utils.data as the reference)."""

import collections
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import requires_torch, torch

import homeml as hm
from homeml.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
)


def mnist_like(n=23, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 5, 5), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.int64)
    return images, labels


class PerSample(Dataset):
    """The same samples as TensorDataset(images, labels), served one at a time (no fast path)."""

    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def __getitem__(self, i):
        return self.images[i], int(self.labels[i])

    def __len__(self):
        return len(self.labels)


def as_numpy(batch):
    return [b.numpy() for b in batch]


# ----------------------------------------------------------------------------- against PyTorch


@requires_torch
@given(
    n=st.integers(1, 40),
    batch_size=st.integers(1, 12),
    drop_last=st.booleans(),
    fast=st.booleans(),
)
def test_unshuffled_batches_match_torch(n, batch_size, drop_last, fast):
    images, labels = mnist_like(n)
    ds = TensorDataset(images, labels) if fast else PerSample(images, labels)
    ours = DataLoader(ds, batch_size=batch_size, drop_last=drop_last)
    ref_ds = torch.utils.data.TensorDataset(torch.tensor(images), torch.tensor(labels))
    ref = torch.utils.data.DataLoader(ref_ds, batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(ref)
    got, want = list(ours), list(ref)
    assert len(got) == len(want) == len(ours)
    for (x, y), (tx, ty) in zip(got, want):
        np.testing.assert_array_equal(x.numpy(), tx.numpy())
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
        assert x.dtype == np.uint8 and y.dtype == np.int64


@requires_torch
def test_batch_size_none_yields_converted_samples_like_torch():
    images, labels = mnist_like(4)
    ours = list(DataLoader(PerSample(images, labels), batch_size=None))
    ref = list(torch.utils.data.DataLoader(PerSample(images, labels), batch_size=None))
    assert len(ours) == len(ref) == 4
    for (x, y), (tx, ty) in zip(ours, ref):
        assert isinstance(x, hm.Tensor) and x.shape == (5, 5) and x.dtype == np.uint8
        np.testing.assert_array_equal(x.numpy(), tx.numpy())
        assert y == ty and isinstance(y, int)  # Python numbers are left alone


@requires_torch
def test_default_collate_matches_torch_on_structures_and_dtypes():
    Point = collections.namedtuple("Point", "x y")
    samples = [
        {
            "image": np.full((2, 2), i, dtype=np.uint8),
            "label": i,
            "weight": 0.5 * i,
            "flag": i % 2 == 0,
            "np_int": np.int32(i),
            "np_float": np.float32(i),
            "name": f"s{i}",
            "pair": (np.float32(i), [i, i + 1]),
            "point": Point(i, 2.0),
        }
        for i in range(3)
    ]
    ours = default_collate(samples)
    ref = torch.utils.data.default_collate(samples)

    def compare(a, b, path):
        if isinstance(b, torch.Tensor):
            assert isinstance(a, hm.Tensor), path
            assert str(a.dtype) == str(b.dtype).replace("torch.", ""), path
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=path)
        elif isinstance(b, dict):
            assert a.keys() == b.keys(), path
            for k in b:
                compare(a[k], b[k], f"{path}.{k}")
        elif isinstance(b, (list, tuple)) and not all(isinstance(s, str) for s in b):
            assert len(a) == len(b), path
            if hasattr(b, "_fields"):
                assert type(a) is type(b), path
            for i, (u, v) in enumerate(zip(a, b)):
                compare(u, v, f"{path}[{i}]")
        else:
            assert a == b, path

    compare(ours, ref, "batch")
    assert isinstance(ours["pair"], tuple)  # a tuple stays a tuple (PyTorch gives a list)


def test_default_collate_errors_name_the_problem():
    with pytest.raises(RuntimeError, match=r"same shape.*\(2,\).*\(3,\)"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(RuntimeError, match="same number of fields"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="found <class 'NoneType'>"):
        default_collate([None, None])
    with pytest.raises(ValueError, match="non-empty"):
        default_collate([])


def test_default_collate_keeps_the_graph_of_tensors_that_require_grad():
    w = hm.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([w * 2, w * 3])
    assert batch.shape == (2, 2)
    batch.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [5.0, 5.0])


# ----------------------------------------------------------------------------- dtypes and fast path


def test_fast_path_equals_per_sample_collate():
    images, labels = mnist_like(30)
    order = np.random.default_rng(1).permutation(30)
    fast = DataLoader(TensorDataset(images, labels), batch_size=7, sampler=order.tolist())
    slow = DataLoader(PerSample(images, labels), batch_size=7, sampler=order.tolist())
    for (x, y), (sx, sy) in zip(fast, slow, strict=True):
        assert x.dtype == sx.dtype == np.uint8
        assert y.dtype == sy.dtype == np.int64
        np.testing.assert_array_equal(x.numpy(), sx.numpy())
        np.testing.assert_array_equal(y.numpy(), sy.numpy())


def test_fast_path_batches_are_copies():
    images, labels = mnist_like(8)
    x, _ = next(iter(DataLoader(TensorDataset(images, labels), batch_size=4)))
    x.numpy()[...] = 0
    assert images[:4].any()


def test_dtypes_are_kept():
    floats = np.zeros((6, 2), dtype=np.float32)
    halves = np.zeros(6, dtype=np.float16)
    x, h = next(iter(DataLoader(TensorDataset(floats, halves), batch_size=3)))
    assert x.dtype == np.float32 and h.dtype == np.float16


def test_custom_collate_fn_receives_the_list_of_samples():
    images, labels = mnist_like(10)
    seen = []

    def collate(samples):
        seen.append(len(samples))
        assert isinstance(samples, list) and isinstance(samples[0], tuple)
        return "batch"

    out = list(DataLoader(TensorDataset(images, labels), batch_size=4, collate_fn=collate))
    assert out == ["batch"] * 3 and seen == [4, 4, 2]


def test_subset_of_tensor_dataset_goes_through_the_fast_path():
    images, labels = mnist_like(20)
    ds = Subset(TensorDataset(images, labels), [19, 3, 3, 0, 7])
    (x, y), (x2, y2) = DataLoader(ds, batch_size=3)
    np.testing.assert_array_equal(np.concatenate([y.numpy(), y2.numpy()]), labels[ds.indices])
    np.testing.assert_array_equal(x2.numpy(), images[[0, 7]])


# ----------------------------------------------------------------------------- shuffling


def epoch_orders(loader, epochs):
    return [np.concatenate([y.numpy() for (y,) in loader]).tolist() for _ in range(epochs)]


def test_shuffle_visits_each_sample_once_per_epoch_in_a_new_order():
    ds = TensorDataset(np.arange(50))
    loader = DataLoader(ds, batch_size=8, shuffle=True, generator=hm.Generator(0))
    orders = epoch_orders(loader, 4)
    for order in orders:
        assert sorted(order) == list(range(50))
    assert len({tuple(o) for o in orders}) == 4
    assert orders[0] != list(range(50))


def test_seeded_shuffle_is_reproducible():
    ds = TensorDataset(np.arange(40))
    a = epoch_orders(DataLoader(ds, batch_size=5, shuffle=True, generator=hm.Generator(7)), 3)
    b = epoch_orders(DataLoader(ds, batch_size=5, shuffle=True, generator=hm.Generator(7)), 3)
    c = epoch_orders(DataLoader(ds, batch_size=5, shuffle=True, generator=hm.Generator(8)), 3)
    assert a == b
    assert a != c
    hm.manual_seed(11)
    d = epoch_orders(DataLoader(ds, batch_size=5, shuffle=True), 2)
    hm.manual_seed(11)
    assert epoch_orders(DataLoader(ds, batch_size=5, shuffle=True), 2) == d


def test_epoch_order_is_a_function_of_the_generator_state_when_iteration_starts():
    gen = hm.Generator(3)
    loader = DataLoader(TensorDataset(np.arange(30)), batch_size=4, shuffle=True, generator=gen)
    epoch_orders(loader, 2)
    state = gen.rng.bit_generator.state
    it = iter(loader)  # the order is drawn here ...
    gen.rng.random(5)  # ... so draws made during the epoch (e.g. augmentation) do not change it
    third = np.concatenate([y.numpy() for (y,) in it]).tolist()
    gen.rng.bit_generator.state = state
    assert epoch_orders(loader, 1) == [third]


def test_random_sampler_with_replacement_and_more_samples():
    ds = TensorDataset(np.arange(5))
    draws = RandomSampler(ds, replacement=True, num_samples=200, generator=hm.Generator(0))
    got = list(draws)
    assert len(got) == len(draws) == 200 and set(got) == set(range(5))
    chained = list(RandomSampler(ds, num_samples=12, generator=hm.Generator(0)))
    assert len(chained) == 12 and sorted(chained[:5]) == sorted(chained[5:10]) == list(range(5))


def test_subset_random_sampler_permutes_the_given_indices():
    sampler = SubsetRandomSampler([10, 20, 30, 40], generator=hm.Generator(0))
    assert sorted(sampler) == [10, 20, 30, 40] and len(sampler) == 4


# ----------------------------------------------------------------------------- samplers, length


@requires_torch
@pytest.mark.parametrize("n, batch_size", [(10, 3), (9, 3), (1, 5), (0, 2)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_len_matches_torch(n, batch_size, drop_last):
    ours = DataLoader(TensorDataset(np.zeros(n)), batch_size=batch_size, drop_last=drop_last)
    ref = torch.utils.data.DataLoader(range(n), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(ref) == len(list(ours))


def test_sampler_and_batch_sampler_choose_the_indices():
    ds = TensorDataset(np.arange(10) * 10)
    loader = DataLoader(ds, batch_size=2, sampler=[9, 0, 5])
    assert [b.tolist() for (b,) in loader] == [[90, 0], [50]]
    by_batches = DataLoader(ds, batch_sampler=[[1, 2, 3], [4]])
    assert [b.tolist() for (b,) in by_batches] == [[10, 20, 30], [40]]
    assert len(by_batches) == 2


def test_batch_sampler_yields_lists_like_torch():
    batches = list(BatchSampler(SequentialSampler(range(7)), 3, drop_last=False))
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "4"])
def test_bad_batch_size_is_rejected(batch_size):
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(TensorDataset(np.zeros(4)), batch_size=batch_size)


def test_conflicting_options_are_rejected():
    ds = TensorDataset(np.zeros(4))
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0, 1]])
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        DataLoader(ds, batch_size=2, drop_last=1)
    with pytest.raises(TypeError, match="generator must be a homeml.Generator"):
        DataLoader(ds, shuffle=True, generator=42)
    with pytest.raises(ValueError, match="num_workers must be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        DataLoader(TensorDataset(np.zeros(0)), shuffle=True)


def test_num_workers_is_accepted_and_gives_the_same_batches():
    images, labels = mnist_like(9)
    ds = TensorDataset(images, labels)
    a = [as_numpy(b) for b in DataLoader(ds, batch_size=4)]
    b = [as_numpy(b) for b in DataLoader(ds, batch_size=4, num_workers=2, pin_memory=True)]
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u[0], v[0])


# ----------------------------------------------------------------------------- shuffle + drop_last


def test_seeded_shuffle_with_drop_last_gives_full_aligned_batches_and_a_new_remainder():
    images, labels = mnist_like(23)
    fast = DataLoader(
        TensorDataset(images, labels),
        batch_size=5,
        shuffle=True,
        drop_last=True,
        generator=hm.Generator(4),
    )
    slow = DataLoader(
        PerSample(images, labels),
        batch_size=5,
        shuffle=True,
        drop_last=True,
        generator=hm.Generator(4),
    )
    assert len(fast) == len(slow) == 4
    dropped = []
    for _ in range(3):
        batches, per_sample = list(fast), list(slow)
        assert len(batches) == 4
        seen = []
        for (x, y), (sx, sy) in zip(batches, per_sample, strict=True):
            assert x.shape == (5, 5, 5) and y.shape == (5,)
            # both paths draw the same order from the same seed and keep (image, label) pairs
            np.testing.assert_array_equal(x.numpy(), sx.numpy())
            np.testing.assert_array_equal(y.numpy(), sy.numpy())
            for image, label in zip(x.numpy(), y.numpy()):
                index = int(np.flatnonzero((images == image).all(axis=(1, 2)))[0])
                assert labels[index] == label
                seen.append(index)
        assert len(set(seen)) == 20  # no sample twice within an epoch
        dropped.append(frozenset(range(23)) - set(seen))
    assert len(set(dropped)) > 1  # which 3 samples are left out changes between epochs
    again = DataLoader(
        TensorDataset(images, labels),
        batch_size=5,
        shuffle=True,
        drop_last=True,
        generator=hm.Generator(4),
    )
    first = [y.numpy().tolist() for _, y in again]
    replay = DataLoader(
        TensorDataset(images, labels),
        batch_size=5,
        shuffle=True,
        drop_last=True,
        generator=hm.Generator(4),
    )
    assert [y.numpy().tolist() for _, y in replay] == first


def test_an_endless_random_sampler_draws_lazily_as_makemore_uses_it():
    # makemore's InfiniteDataLoader: RandomSampler(replacement=True, num_samples=int(1e10))
    ds = TensorDataset(np.arange(7))
    sampler = hm.utils.data.RandomSampler(ds, replacement=True, num_samples=int(1e10))
    loader = hm.utils.data.DataLoader(ds, batch_size=4, sampler=sampler)
    assert len(sampler) == 10**10 and len(loader) == 10**10 // 4
    data_iter = iter(loader)
    batches = [next(data_iter)[0].numpy() for _ in range(5)]
    assert all(b.shape == (4,) and 0 <= b.min() and b.max() < 7 for b in batches)
    first = list(itertools.islice(iter(sampler), 10))
    assert len(first) == 10 and set(first) <= set(range(7))
    with pytest.raises(ValueError, match="lazily"):
        sampler.index_array()


@pytest.mark.parametrize("replacement", [True, False])
def test_chunked_passes_batch_across_chunk_boundaries(monkeypatch, replacement):
    monkeypatch.setattr(RandomSampler, "CHUNK", 8)
    ds = TensorDataset(np.arange(7))
    sampler = RandomSampler(ds, replacement=replacement, num_samples=20, generator=hm.Generator(3))
    order = list(sampler)
    sampler.generator = hm.Generator(3)
    batches = [b[0].tolist() for b in DataLoader(ds, batch_size=3, sampler=sampler)]
    assert sum(batches, []) == order
    assert [len(b) for b in batches] == [3] * 6 + [2]
    if not replacement:  # each chunk is a whole permutation
        assert sorted(order[:7]) == list(range(7)) and sorted(order[7:14]) == list(range(7))


@requires_torch
def test_weighted_random_sampler_follows_the_weights_like_torch():
    weights = [0.1, 0.0, 0.6, 0.3]
    ours = hm.utils.data.WeightedRandomSampler(weights, 20000, generator=hm.Generator(0))
    ref = torch.utils.data.WeightedRandomSampler(weights, 20000)
    assert len(ours) == len(ref) == 20000
    freq = np.bincount(list(ours), minlength=4) / 20000
    ref_freq = np.bincount(list(ref), minlength=4) / 20000
    np.testing.assert_allclose(freq, [0.1, 0.0, 0.6, 0.3], atol=0.015)
    np.testing.assert_allclose(freq, ref_freq, atol=0.02)
    once = list(hm.utils.data.WeightedRandomSampler(weights, 3, replacement=False))
    assert sorted(once) == [0, 2, 3]
    loader = DataLoader(TensorDataset(np.arange(4)), batch_size=5, sampler=ours)
    assert all(set(b.tolist()) <= {0, 2, 3} for (b,) in itertools.islice(loader, 3))


def test_weighted_random_sampler_errors():
    make = hm.utils.data.WeightedRandomSampler
    with pytest.raises(ValueError, match="num_samples"):
        make([1.0, 2.0], 0)
    with pytest.raises(RuntimeError, match="without replacement"):
        make([1.0, 0.0], 2, replacement=False)
    with pytest.raises(RuntimeError, match="invalid weights"):
        make([1.0, -1.0], 2)
    with pytest.raises(ValueError, match="replacement"):
        make([1.0], 1, replacement=1)


def test_repr_says_what_one_epoch_is():
    from homeml.data import Dataset, Subset

    ds = TensorDataset(np.zeros((1000, 28, 28), np.uint8), np.zeros(1000, np.int64))
    assert repr(ds) == "TensorDataset(1000 samples: (1000, 28, 28) uint8, (1000,) int64)"
    assert repr(DataLoader(ds, 64, shuffle=True)) == (
        f"DataLoader({ds!r}, batch_size=64, shuffle=True, drop_last=False: 16 batches per epoch)"
    )
    assert repr(DataLoader(ds, 64, drop_last=True)).endswith(
        "shuffle=False, drop_last=True: 15 batches per epoch)"
    )
    assert repr(DataLoader(ds, batch_size=None)).endswith(": 1000 samples per epoch)")
    assert repr(Subset(ds, [1, 2, 3])) == f"Subset(3 samples of {ds!r})"
    assert repr(ds + ds) == "ConcatDataset(2000 samples from 2 datasets)"

    class Numbers(Dataset):
        def __getitem__(self, i):
            return i

    assert repr(Numbers()) == "Numbers()"  # no __len__: nothing to count
    Numbers.__len__ = lambda self: 7
    assert repr(Numbers()) == "Numbers(7 samples)"
