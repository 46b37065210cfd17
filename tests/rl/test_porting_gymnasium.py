"""A Gymnasium script runs on homeml with only the import changed, with the same results."""

import pytest
from test_wrappers import assert_same

pytest.importorskip(
    "gymnasium", reason="Gymnasium is the reference (pip install gymnasium); CI installs it"
)

SCRIPT = """
import numpy as np
import {module} as gym

rng = np.random.default_rng(0)
log = []

env = gym.make("CartPole-v1")
env = gym.wrappers.RecordEpisodeStatistics(env)
env = gym.wrappers.NormalizeObservation(env)
env = gym.wrappers.TransformReward(env, lambda r: 0.1 * r)
env = gym.wrappers.FrameStackObservation(env, 3)
observation, info = env.reset(seed=42)
for _ in range(200):
    action = int(observation[-1][2] > 0) if rng.random() < 0.8 else int(rng.integers(2))
    observation, reward, terminated, truncated, info = env.step(action)
    log.append((observation, reward, terminated, truncated))
    if terminated or truncated:
        log.append(info["episode"]["r"])
        observation, info = env.reset()
env.close()

envs = gym.make_vec("FrozenLake-v1", num_envs=3, vectorization_mode="sync",
                    wrappers=[gym.wrappers.FlattenObservation])
observations, infos = envs.reset(seed=7)
for _ in range(60):
    actions = rng.integers(4, size=3)
    observations, rewards, terminations, truncations, infos = envs.step(actions)
    log.append((observations, rewards, terminations, truncations, infos))
envs.close()

envs = gym.vector.SyncVectorEnv([lambda: gym.make("MountainCar-v0")] * 2)
observations, infos = envs.reset(seed=[1, 2])
for _ in range(30):
    observations, rewards, *_ = envs.step(np.array([2, 0]))
log.append((observations, rewards, str(envs.action_space)))
"""


def run(module):
    namespace = {}
    exec(SCRIPT.format(module=module), namespace)  # noqa: S102 - the script above, nothing else
    return namespace["log"]


def test_the_same_script_gives_the_same_results():
    ours, theirs = run("homeml.rl"), run("gymnasium")
    assert len(ours) > 250
    assert_same(ours, theirs)
