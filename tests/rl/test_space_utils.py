"""MultiDiscrete and homeml.rl.space_utils against gymnasium.spaces and its utilities."""

import numpy as np
import pytest
from test_wrappers import assert_same

from homeml.rl import space_utils, spaces
from homeml.rl.gymnasium_compat import from_gymnasium_space, to_gymnasium_space

gymnasium = pytest.importorskip(
    "gymnasium", reason="Gymnasium is the reference (pip install gymnasium); CI installs it"
)
gutils = gymnasium.spaces.utils


def examples():
    return [
        spaces.Discrete(5, start=-2, seed=1),
        spaces.MultiDiscrete([3, 4, 2], seed=2, start=[1, 0, -1]),
        spaces.MultiDiscrete(np.array([[2, 3], [4, 5]]), dtype=np.int32, seed=3),
        spaces.Box(-1.0, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), dtype=np.float64, seed=4),
        spaces.Box(0, 255, (2, 2), np.uint8, seed=5),
        spaces.Tuple(
            [spaces.Discrete(3), spaces.Box(-1, 1, (2,)), spaces.MultiDiscrete([2, 2])], seed=6
        ),
    ]


@pytest.mark.parametrize("index", range(6))
def test_flatten_matches_gymnasium(index):
    space = examples()[index]
    theirs = to_gymnasium_space(space)
    assert space_utils.flatdim(space) == gutils.flatdim(theirs)
    assert space_utils.flatten_space(space) == from_gymnasium_space(gutils.flatten_space(theirs))
    for _ in range(10):
        sample = space.sample()
        flat = space_utils.flatten(space, sample)
        assert_same(flat, gutils.flatten(theirs, sample))
        assert flat in space_utils.flatten_space(space)
        back = space_utils.unflatten(space, flat)
        assert_same(back, gutils.unflatten(theirs, flat))


@pytest.mark.parametrize("index", range(6))
@pytest.mark.parametrize("n", [1, 3])
def test_batch_space_matches_gymnasium_including_its_samples(index, n):
    space = examples()[index]
    theirs = to_gymnasium_space(space)
    batched = space_utils.batch_space(space, n)
    reference = gymnasium.vector.utils.batch_space(theirs, n)
    assert batched == from_gymnasium_space(reference)
    for _ in range(5):
        assert_same(batched.sample(), reference.sample())
    samples = [space.sample() for _ in range(n)]
    stacked = space_utils.concatenate(space, samples, space_utils.create_empty_array(space, n))
    assert_same(
        stacked,
        gymnasium.vector.utils.concatenate(
            theirs, samples, gymnasium.vector.utils.create_empty_array(theirs, n)
        ),
    )
    assert stacked in batched
    if not isinstance(space, spaces.Discrete):
        assert_same(
            list(space_utils.iterate(batched, stacked)),
            list(gymnasium.vector.utils.iterate(reference, stacked)),
        )


@pytest.mark.parametrize("index", range(6))
def test_zero_sample_matches_gymnasium(index):
    from gymnasium.wrappers.utils import create_zero_array

    space = examples()[index]
    assert_same(space_utils.zero_sample(space), create_zero_array(to_gymnasium_space(space)))
    shifted = spaces.Box(np.array([1.0, -3.0, -1.0]), np.array([2.0, -2.0, 1.0]))
    assert space_utils.zero_sample(shifted).tolist() == [1.0, -2.0, 0.0]


def test_multi_discrete_samples_and_contains_like_gymnasium():
    ours = spaces.MultiDiscrete([3, 5, 7], seed=11, start=[0, -2, 10])
    theirs = gymnasium.spaces.MultiDiscrete([3, 5, 7], seed=11, start=[0, -2, 10])
    for _ in range(50):
        sample = ours.sample()
        assert_same(sample, theirs.sample())
        assert sample in ours
    for value in (
        [0, -2, 10],
        [2, 2, 16],
        [3, 0, 10],
        [0, -3, 10],
        np.array([1.5, 0, 10]),
        np.array([0, 0]),
        "abc",
    ):
        assert ours.contains(value) == theirs.contains(value), value
    assert repr(ours) == repr(theirs)
    assert repr(spaces.MultiDiscrete([2, 3])) == repr(gymnasium.spaces.MultiDiscrete([2, 3]))
    assert ours == spaces.MultiDiscrete([3, 5, 7], start=[0, -2, 10])
    assert ours != spaces.MultiDiscrete([3, 5, 7])


def test_bad_spaces_are_refused_clearly():
    with pytest.raises(ValueError, match="MultiDiscrete nvec must be positive"):
        spaces.MultiDiscrete([2, 0])
    with pytest.raises(ValueError, match="must be an integer dtype, got float32"):
        spaces.MultiDiscrete([2], dtype=np.float32)
    with pytest.raises(ValueError, match="start and nvec must have the same shape"):
        spaces.MultiDiscrete([2, 3], start=[0])
    with pytest.raises(TypeError, match="flatten handles homeml.rl.spaces .* got str"):
        space_utils.flatten("space", 1)
    with pytest.raises(ValueError, match="positive number of copies, got 0"):
        space_utils.batch_space(spaces.Discrete(2), 0)
    with pytest.raises(TypeError, match="Discrete space has no batch"):
        space_utils.iterate(spaces.Discrete(2), [0, 1])
