"""Blackjack (Sutton & Barto Example 5.1), as Gymnasium's ``BlackjackEnv``.

Cards are drawn with replacement from an infinite deck (1 = ace, face cards 10). The player sees
``(player_sum, dealer_showing, usable_ace)`` and hits (1) or sticks (0); going over 21 loses
(-1). On sticking the dealer draws until 17 or more; the higher score wins (+1, 0 draw, -1).
``sab=True`` (what ``make("Blackjack-v1")`` uses) follows Sutton & Barto: a natural wins +1
unless the dealer also has one. Otherwise ``natural=True`` pays 1.5 for a winning natural.
The draws (including the dealer card's suit, kept for rendering) match Gymnasium's, so a seed
deals the same hands.
"""

from __future__ import annotations

from homeml.rl.env import Env
from homeml.rl.spaces import Discrete, Tuple

__all__ = ["Blackjack"]

DECK = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10)
SUITS = ("C", "D", "H", "S")


def hand_value(hand: list[int]) -> tuple[int, int]:
    """The best total of a hand and whether it holds a usable ace (counted as 11)."""
    total = sum(hand)
    if 1 in hand and total + 10 <= 21:
        return total + 10, 1
    return total, 0


def _score(hand) -> int:
    total = hand_value(hand)[0]
    return 0 if total > 21 else total


def _is_natural(hand) -> bool:
    return sorted(hand) == [1, 10]


class Blackjack(Env):
    """Blackjack against a dealer who sticks on 17 (see the module docstring).

    Parameters
    ----------
    render_mode : {"ansi"} or None
    natural : bool, default False
        Pay 1.5 for a winning natural (ignored when ``sab``).
    sab : bool, default False
        Sutton & Barto's rules (``make("Blackjack-v1")`` sets it).
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, render_mode=None, natural=False, sab=False):
        self.action_space = Discrete(2)
        self.observation_space = Tuple((Discrete(32), Discrete(11), Discrete(2)))
        self.natural = natural
        self.sab = sab
        self.player = self.dealer = None
        self._check_render_mode(render_mode)

    def _draw(self) -> int:
        # Generator.choice(DECK) draws exactly this integer.
        return DECK[self._np_random.integers(13)]

    def _obs(self):
        total, usable = hand_value(self.player)
        return (total, self.dealer[0], usable)

    def reset(self, *, seed=None, options=None):
        """Deal two cards each; returns ``((player_sum, dealer_card, usable_ace), {})``."""
        super().reset(seed=seed)
        rng = self.np_random
        self.dealer = [self._draw(), self._draw()]
        self.player = [self._draw(), self._draw()]
        self.dealer_top_card_suit = SUITS[rng.integers(4)]
        shown = self.dealer[0]
        if shown == 1:
            self.dealer_top_card_value_str = "A"
        elif shown == 10:
            self.dealer_top_card_value_str = ("J", "Q", "K")[rng.integers(3)]
        else:
            self.dealer_top_card_value_str = str(shown)
        return self._obs(), {}

    def step(self, action):
        """Hit (1) or stick (0); returns ``(obs, reward, terminated, False, {})``."""
        if self._needs_reset is not False:
            self._raise_reset_needed()
        if action.__class__ is not int and not self.action_space.contains(action):
            self._raise_invalid_action(action)
        if action == 1:
            self.player.append(self._draw())
            terminated = hand_value(self.player)[0] > 21
            reward = -1.0 if terminated else 0.0
        elif action == 0:
            terminated = True
            while hand_value(self.dealer)[0] < 17:
                self.dealer.append(self._draw())
            player, dealer = _score(self.player), _score(self.dealer)
            reward = float(player > dealer) - float(player < dealer)
            if self.sab and _is_natural(self.player) and not _is_natural(self.dealer):
                reward = 1.0
            elif not self.sab and self.natural and _is_natural(self.player) and reward == 1.0:
                reward = 1.5
        else:
            self._raise_invalid_action(action)
        if terminated:
            self._needs_reset = True
        return self._obs(), reward, terminated, False, {}

    def render(self):
        """The hands as text (``"ansi"``), or None."""
        if self.render_mode is None or self.player is None:
            return None
        total, usable = hand_value(self.player)
        dealer = f"Dealer shows {self.dealer_top_card_value_str}{self.dealer_top_card_suit}"
        if self._needs_reset:
            dealer += f" and ends with {self.dealer} = {hand_value(self.dealer)[0]}"
        ace = " (usable ace)" if usable else ""
        return f"{dealer}\nPlayer has {self.player} = {total}{ace}\n"
