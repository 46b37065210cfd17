"""Reproduce Sutton & Barto's tabular figures with homeml.rl (and check FrozenLake's numbers).

Needs gymnasium (FrozenLake's policy is also played on Gymnasium's own environment):
``pip install -e ".[dev]"``.

Writes rl-bandits.png (Figure 2.2), rl-gridworld.png (Figure 4.1's values), rl-blackjack.png
(Figure 5.1, 500,000 episodes) and rl-cliff-walking.png (Figure 6.4, 50 runs x 500 episodes)
to --out (default runs/examples; the README's pictures are ``--out docs``), and prints the
numbers and the time each part took.

    python examples/rl_book_figures.py [--out runs/examples]
"""

import argparse
import time
from pathlib import Path

try:
    import gymnasium
except ImportError:
    raise SystemExit(
        'examples/rl_book_figures.py needs gymnasium: pip install -e ".[dev]"'
    ) from None
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from homeml.rl.bandits import EpsilonGreedy, run_testbed  # noqa: E402
from homeml.rl.dp import policy_evaluation, value_iteration  # noqa: E402
from homeml.rl.monte_carlo import mc_prediction  # noqa: E402
from homeml.rl.registration import make  # noqa: E402
from homeml.rl.td import SARSA, QLearning  # noqa: E402

DOCS = Path("runs/examples")  # where the pictures go: --out


def timed(title):
    print(f"\n== {title}")
    return time.perf_counter()


def figure_2_2():
    start = timed("Figure 2.2: 10-armed testbed, 2000 runs x 1000 steps")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
    for eps, color in ((0.0, "green"), (0.01, "red"), (0.1, "blue")):
        rewards, optimal = run_testbed(EpsilonGreedy(epsilon=eps), 2000, 1000, seed=0)
        top.plot(rewards, color=color, lw=0.8, label=f"epsilon = {eps}")
        bottom.plot(100 * optimal, color=color, lw=0.8)
        print(
            f"epsilon={eps:<5} mean reward (last 100 steps) {rewards[-100:].mean():.3f}, "
            f"optimal action {100 * optimal[-100:].mean():.1f}%"
        )
    top.set_ylabel("Average reward")
    top.legend()
    bottom.set_ylabel("% Optimal action")
    bottom.set_xlabel("Steps")
    fig.savefig(DOCS / "rl-bandits.png", dpi=100, bbox_inches="tight")
    print(f"({time.perf_counter() - start:.1f} s)")


def figure_4_1_and_frozen_lake():
    start = timed("Figure 4.1 (random policy, gamma=1) and Example 3.5 (gamma=0.9)")
    V = policy_evaluation(make("GridWorld-v0"), np.full((16, 4), 0.25))
    print(np.round(V.reshape(4, 4)).astype(int))
    grid = make("GridWorld5x5-v0")
    print("v* top row:", np.round(value_iteration(grid, gamma=0.9)[0][:5], 1))
    print(
        "v_random top row:", np.round(policy_evaluation(grid, np.full((25, 4), 0.25), 0.9)[:5], 1)
    )
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(V.reshape(4, 4), cmap="viridis")
    for (i, j), v in np.ndenumerate(V.reshape(4, 4)):
        ax.text(j, i, f"{v:.1f}", ha="center", va="center", color="white")
    ax.set_title("Figure 4.1: v of the random policy")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.savefig(DOCS / "rl-gridworld.png", dpi=100, bbox_inches="tight")

    timed("FrozenLake (slippery)")
    for name, map_name, limit in (("FrozenLake-v1", "4x4", 100), ("FrozenLake8x8-v1", "8x8", 200)):
        env = gymnasium.make(name, is_slippery=True)
        best, _ = value_iteration(env, gamma=1.0, horizon=limit)
        _, policy = value_iteration(env, gamma=0.995)
        t = time.perf_counter()
        wins = 0.0
        for episode in range(10_000):
            obs, _ = env.reset(seed=0 if episode == 0 else None)
            done = False
            while not done:
                obs, reward, terminated, truncated, _ = env.step(int(policy[obs]))
                done = terminated or truncated
            wins += reward
        print(
            f"{map_name}: optimal success within {limit} steps {best[0]:.4f}; greedy policy "
            f"of gamma=0.995 wins {wins / 10_000:.4f} of 10,000 episodes on Gymnasium "
            f"({time.perf_counter() - t:.1f} s)"
        )
    print(f"({time.perf_counter() - start:.1f} s)")


def figure_5_1():
    start = timed("Figure 5.1: Blackjack, stick on 20 or 21, 500,000 episodes")
    V = mc_prediction(
        make("Blackjack-v1", sab=True),
        lambda obs: 0 if obs[0] >= 20 else 1,
        500_000,
        seed=0,
        progress=True,
    )
    fig = plt.figure(figsize=(10, 4.5))
    dealer, player = np.meshgrid(np.arange(1, 11), np.arange(12, 22))
    for k, (ace, title) in enumerate(((1, "Usable ace"), (0, "No usable ace"))):
        ax = fig.add_subplot(1, 2, k + 1, projection="3d")
        ax.plot_surface(dealer, player, V[12:22, 1:11, ace], cmap="viridis", lw=0.2)
        ax.set(title=title, xlabel="Dealer showing", ylabel="Player sum", zlim=(-1, 1))
        print(
            f"{title:>13}: v(sum 21) = {V[21, 1:11, ace].mean():+.3f} on average, "
            f"v(sum 13) = {V[13, 1:11, ace].mean():+.3f}"
        )
    fig.savefig(DOCS / "rl-blackjack.png", dpi=100, bbox_inches="tight")
    print(f"({time.perf_counter() - start:.1f} s)")


def figure_6_4():
    start = timed("Figure 6.4: cliff walking, epsilon=0.1, alpha=0.5, 50 runs x 500 episodes")
    fig, ax = plt.subplots(figsize=(7, 4))
    for cls, color in ((SARSA, "blue"), (QLearning, "red")):
        returns = np.array(
            [
                cls(alpha=0.5, epsilon=0.1, seed=run)
                .train(make("CliffWalking-v1"), 500, progress=False)
                .returns
                for run in range(50)
            ]
        )
        curve = returns.mean(axis=0)
        smooth = np.convolve(curve, np.ones(10) / 10, mode="valid")
        ax.plot(np.arange(10, 501), smooth, color=color, label=cls.__name__)
        per_run = returns[:, 100:].mean(axis=1)
        print(
            f"{cls.__name__:>9}: mean return over episodes 100-500 {per_run.mean():.2f} "
            f"(run-to-run std {per_run.std():.2f})"
        )
    ax.set(ylim=(-100, 0), xlabel="Episodes", ylabel="Sum of rewards during episode")
    ax.legend()
    fig.savefig(DOCS / "rl-cliff-walking.png", dpi=100, bbox_inches="tight")
    print(f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="folder for the pictures")
    DOCS = parser.parse_args().out
    DOCS.mkdir(parents=True, exist_ok=True)
    figure_2_2()
    figure_4_1_and_frozen_lake()
    figure_5_1()
    figure_6_4()
    print(f"\npictures in {DOCS}/")
