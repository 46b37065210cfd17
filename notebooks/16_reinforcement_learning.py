# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 16 · Reinforcement learning: planning with a model, learning without one
#
# No labels now: an **agent** acts in an **environment**, which answers each action with a new
# state and a reward. The goal is a **policy** (what to do in each state) that collects as much
# reward as possible over time. Two settings, two families of methods:
#
# 1. the environment's dynamics are known (a table of transition probabilities): **dynamic
#    programming** computes the best policy exactly, by repeated Bellman backups;
# 2. they are not: the agent must try things. **Q-learning** learns the values of actions from
#    its own experience, one step at a time.
#
# homeml's environments follow Gymnasium's API (`reset(seed=)`, `step(action)` returning
# `(state, reward, terminated, truncated, info)`), and `homeml.rl` has both families; we write
# each in NumPy first and compare.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

from homeml.rl import SARSA, QLearning, make, policy_evaluation, value_iteration

FULL = False  # True: more simulated episodes and more runs
N_EPISODES_SIM = 20_000 if FULL else 2_000
N_RUNS = 10 if FULL else 3
rng = np.random.default_rng(0)

# %% [markdown]
# ## FrozenLake and its model
#
# A 4×4 frozen lake: start at S, reach the goal G (reward 1), avoid the holes H (the episode
# ends with reward 0). The ice is slippery: the agent moves in the intended direction only a
# third of the time and slides to either side otherwise. Actions: 0 left, 1 down, 2 right,
# 3 up. `env.unwrapped.P[s][a]` lists the possible outcomes
# `(probability, next state, reward, terminated)`.

# %%
env = make("FrozenLake-v1")
lake = env.unwrapped
print("\n".join(row.tobytes().decode() for row in lake.desc))
print("P[14][2] (next to the goal, going right):", lake.P[14][2])

n_states, n_actions = env.observation_space.n, env.action_space.n
T = np.zeros((n_states, n_actions, n_states))  # T[s, a, s']: transition probabilities
R = np.zeros((n_states, n_actions))  # expected reward of (s, a)
CONT = np.zeros((n_states, n_actions, n_states))  # probability mass that does not terminate
for s in range(n_states):
    for a in range(n_actions):
        for p, s_next, reward, terminated in lake.P[s][a]:
            T[s, a, s_next] += p
            R[s, a] += p * reward
            CONT[s, a, s_next] += p * (not terminated)
assert np.allclose(T.sum(-1), 1)

# %% [markdown]
# ## Evaluating a policy
#
# The value $v_\pi(s)$ of a state under policy $\pi$ is the expected discounted return
# $\mathbb E[r_1 + \gamma r_2 + \gamma^2 r_3 + \dots]$ from $s$. It satisfies the **Bellman
# equation**, one step of the environment plus the value of where it lands:
#
# $$v_\pi(s) = \sum_a \pi(a \mid s) \Big[R(s, a)
#   + \gamma \sum_{s'} T^{\text{cont}}(s, a, s')\, v_\pi(s')\Big],$$
#
# where $T^{\text{cont}}$ leaves out the transitions that end the episode (nothing follows
# them). Iterating the right-hand side as an update converges to $v_\pi$ for $\gamma < 1$.
# Here: the policy that picks actions uniformly at random.

# %%
GAMMA = 0.99
uniform = np.full((n_states, n_actions), 1 / n_actions)  # pi(a | s)
V = np.zeros(n_states)
sweeps = 0
while True:
    new = np.sum(uniform * (R + GAMMA * CONT @ V), axis=1)  # CONT @ V: (S, A)
    sweeps += 1
    if np.abs(new - V).max() < 1e-12:
        break
    V = new
theirs = policy_evaluation(env, uniform, gamma=GAMMA)
print(f"{sweeps} sweeps; max |ours - homeml| = {np.abs(V - theirs).max():.1e}")
assert np.abs(V - theirs).max() < 1e-8
V_random = V

# %% [markdown]
# Our sweeps and homeml's `policy_evaluation` agree to $10^{-8}$. A random walker is worth
# little: from the start, its discounted chance of reaching the goal is about 0.01.
#
# ## The best policy: value iteration
#
# The optimal values satisfy the Bellman *optimality* equation: take the best action instead
# of averaging,
#
# $$v_*(s) = \max_a \Big[R(s, a) + \gamma \sum_{s'} T^{\text{cont}}(s, a, s')\, v_*(s')\Big],$$
#
# and the optimal policy is greedy with respect to $v_*$. Value iteration applies that update
# until nothing changes.

# %%
assert V_random[0] < 0.02

