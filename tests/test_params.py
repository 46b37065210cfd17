"""The shared parameter protocol: estimators and agents are siblings on ``ParamsMixin``."""

import subprocess
import sys

import pytest

from homeml._params import ParamsMixin, clone
from homeml.exceptions import NotFittedError
from homeml.learn.base import BaseEstimator
from homeml.learn.exceptions import NotFittedError as LearnNotFittedError
from homeml.rl.agent import Agent
from homeml.rl.td import QLearning


class Thing(ParamsMixin):
    def __init__(self, alpha=1.0, inner=None, name="a"):
        self.alpha = alpha
        self.inner = inner
        self.name = name


def test_get_set_params_and_nested():
    thing = Thing(alpha=2.0, inner=Thing(name="b"))
    params = thing.get_params()
    assert params["alpha"] == 2.0 and params["inner__name"] == "b"
    assert set(thing.get_params(deep=False)) == {"alpha", "inner", "name"}
    thing.set_params(inner__alpha=3.0, name="c")
    assert thing.inner.alpha == 3.0 and thing.name == "c"
    with pytest.raises(ValueError, match="Invalid parameter 'beta' for estimator Thing"):
        thing.set_params(beta=1)


def test_repr_and_clone():
    thing = Thing(alpha=1.0, name="z")
    assert repr(thing) == "Thing(name='z')"
    copy = clone(thing)
    assert type(copy) is Thing and copy is not thing and copy.name == "z"
    with pytest.raises(TypeError, match="Cannot clone"):
        clone(object())


def test_agents_and_estimators_are_siblings():
    agent = QLearning(alpha=0.3, seed=1)
    assert isinstance(agent, ParamsMixin) and isinstance(BaseEstimator(), ParamsMixin)
    assert not isinstance(agent, BaseEstimator)
    assert not issubclass(Agent, BaseEstimator)
    assert repr(agent) == "QLearning(alpha=0.3, seed=1)"
    copy = clone(agent)
    assert type(copy) is QLearning and copy.get_params() == agent.get_params()
    sklearn_base = pytest.importorskip("sklearn.base")
    assert sklearn_base.clone(agent).get_params() == agent.get_params()


def test_untrained_agent_raises_the_estimators_not_fitted_error():
    assert NotFittedError is LearnNotFittedError
    with pytest.raises(LearnNotFittedError):
        QLearning().act(0)


def test_rl_does_not_import_learn():
    code = "import sys, homeml.rl; print(sorted(m for m in sys.modules if 'homeml.learn' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
