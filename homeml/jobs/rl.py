"""The reinforcement-learning job: ``homeml rl ENV --algo ALGO`` trains an agent on an
environment, evaluates its greedy policy, and writes a returns plot and the saved agent.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np

from homeml.rl.agent import EpisodeHistory
from homeml.rl.algorithms import ALGORITHMS, agent_settings, make_agent
from homeml.rl.schedules import SCHEDULES, ExponentialSchedule, LinearSchedule

__all__ = ["ALGORITHMS", "agent_settings", "make_agent", "parse_params", "run", "train_until"]


def parse_params(pairs) -> dict:
    """``["alpha=0.5", "hidden_sizes=[64,64]", "epsilon=linear:1,0.05,5000"]`` ->
    ``{"alpha": 0.5, "hidden_sizes": (64, 64), "epsilon": LinearSchedule(1, 0.05, 5000)}``.

    Values are JSON (lists become tuples); ``linear:START,END,DURATION`` and
    ``exponential:START,END,DECAY`` are schedules; anything else is a string.
    """
    params: dict[str, Any] = {}
    for pair in pairs or ():
        name, sep, text = pair.partition("=")
        if not sep or not name.isidentifier():
            raise ValueError(f"expected NAME=VALUE (e.g. alpha=0.5), got {pair!r}")
        kind, colon, numbers = text.partition(":")
        if colon and kind in SCHEDULES:
            try:
                start, end, third = (float(x) for x in numbers.split(","))
            except ValueError:
                third_name = "DURATION" if kind == "linear" else "DECAY"
                raise ValueError(
                    f"expected {name}={kind}:START,END,{third_name} (three numbers), got {pair!r}"
                ) from None
            if kind == "linear":  # DURATION counts steps
                params[name] = LinearSchedule(start, end, int(third))
            else:
                params[name] = ExponentialSchedule(start, end, third)
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        params[name] = tuple(value) if isinstance(value, list) else value
    return params


def train_until(
    agent,
    env,
    episodes: int,
    stop_at: float,
    eval_env,
    *,
    every: int = 10,
    eval_episodes: int = 10,
    progress: bool = True,
):
    """Train in rounds of ``every`` episodes; after each, play ``eval_episodes`` greedy episodes
    of ``eval_env`` and stop once their mean return reaches ``stop_at`` (as Stable-Baselines3's
    ``StopTrainingOnRewardThreshold``). Returns ``(history, episode it stopped at or None)``.
    """
    from tqdm.auto import tqdm

    parts, done = [], 0
    with tqdm(total=episodes, unit="ep", disable=not progress, leave=False) as bar:
        while done < episodes:
            part = agent.train(env, min(every, episodes - done), progress=False)
            parts.append(part)
            done += len(part)
            bar.update(len(part))
            score = float(agent.evaluate(eval_env, eval_episodes).mean())
            bar.set_postfix(greedy_mean=f"{score:.1f}")
            if score >= stop_at:
                return EpisodeHistory.concatenate(parts), done
    return EpisodeHistory.concatenate(parts), None


def run(
    env_name: str,
    algo: str,
    episodes: int,
    *,
    seed=None,
    params=None,
    eval_episodes=100,
    plot=None,
    out=None,
    env_kwargs=None,
    stop_at=None,
    progress=True,
) -> dict:
    """Train ``algo`` on ``homeml.rl.make(env_name)`` and evaluate its greedy policy.

    With ``stop_at``, training stops early once 10 greedy episodes (played every 10 training
    episodes) average at least ``stop_at``. Returns a summary: mean return of the last 100
    training episodes, evaluation mean and standard deviation over ``eval_episodes`` further
    episodes, wall time; writes a returns plot to ``plot`` and the agent to ``out`` when given.
    The greedy episodes are played on the training environment itself (its later episodes, from
    its own generator): for a bandit, the environment *is* the problem the agent learned.
    """
    import homeml
    from homeml.rl import make

    agent = make_agent(algo, seed=seed, **(params or {}))
    env = make(env_name, **(env_kwargs or {}))
    start = time.perf_counter()
    if stop_at is None:
        history, stopped = agent.train(env, episodes, progress=progress), None
    else:
        history, stopped = train_until(agent, env, episodes, stop_at, env, progress=progress)
    seconds = time.perf_counter() - start
    summary = {
        "env": env_name,
        "algo": algo,
        "agent": repr(agent),
        "episodes": len(history),
        "train_seconds": round(seconds, 2),
        "mean_return_last_100": float(np.mean(history.returns[-100:])),
    }
    if stop_at is not None:
        summary["stopped_early"] = stopped is not None
    if eval_episodes:
        returns = agent.evaluate(env, eval_episodes)
        summary["eval_episodes"] = int(eval_episodes)
        summary["eval_mean_return"] = float(returns.mean())
        summary["eval_std_return"] = float(returns.std())
    if plot:
        from homeml.plot import _pyplot, plot_returns

        fig, ax = _pyplot().subplots(figsize=(7, 4))
        plot_returns(history, ax=ax, label=f"{algo}, mean of 100")
        ax.set_title(f"{algo} on {env_name}")
        fig.tight_layout()
        fig.savefig(plot, dpi=120)
        _pyplot().close(fig)
        summary["plot"] = str(plot)
    if out:
        homeml.save(agent, out, metadata={k: v for k, v in summary.items() if k != "plot"})
        summary["saved"] = str(out)
    return summary
