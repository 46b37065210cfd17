"""Reinforcement learning on Gymnasium's environment API: environments, dynamic programming,
Monte Carlo, temporal-difference learning, bandits, deep RL and derivative-free search.

``homeml.rl.make("CartPole-v1")`` builds an environment; the agents train on homeml's or
Gymnasium's environments alike (``agent.train(env, n_episodes)``) and save with
:func:`homeml.save`.

- environments: :func:`make` (and :mod:`homeml.rl.envs`), :mod:`homeml.rl.spaces`, :class:`Env`,
  :class:`Wrapper`, :class:`TimeLimit`; :func:`to_gymnasium` makes one a ``gymnasium.Env`` for
  Gymnasium's tools and Gymnasium-based agents (it imports gymnasium only then)
- Gymnasium's common wrappers in :mod:`homeml.rl.wrappers`; vector environments:
  :class:`SyncVectorEnv`, :func:`make_vec` (:mod:`homeml.rl.vector`)
- dynamic programming (:mod:`~homeml.rl.dp`): :func:`policy_evaluation`,
  :func:`policy_iteration`, :func:`value_iteration`
- Monte Carlo (:mod:`~homeml.rl.monte_carlo`): :func:`mc_prediction`,
  :func:`off_policy_mc_prediction`, :class:`MonteCarloES`, :class:`OnPolicyMonteCarlo`,
  :class:`OffPolicyMonteCarlo`
- temporal difference (:mod:`~homeml.rl.td`): :func:`td_prediction`, :class:`SARSA`,
  :class:`ExpectedSARSA`, :class:`QLearning`, :class:`DoubleQLearning`, :class:`NStepSARSA`
- bandits (:mod:`~homeml.rl.bandits`): :class:`EpsilonGreedy`, :class:`UCB`,
  :class:`GradientBandit`, :func:`run_testbed`
- deep RL on :mod:`homeml.nn`: :class:`DQN`, :class:`REINFORCE`, :class:`A2C`
- derivative-free (:mod:`~homeml.rl.cem`): :class:`CrossEntropyMethod`,
  :class:`EvolutionStrategy`
"""

from importlib import import_module

from homeml.rl import spaces, wrappers
from homeml.rl.agent import Agent, EpisodeHistory
from homeml.rl.bandits import UCB, EpsilonGreedy, GradientBandit, run_testbed
from homeml.rl.dp import action_values, policy_evaluation, policy_iteration, value_iteration
from homeml.rl.env import (
    ActionWrapper,
    Env,
    ObservationWrapper,
    ResetNeeded,
    RewardWrapper,
    TimeLimit,
    Wrapper,
)
from homeml.rl.gymnasium_compat import from_gymnasium_space, to_gymnasium, to_gymnasium_space
from homeml.rl.monte_carlo import (
    MonteCarloES,
    OffPolicyMonteCarlo,
    OnPolicyMonteCarlo,
    mc_prediction,
    off_policy_mc_prediction,
)
from homeml.rl.registration import make, register, registry, spec
from homeml.rl.schedules import ExponentialSchedule, LinearSchedule, as_schedule
from homeml.rl.td import (
    SARSA,
    DoubleQLearning,
    ExpectedSARSA,
    NStepSARSA,
    QLearning,
    td_prediction,
)
from homeml.rl.vector import SyncVectorEnv, make_vec

__all__ = [
    "A2C",
    "DQN",
    "REINFORCE",
    "SARSA",
    "UCB",
    "Agent",
    "CrossEntropyMethod",
    "DoubleQLearning",
    "Env",
    "EpsilonGreedy",
    "EvolutionStrategy",
    "ExpectedSARSA",
    "ExponentialSchedule",
    "GradientBandit",
    "EpisodeHistory",
    "LinearSchedule",
    "MonteCarloES",
    "NStepSARSA",
    "OffPolicyMonteCarlo",
    "OnPolicyMonteCarlo",
    "QLearning",
    "ReplayBuffer",
    "ResetNeeded",
    "TimeLimit",
    "Wrapper",
    "action_values",
    "as_schedule",
    "make",
    "mc_prediction",
    "off_policy_mc_prediction",
    "policy_evaluation",
    "policy_iteration",
    "register",
    "registry",
    "run_testbed",
    "spaces",
    "spec",
    "td_prediction",
    "to_gymnasium",
    "to_gymnasium_space",
    "from_gymnasium_space",
    "value_iteration",
    "wrappers",
    "ObservationWrapper",
    "RewardWrapper",
    "ActionWrapper",
    "SyncVectorEnv",
    "make_vec",
]

# The agents built on homeml.nn load on first use, so that ``import homeml.rl`` (environments,
# tabular methods, bandits) does not import the neural-network toolkit.
_DEEP_AGENTS = {
    "DQN": "dqn",
    "ReplayBuffer": "dqn",
    "REINFORCE": "policy_gradient",
    "A2C": "policy_gradient",
    "CrossEntropyMethod": "cem",
    "EvolutionStrategy": "cem",
}


def __getattr__(name: str):
    if name in _DEEP_AGENTS:
        value = getattr(import_module(f"homeml.rl.{_DEEP_AGENTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'homeml.rl' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