V = np.zeros(n_states)
while True:
    Q = R + GAMMA * CONT @ V  # (S, A) action values
    new = Q.max(1)
    if np.abs(new - V).max() < 1e-12:
        break
    V = new
V_star, Q_star = V, R + GAMMA * CONT @ V
theirs_V, theirs_policy = value_iteration(env, gamma=GAMMA)
# compare the greedy actions where one action is clearly best (holes and the goal tie at 0)
clear = np.sort(Q_star, 1)[:, -1] - np.sort(Q_star, 1)[:, -2] > 1e-6
comparison = {
    "max |V - homeml V|": np.abs(V_star - theirs_V).max(),
    "greedy actions that differ (clear states)": int(
        np.sum(Q_star.argmax(1)[clear] != theirs_policy[clear])
    ),
    "V*(start)": V_star[0],
    "V_random(start)": V_random[0],
}
pd.Series(comparison)

# %%
assert comparison["max |V - homeml V|"] < 1e-8
assert comparison["greedy actions that differ (clear states)"] == 0

arrows = np.array(["←", "↓", "→", "↑"])
fig, ax = plt.subplots(figsize=(4.2, 4.2))
ax.imshow(V_star.reshape(4, 4), cmap="Blues")
for s in range(n_states):
    r, c = divmod(s, 4)
    cell = lake.desc[r, c].decode()
    text = cell if cell in "HG" else f"{arrows[Q_star[s].argmax()]}\n{V_star[s]:.2f}"
    ax.text(c, r, text, ha="center", va="center", color="k" if V_star[s] < 0.6 else "w")
ax.set(title=r"$v_*$ and the greedy policy ($\gamma$ = 0.99)", xticks=[], yticks=[])
plt.show()

# %% [markdown]
# The optimal policy looks odd at first: in the start state it goes *left*, into the wall.
# On slippery ice that is safe: it can only slide down or stay, never towards a hole.
#
# ## Checking against experience
#
# Episodes of FrozenLake stop after 100 steps. With $\gamma = 1$ and exactly 100 backups,
# value iteration gives the best possible probability of reaching the goal within that limit
# (and a policy that depends on the time left). homeml computes it with `horizon=100`; we
# check it, then play the policy in the environment and count the wins.

# %%
HORIZON = 100
V_h, policy_h = np.zeros(n_states), np.zeros((HORIZON, n_states), dtype=int)
for steps_left in range(1, HORIZON + 1):
    Q_h = R + CONT @ V_h  # gamma = 1
    policy_h[HORIZON - steps_left] = Q_h.argmax(1)
    V_h = Q_h.max(1)
theirs_Vh, _ = value_iteration(env, gamma=1.0, horizon=HORIZON)
assert np.abs(V_h - theirs_Vh).max() < 1e-12

wins = 0
for _ in tqdm(range(N_EPISODES_SIM), desc="playing"):
    state, _ = env.reset(seed=int(rng.integers(2**31)))
    for t in range(HORIZON):
        state, reward, terminated, truncated, _ = env.step(int(policy_h[t, state]))
        if terminated or truncated:
            break
    wins += reward
rate = wins / N_EPISODES_SIM
stderr = np.sqrt(V_h[0] * (1 - V_h[0]) / N_EPISODES_SIM)
print(f"computed probability {V_h[0]:.4f}; won {rate:.4f} of {N_EPISODES_SIM} (± {stderr:.4f})")

# %% [markdown]
# The best probability of winning within 100 steps is 0.744 (to three decimals), and the
# played episodes win at a rate within 4 standard errors of it: the model and the environment
# tell the same story.

# %%
assert round(V_h[0], 3) == 0.744
assert abs(rate - V_h[0]) < 4 * stderr

# %% [markdown]
# ## Learning without a model: Q-learning
#
# Now pretend we cannot read `P`. The agent keeps a table $Q(s, a)$ and after every step
# $(s, a, r, s')$ moves it towards a one-step target:
#
# $$Q(s, a) \leftarrow Q(s, a) + \alpha\,\big[r + \gamma \max_{a'} Q(s', a') - Q(s, a)\big]$$
#
# (with no $\max$ term when the step ended the episode). It acts $\varepsilon$-greedily: a
# random action with probability $\varepsilon$, the best-looking one otherwise. Q-learning is
# *off-policy*: it learns the values of the greedy policy while behaving exploratively.
#
# CliffWalking (Sutton & Barto, Example 6.6): a 4×12 grid, start bottom-left, goal
# bottom-right, the cells between them are a cliff (reward -100 and back to the start); every
# step costs -1. The shortest safe path takes 13 steps.


