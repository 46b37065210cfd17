"""Derivative-free policy search: the cross-entropy method and an OpenAI-style evolution strategy.

Both search the parameters ``theta`` of a deterministic policy for a Discrete action space,
``a = argmax(f_theta(s))``, where ``f_theta`` is linear (``hidden_sizes=()``, the default) or a
small tanh MLP, from the returns of whole episodes only (no gradients of the policy):

- :class:`CrossEntropyMethod` (Rubinstein; Szita & Lorincz, 2006, for RL) samples a population
  from ``N(mean, diag(std**2))``, keeps the best ``elite_fraction`` and refits ``mean`` and
  ``std`` to them, adding ``noise`` to the variance so the search does not collapse too early.
- :class:`EvolutionStrategy` (Salimans et al., 2017) samples antithetic pairs
  ``theta +- sigma * eps``, turns their returns into centred ranks in [-0.5, 0.5] and follows
  ``sum_i rank_i * eps_i / (n * sigma)`` with Adam (and an L2 weight decay).

An "episode" of the history is one evaluation of one candidate: a generation is
``population_size * n_eval_episodes`` episodes, and ``train`` may stop in the middle of one
(the next call carries on with it). The ``generation`` column says which generation an episode
belonged to.
"""

from __future__ import annotations

import numpy as np

import homeml as hm
from homeml.nn import Parameter
from homeml.optim import Adam
from homeml.rl._checks import (
    check_fraction,
    check_hidden_sizes,
    check_n_episodes,
    check_positive,
    check_positive_int,
)
from homeml.rl._networks import (
    ObservationEncoder,
    discrete_actions,
)
from homeml.rl.agent import Agent, HistoryRecorder, env_seed, generator_from_seed
from homeml.rl.schedules import as_schedule

__all__ = ["CrossEntropyMethod", "EvolutionStrategy"]


