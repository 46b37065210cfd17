"""The agents by name: the table ``homeml rl --algo`` chooses from, and :func:`make_agent`.

The training run itself (plot, saved agent, summary) is a job: :mod:`homeml.jobs.rl`.
"""

from __future__ import annotations

import difflib
import importlib
import inspect

# name -> (module of homeml.rl, class); the names ``homeml rl --algo`` accepts
ALGORITHMS = {
    "q-learning": ("td", "QLearning"),
    "sarsa": ("td", "SARSA"),
    "expected-sarsa": ("td", "ExpectedSARSA"),
    "double-q-learning": ("td", "DoubleQLearning"),
    "n-step-sarsa": ("td", "NStepSARSA"),
    "mc-exploring-starts": ("monte_carlo", "MonteCarloES"),
    "mc-on-policy": ("monte_carlo", "OnPolicyMonteCarlo"),
    "mc-off-policy": ("monte_carlo", "OffPolicyMonteCarlo"),
    "dqn": ("dqn", "DQN"),
    "reinforce": ("policy_gradient", "REINFORCE"),
    "a2c": ("policy_gradient", "A2C"),
    "cem": ("cem", "CrossEntropyMethod"),
    "es": ("cem", "EvolutionStrategy"),
    "epsilon-greedy": ("bandits", "EpsilonGreedy"),
    "ucb": ("bandits", "UCB"),
    "gradient-bandit": ("bandits", "GradientBandit"),
}


def make_agent(algo: str, seed=None, **params):
    """A new agent of algorithm ``algo`` (a key of :data:`ALGORITHMS`) with ``params``."""
    if algo not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algo!r}; choose one of {', '.join(ALGORITHMS)}")
    module, name = ALGORITHMS[algo]
    cls = getattr(importlib.import_module(f"homeml.rl.{module}"), name)
    settings = agent_settings(cls)
    unknown = [key for key in params if key not in settings]
    if unknown and "**" not in settings.values():
        key = unknown[0]
        close = difflib.get_close_matches(key, settings, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        valid = ", ".join(f"{k}{v}" for k, v in settings.items() if k != "seed")
        raise ValueError(
            f"{algo} ({name}) has no setting {key!r}{hint}; its settings (--set NAME=VALUE) "
            f"are: {valid}"
        )
    return cls(seed=seed, **params)


def agent_settings(cls) -> dict[str, str]:
    """An agent class's public constructor parameters: name -> ``"=default"`` (or ``""``).

    A class that accepts ``**kwargs`` has the entry ``"kwargs": "**"``.
    """
    settings = {}
    for parameter in inspect.signature(cls).parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            settings[parameter.name] = "**"
        elif parameter.kind is not parameter.VAR_POSITIONAL and not parameter.name.startswith("_"):
            default = parameter.default
            settings[parameter.name] = "" if default is parameter.empty else f"={default!r}"
    return settings
