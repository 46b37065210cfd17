"""Environments with Gymnasium's API: the Sutton & Barto grid worlds, Gymnasium's toy-text and
classic-control tasks, and the k-armed bandit testbed. Build them directly or by name with
:func:`homeml.rl.registration.make`.
"""

from homeml.rl.envs.bandit import Bandit
from homeml.rl.envs.blackjack import Blackjack
from homeml.rl.envs.cartpole import CartPole
from homeml.rl.envs.cliff_walking import CliffWalking
from homeml.rl.envs.frozen_lake import FrozenLake, generate_random_map
from homeml.rl.envs.gridworld import GridWorld, GridWorld5x5
from homeml.rl.envs.mountain_car import MountainCar
from homeml.rl.envs.taxi import Taxi
from homeml.rl.envs.windy_gridworld import WindyGridWorld

__all__ = [
    "Bandit",
    "Blackjack",
    "CartPole",
    "CliffWalking",
    "FrozenLake",
    "GridWorld",
    "GridWorld5x5",
    "MountainCar",
    "Taxi",
    "WindyGridWorld",
    "generate_random_map",
]
