"""Gymnasium's common wrappers for homeml environments, with Gymnasium's names and semantics.

- bookkeeping: :class:`RecordEpisodeStatistics`, :class:`TimeLimit`
- observations: :class:`TransformObservation`, :class:`FlattenObservation`,
  :class:`NormalizeObservation`, :class:`FrameStackObservation`
- rewards: :class:`TransformReward`, :class:`NormalizeReward`
- actions: :class:`TransformAction`, :class:`ClipAction`, :class:`RescaleAction`
- rendering: :class:`HumanRendering` (what ``render_mode="human"`` uses)

The base classes :class:`~homeml.rl.Wrapper`, ``ObservationWrapper``, ``RewardWrapper`` and
``ActionWrapper`` are in :mod:`homeml.rl.env`.
"""

from homeml.rl.env import ActionWrapper, ObservationWrapper, RewardWrapper, Wrapper
from homeml.rl.wrappers.common import RecordEpisodeStatistics, TimeLimit
from homeml.rl.wrappers.rendering import HumanRendering
from homeml.rl.wrappers.stateful import (
    FrameStackObservation,
    NormalizeObservation,
    NormalizeReward,
    RunningMeanStd,
)
from homeml.rl.wrappers.transform import (
    ClipAction,
    FlattenObservation,
    RescaleAction,
    TransformAction,
    TransformObservation,
    TransformReward,
)

__all__ = [
    "ActionWrapper",
    "ClipAction",
    "FlattenObservation",
    "FrameStackObservation",
    "HumanRendering",
    "NormalizeObservation",
    "NormalizeReward",
    "ObservationWrapper",
    "RecordEpisodeStatistics",
    "RescaleAction",
    "RewardWrapper",
    "RunningMeanStd",
    "TimeLimit",
    "TransformAction",
    "TransformObservation",
    "TransformReward",
    "Wrapper",
]