def _layers(theta: np.ndarray, sizes) -> list[tuple[np.ndarray, np.ndarray]]:
    """Views ``(W (n_in, n_out), b (n_out,))`` of each layer into the flat vector ``theta``."""
    layers, i = [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        w = theta[i : i + n_in * n_out].reshape(n_in, n_out)
        i += n_in * n_out
        layers.append((w, theta[i : i + n_out]))
        i += n_out
    return layers


def _n_parameters(sizes) -> int:
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def _scores(layers, x: np.ndarray) -> np.ndarray:
    for k, (w, b) in enumerate(layers):
        x = x @ w + b
        if k < len(layers) - 1:
            x = np.tanh(x)
    return x


class _PopulationSearch(Agent):
    """The episode loop, acting and saving shared by the two searches."""

    _name = "population search"

    def _check_common(self) -> int:
        check_hidden_sizes(self.hidden_sizes)
        check_positive_int("n_eval_episodes", self.n_eval_episodes)
        return check_positive_int("population_size", self.population_size, low=2)

    def train(self, env, n_episodes: int, *, progress: bool = True):
        """Evaluate ``n_episodes`` candidate episodes, updating after each full generation."""
        n_episodes = check_n_episodes(n_episodes)
        population = self._check_params()
        encoder = ObservationEncoder.for_space(env.observation_space, self._name)
        n_actions, action_start = discrete_actions(env.action_space, self._name)
        first_call = not hasattr(self, "_rng")
        if first_call:
            self._rng = generator_from_seed(self.seed)
        sizes = [encoder.n_inputs, *check_hidden_sizes(self.hidden_sizes), n_actions]
        if not hasattr(self, "theta_"):
            self.encoder_, self.action_start_, self.sizes_ = encoder, action_start, sizes
            self.n_generations_ = 0
            self._initialise(_n_parameters(sizes))
        elif encoder.to_state() != self.encoder_.to_state() or sizes != self.sizes_:
            raise ValueError(
                f"this {self._name} was trained on observations {self.encoder_.to_state()} with "
                f"layer sizes {self.sizes_}; the environment gives {encoder.to_state()} and {sizes}"
            )
        n_eval = int(self.n_eval_episodes)
        first_seed = env_seed(self.seed, self._rng) if first_call else None
        recorder = HistoryRecorder(n_episodes, progress, self._name)
        for episode in range(n_episodes):
            if getattr(self, "_candidates", None) is None or len(self._candidates) != population:
                self._candidates = self._ask(population)
                self._fitness = np.zeros(population)
                self._evaluated = 0
            candidate = self._evaluated // n_eval
            seed = first_seed if episode == 0 else None
            total, length = self._run(env, _layers(self._candidates[candidate], sizes), seed)
            self._fitness[candidate] += total / n_eval
            self._evaluated += 1
            recorder.episode(total, length, generation=self.n_generations_)
            if self._evaluated == population * n_eval:
                self._tell(self._candidates, self._fitness)
                self.n_generations_ += 1
                self._candidates = None
        return recorder.close()

    def _run(self, env, layers, seed) -> tuple[float, int]:
        observation, _ = env.reset(seed=seed)
        total, length, done = 0.0, 0, False
        encode, start = self.encoder_, self.action_start_
        while not done:
            action = int(np.argmax(_scores(layers, encode(observation)))) + start
            observation, reward, terminated, truncated, _ = env.step(action)
            total, length, done = total + float(reward), length + 1, terminated or truncated
        return total, length

    def act(self, observation):
        """The policy's action for the current parameters ``theta_`` (CEM: the mean)."""
        self._check_trained()
        x = self.encoder_(observation)
        return int(np.argmax(_scores(_layers(self.theta_, self.sizes_), x))) + self.action_start_

    def _get_state(self) -> dict:
        state = {
            "observation": self.encoder_.to_state(),
            "action_start": self.action_start_,
            "sizes": list(self.sizes_),
            "theta": self.theta_,
            "n_generations": self.n_generations_,
            **self._extra_state(),
        }
        if getattr(self, "_candidates", None) is not None:  # a generation half evaluated
            state["generation"] = {
                "candidates": self._candidates,
                "fitness": self._fitness,
                "evaluated": int(self._evaluated),
            }
        return state

    def _set_state(self, state: dict) -> None:
        self.encoder_ = ObservationEncoder.from_state(state["observation"])
        self.action_start_ = int(state["action_start"])
        self.sizes_ = [int(s) for s in state["sizes"]]
        self.theta_ = np.array(state["theta"], dtype=np.float64)
        if self.theta_.shape != (_n_parameters(self.sizes_),):
            raise ValueError(
                f"theta has shape {self.theta_.shape}, layers {self.sizes_} need "
                f"{_n_parameters(self.sizes_)} numbers"
            )
        self.n_generations_ = int(state["n_generations"])
        if "generation" in state:
            generation = state["generation"]
            self._candidates = np.array(generation["candidates"], dtype=np.float64)
            self._fitness = np.array(generation["fitness"], dtype=np.float64)
            self._evaluated = int(generation["evaluated"])
        self._set_extra_state(state)


class CrossEntropyMethod(_PopulationSearch):
    """The cross-entropy method on the parameters of a linear (or small MLP) policy.

    Parameters
    ----------
    hidden_sizes : tuple of int, default ()
        Hidden layers of the policy (tanh); ``()`` is a linear policy.
    population_size : int, default 50
        Candidates per generation.
    elite_fraction : float, default 0.2
        Fraction of the population refitted to (at least one candidate).
    initial_std : float, default 1.0
        Initial standard deviation of every parameter (the mean starts at 0).
    noise : float or schedule, default 0.0
        Added to the elite variance, a number or a function of the generation (Szita &
        Lorincz's decreasing noise).
    n_eval_episodes : int, default 1
        Episodes averaged into each candidate's fitness.
    seed : int, Generator or None
        Seeds the sampling and the first reset.

    Attributes
    ----------
    theta_ : ndarray
        The mean of the search distribution: the policy ``act`` uses.
    std_ : ndarray
        The current standard deviations.
    n_generations_ : int
        Completed generations.
    """

    _name = "CrossEntropyMethod"

    def __init__(
        self,
        hidden_sizes=(),
        population_size=50,
        elite_fraction=0.2,
        initial_std=1.0,
        noise=0.0,
        n_eval_episodes=1,
        seed=None,
    ):
        self.hidden_sizes = hidden_sizes
        self.population_size = population_size
        self.elite_fraction = elite_fraction
        self.initial_std = initial_std
        self.noise = noise
        self.n_eval_episodes = n_eval_episodes
        self.seed = seed

    def _check_params(self) -> int:
        population = self._check_common()
        check_fraction("elite_fraction", self.elite_fraction, low_open=True)
        check_positive("initial_std", self.initial_std)
        try:
            as_schedule(self.noise)
        except TypeError:
            raise ValueError(f"noise must be a number or a schedule, got {self.noise!r}") from None
        return population

    def _initialise(self, n: int) -> None:
        self.theta_ = np.zeros(n)
        self.std_ = np.full(n, float(self.initial_std))

    def _ask(self, population: int) -> np.ndarray:
        return self.theta_ + self.std_ * self._rng.standard_normal((population, len(self.theta_)))

    def _tell(self, candidates, fitness) -> None:
        n_elite = max(1, int(round(self.elite_fraction * len(candidates))))
        elite = candidates[np.argsort(-fitness, kind="stable")[:n_elite]]
        noise = float(as_schedule(self.noise)(self.n_generations_))
        self.theta_ = elite.mean(axis=0)
        self.std_ = np.sqrt(elite.var(axis=0) + max(noise, 0.0))

    def _extra_state(self) -> dict:
        return {"std": self.std_}

    def _set_extra_state(self, state) -> None:
        self.std_ = np.array(state["std"], dtype=np.float64)


class EvolutionStrategy(_PopulationSearch):
    """OpenAI's evolution strategy: antithetic sampling, centred-rank fitness, Adam steps.

    Parameters
    ----------
    hidden_sizes : tuple of int, default ()
        Hidden layers of the policy (tanh); ``()`` is a linear policy.
    population_size : int, default 20
        Candidates per generation, an even number (``population_size // 2`` antithetic pairs).
    sigma : float, default 0.1
        Standard deviation of the parameter perturbations.
    learning_rate : float, default 0.05
        Adam's step size.
    weight_decay : float, default 0.0
        L2 penalty on the parameters (Salimans et al. used 0.005).
    n_eval_episodes : int, default 1
        Episodes averaged into each candidate's fitness.
    seed : int, Generator or None
        Seeds the initial parameters, the perturbations and the first reset.

    Attributes
    ----------
    theta_ : ndarray
        The current parameters: the policy ``act`` uses.
    n_generations_ : int
        Completed generations.
    """

    _name = "EvolutionStrategy"

    def __init__(
        self,
        hidden_sizes=(),
        population_size=20,
        sigma=0.1,
        learning_rate=0.05,
        weight_decay=0.0,
        n_eval_episodes=1,
        seed=None,
    ):
        self.hidden_sizes = hidden_sizes
        self.population_size = population_size
        self.sigma = sigma
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.n_eval_episodes = n_eval_episodes
        self.seed = seed

    def _check_params(self) -> int:
        population = self._check_common()
        if population % 2:
            raise ValueError(
                f"population_size must be even (antithetic pairs), got {self.population_size!r}"
            )
        check_positive("sigma", self.sigma)
        check_positive("learning_rate", self.learning_rate)
        if (
            isinstance(self.weight_decay, bool)
            or not isinstance(self.weight_decay, (int, float))
            or not 0 <= self.weight_decay < np.inf
        ):
            raise ValueError(f"weight_decay must be a number >= 0, got {self.weight_decay!r}")
        return population

    def _initialise(self, n: int) -> None:
        self.theta_ = 0.1 * self._rng.standard_normal(n)

    def _optimizer(self):
        if getattr(self, "_adam", None) is None:  # the first generation, or a load without Adam
            self._param = Parameter(self.theta_.copy())
            self._adam = Adam([self._param], lr=float(self.learning_rate))
        return self._param, self._adam

    def _ask(self, population: int) -> np.ndarray:
        self._eps = self._rng.standard_normal((population // 2, len(self.theta_)))
        return np.concatenate(
            [self.theta_ + self.sigma * self._eps, self.theta_ - self.sigma * self._eps]
        )

    def _tell(self, candidates, fitness) -> None:
        ranks = centered_ranks(fitness)
        half = len(fitness) // 2
        gradient = (ranks[:half] - ranks[half:]) @ self._eps / (len(fitness) * self.sigma)
        param, adam = self._optimizer()
        param._data[...] = self.theta_
        param.grad = hm.tensor(-(gradient - self.weight_decay * self.theta_))  # Adam minimises
        adam.step()
        self.theta_ = param._data.copy()

    def _extra_state(self) -> dict:
        state = {}
        if getattr(self, "_eps", None) is not None:  # the noise of the current generation
            state["eps"] = self._eps
        if getattr(self, "_adam", None) is not None:  # Adam's moments: training continues
            state["adam"] = self._adam.state_dict()
        return state

    def _set_extra_state(self, state) -> None:
        if "eps" in state:
            self._eps = np.array(state["eps"], dtype=np.float64)
        if "adam" in state:
            self._param, self._adam = None, None
            param, adam = self._optimizer()
            adam.load_state_dict(state["adam"])


def centered_ranks(fitness) -> np.ndarray:
    """Ranks of ``fitness`` scaled to [-0.5, 0.5] (ties broken by position), as Salimans et al."""
    fitness = np.asarray(fitness)
    ranks = np.empty(len(fitness))
    ranks[np.argsort(fitness, kind="stable")] = np.arange(len(fitness))
    return ranks / (len(fitness) - 1) - 0.5
