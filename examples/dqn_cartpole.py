"""DQN solves CartPole-v1 (mean greedy return >= 475 over 100 episodes); so does the CEM.

    OMP_NUM_THREADS=1 python examples/dqn_cartpole.py [--seed 0] [--skip-cem]

DQN trains on homeml's ``make("CartPole-v1")`` in rounds of 10 episodes. After a round whose
training returns average over 150, the greedy policy plays 10 episodes of a separate evaluation
environment; once those average 495 or more, training stops (Stable-Baselines3's
``StopTrainingOnRewardThreshold`` does the same). The final score is 100 fresh greedy episodes on
homeml's CartPole and 100 on Gymnasium's (when installed: ``pip install -e ".[dev]"``; without it
only homeml's). The returns and their rolling mean go to runs/examples/rl-dqn-cartpole.png
(``--plot``) and the agent to runs/dqn-cartpole.safetensors (``homeml.save``).
DQN's defaults are the RL Baselines3 Zoo's hyper-parameters for CartPole-v1.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import homeml as hm
from homeml.rl.cem import CrossEntropyMethod
from homeml.rl.dqn import DQN
from homeml.rl.registration import make


def dqn_agent(seed: int) -> DQN:
    return DQN(seed=seed)  # the defaults are the Zoo's CartPole-v1 settings


def evaluate_both(agent, n_episodes: int = 100, seed: int = 10_000) -> dict:
    """Greedy returns of ``n_episodes`` on homeml's CartPole and on Gymnasium's."""
    returns = {"homeml": agent.evaluate(make("CartPole-v1"), n_episodes, seed=seed)}
    try:
        import gymnasium
    except ImportError:  # the reference is optional
        return returns
    returns["gymnasium"] = agent.evaluate(gymnasium.make("CartPole-v1"), n_episodes, seed=seed)
    return returns


def means(returns: dict) -> str:
    return ", ".join(f"{name} {values.mean():.1f}" for name, values in returns.items())


def train_dqn(seed: int, max_steps: int, max_seconds: float):
    agent, env, eval_env = dqn_agent(seed), make("CartPole-v1"), make("CartPole-v1")
    eval_env.reset(seed=seed + 1)
    returns, checks, start = [], [], time.perf_counter()
    while getattr(agent, "n_steps_", 0) < max_steps and time.perf_counter() - start < max_seconds:
        history = agent.train(env, 10, progress=False)
        returns.extend(history.returns)
        if history.returns.mean() > 150:
            score = agent.evaluate(eval_env, 10).mean()
            checks.append((len(returns), score))
            print(
                f"  episode {len(returns):4d}  steps {agent.n_steps_:6d}  "
                f"train mean {history.returns.mean():6.1f}  greedy mean {score:6.1f}  "
                f"{time.perf_counter() - start:5.1f}s",
                flush=True,
            )
            if score >= 495:
                break
    return agent, np.array(returns), checks, time.perf_counter() - start


def plot(returns, checks, evaluation: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from homeml.rl.agent import EpisodeHistory

    fig, (ax, ax_eval) = plt.subplots(1, 2, figsize=(11, 4.5), width_ratios=(2.2, 1))
    episodes = np.arange(1, len(returns) + 1)
    ax.plot(episodes, returns, lw=0.8, alpha=0.45, label="training episode return")
    ax.plot(episodes, EpisodeHistory(returns).rolling_mean(100), lw=2, label="mean of the last 100")
    if checks:
        ax.scatter(
            *zip(*checks),
            marker="o",
            s=18,
            color="k",
            zorder=3,
            label="greedy policy, mean of 10 episodes",
        )
    ax.axhline(475, color="grey", ls="--", lw=1, label="solved (475)")
    ax.set(xlabel="episode", ylabel="return", title=title, ylim=(0, 520))
    ax.legend(loc="upper left", fontsize=8)
    for name, values in evaluation.items():
        ax_eval.plot(
            np.arange(1, len(values) + 1),
            values,
            ".",
            ms=4,
            label=f"{name}'s CartPole: mean {values.mean():.1f}",
        )
    ax_eval.axhline(475, color="grey", ls="--", lw=1)
    ax_eval.set(
        xlabel="evaluation episode", ylabel="return", ylim=(0, 520), title="trained agent, greedy"
    )
    ax_eval.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=150_000)
    parser.add_argument("--max-minutes", type=float, default=14.0)
    parser.add_argument("--plot", type=Path, default=Path("runs/examples/rl-dqn-cartpole.png"))
    parser.add_argument("--save", type=Path, default=Path("runs/dqn-cartpole.safetensors"))
    parser.add_argument("--skip-cem", action="store_true")
    args = parser.parse_args()

    start = time.perf_counter()
    print(f"DQN on homeml's CartPole-v1, seed {args.seed}")
    agent, returns, checks, seconds = train_dqn(args.seed, args.max_steps, args.max_minutes * 60)
    print(
        f"trained: {len(returns)} episodes, {agent.n_steps_} steps, {agent.n_updates_} "
        f"gradient steps in {seconds:.1f}s"
    )
    evaluation = evaluate_both(agent)
    scores = {name: values.mean() for name, values in evaluation.items()}
    print(f"greedy mean return over 100 episodes: {means(evaluation)}")
    plot(returns, checks, evaluation, args.plot, f"DQN on CartPole-v1, seed {args.seed}")
    args.save.parent.mkdir(parents=True, exist_ok=True)
    hm.save(agent, args.save, metadata={"seed": args.seed, "eval_mean": scores["homeml"]})
    reloaded = evaluate_both(hm.load(args.save))
    assert all(np.array_equal(reloaded[k], evaluation[k]) for k in evaluation)
    print(f"saved to {args.save} (reloaded agent scores the same); plot: {args.plot}")
    print(
        f"DQN wall time {time.perf_counter() - start:.1f}s "
        f"({'SOLVED' if min(scores.values()) >= 475 else 'not solved'})"
    )

    if not args.skip_cem:
        t = time.perf_counter()
        cem = CrossEntropyMethod(seed=args.seed)
        cem.train(make("CartPole-v1"), 1000, progress=False)
        print(
            f"CEM (linear policy, 1000 episodes = {cem.n_generations_} generations) in "
            f"{time.perf_counter() - t:.1f}s: greedy mean over 100 episodes "
            f"{means(evaluate_both(cem))}"
        )
    print(f"total wall time {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
