"""homeml.rl.spaces: sampling, membership, seeding, equality and construction errors."""

import numpy as np
import pytest
from gymnasium import spaces as gspaces

from homeml.rl.spaces import Box, Discrete, Tuple, np_random


def test_discrete_sample_contains_and_gymnasium_draws():
    space = Discrete(5, seed=3, start=-2)
    samples = [space.sample() for _ in range(500)]
    assert all(type(s) is np.int64 and s in space for s in samples)
    assert set(int(s) for s in samples) == {-2, -1, 0, 1, 2}
    theirs = gspaces.Discrete(5, seed=3, start=-2)
    assert samples == [theirs.sample() for _ in range(500)]
    assert space.shape == () and space.dtype == np.int64 and space.n == 5 and space.start == -2
    for good in (0, -2, np.int32(2), np.array(1)):
        assert good in space
    for bad in (3, -3, 1.0, "1", np.array([1]), np.float64(1), None):
        assert bad not in space


def test_discrete_mask_and_equality():
    space = Discrete(4, seed=0)
    mask = np.array([0, 1, 0, 1], dtype=np.int8)
    assert {int(space.sample(mask)) for _ in range(100)} == {1, 3}
    assert space.sample(np.zeros(4, dtype=np.int8)) == 0
    with pytest.raises(ValueError, match="int8 array of shape"):
        space.sample(np.ones(3, dtype=np.int8))
    assert Discrete(4) == Discrete(4) and Discrete(4) != Discrete(5)
    assert (
        Discrete(4) != Discrete(4, start=1) and repr(Discrete(4, start=1)) == "Discrete(4, start=1)"
    )


def test_seed_reproducibility():
    for make in (
        lambda: Discrete(7),
        lambda: Box(-1, 1, (3,)),
        lambda: Tuple((Discrete(3), Box(0.0, 1.0, (2,)))),
    ):
        a, b = make(), make()
        a.seed(123)
        b.seed(123)
        assert repr([a.sample() for _ in range(20)]) == repr([b.sample() for _ in range(20)])
        b.seed(124)
        assert repr(a.sample()) != repr(b.sample()) or repr(a.sample()) != repr(b.sample())
    gen, entropy = np_random(5)
    assert (
        entropy == 5
        and gen.random() == np.random.Generator(np.random.PCG64(np.random.SeedSequence(5))).random()
    )
    with pytest.raises(ValueError, match="non-negative integer"):
        np_random(-1)


def test_box_matches_gymnasium_samples_and_bounds():
    low = np.array([-1.0, -np.inf, 0.0, -np.inf], dtype=np.float32)
    high = np.array([1.0, np.inf, np.inf, 2.0], dtype=np.float32)
    ours, theirs = Box(low, high, seed=9), gspaces.Box(low, high, seed=9)
    for _ in range(50):
        a, b = ours.sample(), theirs.sample()
        assert a.dtype == np.float32 and np.array_equal(a, b) and a in ours
    ints, gints = (
        Box(0, 5, (3, 2), dtype=np.int64, seed=1),
        gspaces.Box(0, 5, (3, 2), np.int64, seed=1),
    )
    assert all(np.array_equal(ints.sample(), gints.sample()) for _ in range(20))
    assert ints.shape == (3, 2) and Box(0.0, 1.0).shape == (1,)
    assert not ours.is_bounded() and Box(-1, 1, (2,)).is_bounded("both")


def test_box_contains_and_equality():
    box = Box(-1.0, 1.0, shape=(2,))
    assert np.zeros(2, dtype=np.float32) in box
    assert np.array([1.5, 0.0], dtype=np.float32) not in box
    assert np.zeros(3, dtype=np.float32) not in box
    assert np.zeros(2, dtype=np.float64) not in box  # float64 does not cast to float32 safely
    assert [0.5, 0.5] in box and "ab" not in box
    assert box == Box(-1.0, 1.0, shape=(2,)) and box != Box(-1.0, 2.0, shape=(2,))
    assert box != Box(-1.0, 1.0, shape=(2,), dtype=np.float64) and box != Discrete(2)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((0,), {}, ValueError, "positive integer n"),
        ((2.5,), {}, ValueError, "positive integer n"),
        ((3,), {"start": 0.5}, TypeError, "integer start"),
    ],
)
def test_discrete_bad_construction(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        Discrete(*args, **kwargs)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((1.0, 0.0), {"shape": (2,)}, "low must be <= high"),
        ((np.zeros(2), np.ones(3)), {}, "same shape"),
        ((np.zeros(3), 1.0), {"shape": (2,)}, "does not match shape"),
        ((np.array([np.nan]), 1.0), {}, "NaN"),
        ((0, 1), {"dtype": str}, "dtype must be"),
        (("a", "b"), {}, "numbers or arrays"),
        ((0, np.inf), {"shape": (1,), "dtype": np.uint8}, "infinite"),
    ],
)
def test_box_bad_construction(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Box(*args, **kwargs)


def test_tuple_space():
    space = Tuple((Discrete(32), Discrete(11), Discrete(2)), seed=4)
    theirs = gspaces.Tuple(
        (gspaces.Discrete(32), gspaces.Discrete(11), gspaces.Discrete(2)), seed=4
    )
    assert [space.sample() for _ in range(30)] == [theirs.sample() for _ in range(30)]
    assert (3, 1, 0) in space and [3, 1, 0] in space and (3, 11, 0) not in space
    assert (3, 1) not in space and 3 not in space
    assert len(space) == 3 and space[1] == Discrete(11)
    assert space == Tuple((Discrete(32), Discrete(11), Discrete(2)))
    assert space != Tuple((Discrete(32), Discrete(11)))
    space.seed([1, 2, 3])
    with pytest.raises(ValueError, match="one seed per space"):
        space.seed([1, 2])
    with pytest.raises(TypeError, match="Space objects"):
        Tuple((Discrete(2), 3))
    with pytest.raises(ValueError, match="at least one"):
        Tuple(())