# %%
def q_learning(env, episodes, alpha=0.5, gamma=1.0, epsilon=0.1, seed=0):
    rng = np.random.default_rng(seed)
    Q = np.zeros((env.observation_space.n, env.action_space.n))
    returns = []
    state, _ = env.reset(seed=seed)
    for _ in range(episodes):
        total, done = 0.0, False
        while not done:
            if rng.random() < epsilon:
                action = int(rng.integers(env.action_space.n))
            else:  # greedy, ties broken at random
                action = int(rng.choice(np.flatnonzero(Q[state] == Q[state].max())))
            next_state, reward, terminated, truncated, _ = env.step(action)
            target = reward + (0.0 if terminated else gamma * Q[next_state].max())
            Q[state, action] += alpha * (target - Q[state, action])
            total += reward
            state, done = next_state, terminated or truncated
        returns.append(total)
        state, _ = env.reset()
    return Q, np.array(returns)


def greedy_return(env, policy):
    """Play the greedy policy once (CliffWalking is deterministic)."""
    state, _ = env.reset(seed=0)
    total = 0.0
    for _ in range(100):
        state, reward, terminated, truncated, _ = env.step(int(policy[state]))
        total += reward
        if terminated or truncated:
            break
    return total


cliff = make("CliffWalking-v1")
curves, rows = {"Q-learning (ours)": [], "QLearning (homeml)": [], "SARSA (homeml)": []}, []
for run in tqdm(range(N_RUNS), desc="runs"):
    Q, returns = q_learning(cliff, 500, seed=run)
    homeml_q = QLearning(alpha=0.5, epsilon=0.1, seed=run)
    homeml_sarsa = SARSA(alpha=0.5, epsilon=0.1, seed=run)
    curves["Q-learning (ours)"].append(returns)
    curves["QLearning (homeml)"].append(homeml_q.train(cliff, 500, progress=False).returns)
    curves["SARSA (homeml)"].append(homeml_sarsa.train(cliff, 500, progress=False).returns)
    rows.append(
        {
            "run": run,
            "ours: greedy return": greedy_return(cliff, Q.argmax(1)),
            "homeml QLearning: greedy return": greedy_return(cliff, homeml_q.policy_),
            "homeml SARSA: greedy return": greedy_return(cliff, homeml_sarsa.policy_),
        }
    )
V_cliff, _ = value_iteration(cliff, gamma=1.0)
greedy = pd.DataFrame(rows).set_index("run")
greedy

# %% [markdown]
# After 500 episodes both Q-learners' greedy policies walk the optimal 13-step path along the
# cliff edge (return -13, which value iteration on the known model confirms is the best
# possible: $v_*(\text{start}) = -13$). SARSA, which learns the value of the exploring policy
# it actually follows, prefers a safer, longer path: its greedy return is worse than -13, most
# often -17 (the route along the top row, away from the edge).

# %%
assert V_cliff[36] == -13  # the start state is row 3, column 0
assert (greedy["ours: greedy return"] == -13).all()
assert (greedy["homeml QLearning: greedy return"] == -13).all()
assert (greedy["homeml SARSA: greedy return"] < -13).all()
assert greedy["homeml SARSA: greedy return"].mode()[0] == -17

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
window = 10
averages = {}
for name, runs in curves.items():
    mean = np.mean(runs, axis=0)
    averages[name] = mean[100:].mean()
    ax.plot(pd.Series(mean).rolling(window).mean(), label=name)
ax.set(
    ylim=(-100, 0),
    xlabel="episode",
    ylabel=f"return (mean of {N_RUNS} runs, {window}-episode window)",
)
ax.set_title("Sutton & Barto Figure 6.4: returns while learning, epsilon = 0.1")
ax.legend()
plt.show()
online = pd.Series(averages, name="mean return while learning, episodes 100-500")
online

# %% [markdown]
# While *learning*, the picture flips (the book's Figure 6.4): Q-learning walks the cliff edge
# and its $\varepsilon$-random steps sometimes fall off, so its returns during training are
# lower than SARSA's by more than 10 per episode. Our Q-learning and homeml's match each other
# to within 5 per episode on average (different random streams, same algorithm).

# %%
assert online["SARSA (homeml)"] - online["QLearning (homeml)"] > 10
assert abs(online["Q-learning (ours)"] - online["QLearning (homeml)"]) < 5

# %% [markdown]
# Tables stop working when states are too many to list (CartPole's positions and speeds,
# images). Deep RL replaces the table by a network: `homeml.rl.DQN` is Q-learning with a
# `homeml.nn` network, a replay buffer and a target network (`homeml rl CartPole-v1 --algo dqn`).
#
# **Next:** notebook 20 takes a trained model out of the notebook: saving, ONNX export and
# serving.
