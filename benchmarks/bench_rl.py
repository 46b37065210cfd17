"""Step homeml's environments and Gymnasium's on the same workload, in one process.

    python benchmarks/bench_rl.py [--quick] [--case cartpole] [--repeats 3] [--dqn-seeds 0,1]

Each case runs the same function once with homeml's environment and once with Gymnasium's,
interleaved ``--repeats`` times so that machine noise hits both alike, keeps the best time of
each, and prints steps per second and the time ratio homeml / Gymnasium (below 1: homeml is
faster, as everywhere in BENCHMARKS.md; the issue's target is <= 1). Environments are built
with each library's ``make`` (both wrap in their TimeLimit; Gymnasium also adds its
order-enforcing and passive-checker wrappers, as its users get them), and the "raw" cases step
the bare environment classes.

Cases are a list (``CASES``): add a row with a name, the two environment factories, a workload
``run(env, size) -> steps`` and the full and ``--quick`` sizes.

Then, with ``--dqn-seeds``, the wall time DQN takes to solve CartPole-v1 with the settings and
stopping rule of ``examples/dqn_cartpole.py`` (greedy mean >= 475 over 100 fresh episodes).
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gymnasium
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleEnv

from homeml.rl.envs import CartPole
from homeml.rl.registration import make


@dataclass
class Case:
    """One benchmark row: the same workload on homeml's and Gymnasium's environment."""

    name: str
    homeml: Callable[[], object]  # () -> environment
    gymnasium: Callable[[], object]
    run: Callable[[object, int], int]  # (env, size) -> number of env steps taken
    size: int
    quick_size: int


def random_steps(n_actions: int, seed: int = 0):
    """Step with actions from a pre-generated array, resetting when an episode ends."""

    def run(env, n_steps):
        actions = np.random.default_rng(seed).integers(n_actions, size=n_steps).tolist()
        step, reset = env.step, env.reset
        reset(seed=seed)
        for action in actions:
            _, _, terminated, truncated, _ = step(action)
            if terminated or truncated:
                reset()
        return n_steps

    return run


def q_learning(env, n_episodes):
    """homeml's tabular Q-learning (TABULAR helper's ``QLearning``) trained on ``env``."""
    from homeml.rl.td import QLearning

    history = QLearning(alpha=0.5, epsilon=0.1, seed=0).train(env, n_episodes, progress=False)
    return int(history.lengths.sum())


CASES: list[Case] = [
    Case(
        "CartPole-v1 random steps",
        lambda: make("CartPole-v1"),
        lambda: gymnasium.make("CartPole-v1"),
        random_steps(2),
        200_000,
        20_000,
    ),
    Case(
        "CartPole raw class random steps", CartPole, CartPoleEnv, random_steps(2), 200_000, 20_000
    ),
    Case(
        "FrozenLake-v1 8x8 slippery steps",
        lambda: make("FrozenLake8x8-v1"),
        lambda: gymnasium.make("FrozenLake8x8-v1"),
        random_steps(4),
        200_000,
        20_000,
    ),
    Case(
        "CliffWalking-v1 random steps",
        lambda: make("CliffWalking-v1"),
        lambda: gymnasium.make("CliffWalking-v1"),
        random_steps(4),
        200_000,
        20_000,
    ),
    Case(
        "Taxi-v3 random steps",
        lambda: make("Taxi-v3"),
        lambda: gymnasium.make("Taxi-v4"),
        random_steps(6),
        100_000,
        10_000,
    ),
    Case(
        "Q-learning CliffWalking 500 episodes",
        lambda: make("CliffWalking-v1"),
        lambda: gymnasium.make("CliffWalking-v1"),
        q_learning,
        500,
        100,
    ),
]


def time_case(case: Case, quick: bool, repeats: int) -> dict:
    size = case.quick_size if quick else case.size
    best = {"homeml": np.inf, "gymnasium": np.inf}
    steps = {}
    for _ in range(repeats):
        for side in ("homeml", "gymnasium"):
            env = getattr(case, side)()
            start = time.perf_counter()
            steps[side] = case.run(env, size)
            best[side] = min(best[side], time.perf_counter() - start)
    return {side: (steps[side], best[side]) for side in best}


def dqn_solve_times(seeds) -> None:
    """DQN on CartPole-v1 until solved, as examples/dqn_cartpole.py trains it, per seed."""
    path = Path(__file__).resolve().parents[1] / "examples" / "dqn_cartpole.py"
    spec = importlib.util.spec_from_file_location("dqn_cartpole", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    print(
        f"\n{'DQN on CartPole-v1':24s} {'episodes':>8s} {'steps':>7s} {'train s':>8s} "
        f"{'greedy mean (homeml / gymnasium)':>34s}"
    )
    for seed in seeds:
        agent, returns, _, seconds = example.train_dqn(seed, 150_000, 14 * 60)
        scores = example.evaluate_both(agent)
        means = " / ".join(f"{values.mean():.1f}" for values in scores.values())
        print(
            f"{'seed ' + str(seed):24s} {len(returns):8d} {agent.n_steps_:7d} {seconds:8.1f} "
            f"{means:>34s}",
            flush=True,
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--case", default="", help="run only cases whose name contains this")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dqn-seeds", default="", help="e.g. 0,1: time DQN solving CartPole")
    args = parser.parse_args(argv)
    print(f"{'case':40s} {'homeml steps/s':>15s} {'gymnasium steps/s':>18s} {'ratio':>7s}")
    for case in CASES:
        if args.case.lower() not in case.name.lower():
            continue
        result = time_case(case, args.quick, max(1, args.repeats))
        rates = {side: steps / seconds for side, (steps, seconds) in result.items()}
        ratio = rates["gymnasium"] / rates["homeml"]  # = homeml's time / Gymnasium's
        print(
            f"{case.name:40s} {rates['homeml']:15,.0f} {rates['gymnasium']:18,.0f} {ratio:7.2f}",
            flush=True,
        )
    print("ratio = homeml's time / Gymnasium's for the same steps (target <= 1)")
    if args.dqn_seeds:
        dqn_solve_times([int(seed) for seed in args.dqn_seeds.split(",")])


if __name__ == "__main__":
    main()
