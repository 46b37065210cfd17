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
# # 02 · An autograd engine, from one scalar to homeml's Tensor
#
# Notebook 01 got derivatives three ways. The third, `loss.backward()`, is the one every neural
# network uses. Here we build it: first a scalar engine small enough to read in one screen
# (in the spirit of Andrej Karpathy's *micrograd*), then the same idea on NumPy arrays, which
# is what `homeml.Tensor` is. At each stage the gradients must equal homeml's (and PyTorch's,
# where installed) and finite differences.
#
# The idea in one line: every operation remembers its inputs and how to pass a gradient back
# to them (its *local derivative*); `backward()` visits the operations from the output back to
# the inputs, multiplying local derivatives along the way (the chain rule).

# %%
import math
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

import homeml as hm

FULL = False  # True: a bigger network trained for longer
HIDDEN = 32 if FULL else 16
N_STEPS = 1_000 if FULL else 300

# %% [markdown]
# ## A scalar that remembers where it came from
#
# A `Value` holds a number (`data`), the gradient of the final output with respect to it
# (`grad`, filled in by `backward`), its parents, and a `_backward` closure that adds its share
# of the gradient to each parent. For $c = a \cdot b$ the chain rule says
# $\frac{\partial L}{\partial a} \mathrel{+}= b\,\frac{\partial L}{\partial c}$: the `+=` matters
# when a value is used twice.


# %%
class Value:
    """A scalar in a computation graph."""

    def __init__(self, data, parents=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self._parents = parents
        self._op = op
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad  # d(a + b)/da = 1
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad  # d(a b)/da = b
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):  # k a plain number
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad  # d(e^a)/da = e^a

        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():
            self.grad += (self.data > 0) * out.grad

        out._backward = _backward
        return out

    # the rest follows from the above
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Value(other) - self

    def backward(self):
        """Fill in .grad of every value this one depends on."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth-first topological sort, without recursion
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in node._parents)
        self.grad = self.grad * 0 + 1.0  # dL/dL = 1 (a float here, an array in a subclass)
        for node in reversed(order):  # outputs before inputs
            node._backward()

    def __repr__(self):
        return f"Value({self.data:.4f}, grad={self.grad:.4f})"


# %% [markdown]
# ## One neuron, three ways
#
# A neuron with two inputs: $o = \tanh(w_1 x_1 + w_2 x_2 + b)$, and, to make it a little more
# interesting, a loss $L = (o - 0.5)^2 + e^{w_1}/w_2$ that uses $w_1$ and $w_2$ twice.

# %%
inputs = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.5, "b": 6.8813735870195432}


def neuron_loss(v, lib_exp, lib_tanh):
    """The loss, written once for any number type with +, *, / and the two functions."""
    o = lib_tanh(v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["b"])
    return (o - 0.5) ** 2 + lib_exp(v["w1"]) / v["w2"]


# the scalar engine
values = {name: Value(number) for name, number in inputs.items()}
loss = neuron_loss(values, Value.exp, Value.tanh)
loss.backward()
table = pd.DataFrame({"scalar engine": {n: v.grad for n, v in values.items()}})

# homeml
tensors = {n: hm.tensor(x, dtype=hm.float64, requires_grad=True) for n, x in inputs.items()}
neuron_loss(tensors, hm.exp, hm.tanh).backward()
table["homeml Tensor"] = {n: t.grad.item() for n, t in tensors.items()}

# central differences in float64, one input at a time
h = 1e-6
table["finite difference"] = {
    n: (
        neuron_loss({**inputs, n: inputs[n] + h}, math.exp, math.tanh)
        - neuron_loss({**inputs, n: inputs[n] - h}, math.exp, math.tanh)
    )
    / (2 * h)
    for n in inputs
}
try:
    import torch

    ts = {n: torch.tensor(x, dtype=torch.float64, requires_grad=True) for n, x in inputs.items()}
    neuron_loss(ts, torch.exp, torch.tanh).backward()
    table["PyTorch"] = {n: t.grad.item() for n, t in ts.items()}
except ImportError:
    print("PyTorch is not installed: comparing with homeml and finite differences")
table

# %% [markdown]
# The scalar engine and homeml agree to $10^{-12}$; finite differences agree with both to
# $10^{-8}$.

# %%
assert np.allclose(table["scalar engine"], table["homeml Tensor"], rtol=0, atol=1e-12)
assert np.allclose(table["scalar engine"], table["finite difference"], rtol=0, atol=1e-8)
if "PyTorch" in table:
    assert np.allclose(table["PyTorch"], table["homeml Tensor"], rtol=0, atol=1e-12)

# %% [markdown]
# **Why `+=`?** With `b = a + a`, the gradient of `b` reaches `a` along two edges, and
# $\partial b/\partial a = 2$. An engine that wrote `=` instead of `+=` would say 1.

# %%
a = Value(3.0)
b = a + a
b.backward()
assert a.grad == 2.0
a.grad

# %% [markdown]
# ## From scalars to arrays
#
# The scalar engine is correct and hopelessly slow: a 784×100 layer would be 78,400 `Value`
# objects. The fix keeps the same graph and the same backward walk but lets each node hold a
# whole NumPy array, so one node does a whole matrix product. The local derivatives become
# matrix formulas. For $Y = X W$ with $X$ of shape $(n, d)$ and $W$ of shape $(d, k)$:
#
# $$\frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} W^\top, \qquad
#   \frac{\partial L}{\partial W} = X^\top \frac{\partial L}{\partial Y}.$$
#
# One new thing: **broadcasting**. Adding a bias of shape $(k,)$ to $(n, k)$ copies it $n$
# times, so its gradient is the sum over those copies. `unbroadcast` sums a gradient back down
# to its input's shape; homeml has one such helper in `tensor.py`.


# %%
def unbroadcast(grad, shape):
    """Sum grad over the axes that broadcasting added or stretched, back to `shape`."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Array(Value):
    """Value's graph walk (`backward` is inherited as it is), a NumPy array in every node."""

    def __init__(self, data, parents=(), op=""):
        self.data = np.asarray(data, dtype=np.float64)
        self.grad = np.zeros_like(self.data)
        self._parents, self._op, self._backward = parents, op, lambda: None

    def _make(self, data, parents, op, backward):
        out = Array(data, parents, op)
        out._backward = lambda: backward(out.grad)
        return out

    def __add__(self, other):
        other = other if isinstance(other, Array) else Array(other)

        def backward(g):
            self.grad += unbroadcast(g, self.data.shape)
            other.grad += unbroadcast(g, other.data.shape)

        return self._make(self.data + other.data, (self, other), "+", backward)

    def __mul__(self, other):
        other = other if isinstance(other, Array) else Array(other)

        def backward(g):
            self.grad += unbroadcast(g * other.data, self.data.shape)
            other.grad += unbroadcast(g * self.data, other.data.shape)

        return self._make(self.data * other.data, (self, other), "*", backward)

    def __matmul__(self, other):  # (n, d) @ (d, k) -> (n, k)
        def backward(g):  # g: (n, k)
            self.grad += g @ other.data.T  # (n, d)
            other.grad += self.data.T @ g  # (d, k)

        return self._make(self.data @ other.data, (self, other), "@", backward)

    def __pow__(self, k):
        def backward(g):
            self.grad += k * self.data ** (k - 1) * g

        return self._make(self.data**k, (self,), f"**{k}", backward)

    def tanh(self):
        out_data = np.tanh(self.data)

        def backward(g):
            self.grad += (1 - out_data**2) * g

        return self._make(out_data, (self,), "tanh", backward)

    def mean(self):
        def backward(g):  # every element gets an equal share
            self.grad += np.full_like(self.data, g / self.data.size)

        return self._make(self.data.mean(), (self,), "mean", backward)


# %% [markdown]
# ## A small network on two spirals
#
# Two interleaved spiral arms of points, labelled $\pm 1$, and a two-layer network
# $f(X) = \tanh(X W_1 + b_1)\, W_2 + b_2$ with shapes $X: (n, 2)$, $W_1: (2, h)$,
# $b_1: (h,)$, $W_2: (h, 1)$, $b_2: (1,)$, trained on the squared error $\overline{(f - y)^2}$.

# %%
rng = np.random.default_rng(0)
n_per_class = 50
t = np.sqrt(rng.uniform(0.05, 1, n_per_class)) * 1.5 * np.pi  # angle along the spiral
arm = np.column_stack([t * np.cos(t), t * np.sin(t)]) / (1.5 * np.pi)  # (50, 2)
X = np.vstack([arm, -arm]) + rng.normal(0, 0.04, (2 * n_per_class, 2))  # (100, 2)
y = np.r_[np.ones(n_per_class), -np.ones(n_per_class)][:, None]  # (100, 1)

init = {  # the same starting weights for every engine
    "W1": rng.normal(0, 1.0, (2, HIDDEN)),
    "b1": np.zeros(HIDDEN),
    "W2": rng.normal(0, 1 / np.sqrt(HIDDEN), (HIDDEN, 1)),
    "b2": np.zeros(1),
}


def forward(p, X, tanh):
    """The network's output, (n, 1), for any array type."""
    return tanh(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]


# %% [markdown]
# First, one gradient computed by all the engines: the scalar engine (one `Value` per weight,
# per input, per intermediate number), our `Array`, and homeml.

# %%
start = time.perf_counter()
scalar_params = {k: np.vectorize(Value, otypes=[object])(v) for k, v in init.items()}
out = forward(scalar_params, X, np.vectorize(Value.tanh, otypes=[object]))
scalar_loss = ((out - y) ** 2).sum() / len(y)  # NumPy arrays of Value objects
scalar_loss.backward()
scalar_seconds = time.perf_counter() - start

start = time.perf_counter()
array_params = {k: Array(v) for k, v in init.items()}
array_loss = ((forward(array_params, Array(X), Array.tanh) - Array(y)) ** 2).mean()
array_loss.backward()
array_seconds = time.perf_counter() - start

hm_params = {k: hm.tensor(v, requires_grad=True) for k, v in init.items()}  # float64 stays
hm_loss = ((forward(hm_params, hm.tensor(X), hm.tanh) - hm.tensor(y)) ** 2).mean()
hm_loss.backward()

rows = []
for name in init:
    scalar_grad = np.vectorize(lambda v: v.grad)(scalar_params[name])
    rows.append(
        {
            "parameter": name,
            "shape": init[name].shape,
            "max |scalar - Array|": np.abs(scalar_grad - array_params[name].grad).max(),
            "max |Array - homeml|": np.abs(
                array_params[name].grad - hm_params[name].grad.numpy()
            ).max(),
        }
    )
print(f"scalar engine {scalar_seconds * 1e3:.0f} ms, Array {array_seconds * 1e3:.1f} ms (one run)")
pd.DataFrame(rows)

# %% [markdown]
# All three agree to $10^{-12}$, and the array version is about a hundred times faster here (the
# printed times are one noisy run on a shared machine; timings are never asserted).

# %%
for row in rows:
    assert row["max |scalar - Array|"] < 1e-12 and row["max |Array - homeml|"] < 1e-12, row
assert abs(scalar_loss.data - array_loss.data) < 1e-12
assert abs(array_loss.data - hm_loss.item()) < 1e-12

# %% [markdown]
# ## Training: our engine against homeml, step for step
#
# Plain gradient descent with the same learning rate, from the same weights, in our `Array`
# engine and in homeml with `optim.SGD`. In float64 the two loss curves coincide.

# %%
LR = 0.2 if HIDDEN <= 16 else 0.1
ours = {k: v.copy() for k, v in init.items()}
params = [hm.tensor(v, requires_grad=True) for v in init.values()]
optimizer = hm.optim.SGD(params, lr=LR)
history = []
for _ in tqdm(range(N_STEPS), desc="training"):
    nodes = {k: Array(v) for k, v in ours.items()}
    loss = ((forward(nodes, Array(X), Array.tanh) - Array(y)) ** 2).mean()
    loss.backward()
    for k in ours:
        ours[k] -= LR * nodes[k].grad

    optimizer.zero_grad()
    hm_loss = ((forward(dict(zip(init, params)), hm.tensor(X), hm.tanh) - hm.tensor(y)) ** 2).mean()
    hm_loss.backward()
    optimizer.step()
    history.append({"ours": float(loss.data), "homeml": hm_loss.item()})
history = pd.DataFrame(history)
history.iloc[[0, N_STEPS // 2, -1]]

# %% [markdown]
# The curves agree to $10^{-10}$ at every step; the loss falls below a tenth of its start, and the
# sign of the output classifies at least 95% of the training points correctly.

# %%
assert (history["ours"] - history["homeml"]).abs().max() < 1e-10
assert history["ours"].iloc[-1] < 0.1 * history["ours"].iloc[0]
accuracy = np.mean(np.sign(forward(ours, X, np.tanh)) == y)
assert accuracy >= 0.95, accuracy
accuracy

# %%
grid = np.stack(np.meshgrid(np.linspace(-1.3, 1.3, 200), np.linspace(-1.3, 1.3, 200)), -1)
scores = forward(ours, grid.reshape(-1, 2), np.tanh).reshape(200, 200)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.plot(history["ours"], label="our Array engine")
left.plot(history["homeml"], "--", label="homeml")
left.set(xlabel="step", ylabel="mean squared error", title="the same curve, twice")
left.legend()
right.contourf(
    grid[..., 0], grid[..., 1], scores, levels=[-9, 0, 9], colors=["tab:blue", "tab:red"], alpha=0.2
)
right.scatter(X[:, 0], X[:, 1], c=y[:, 0], cmap="coolwarm", s=12)
right.set(title=f"the decision boundary after {N_STEPS} steps", aspect="equal")
plt.show()

# %% [markdown]
# ## What homeml adds on top
#
# `homeml.Tensor` is the `Array` class grown up: the same graph and the same reverse walk
# (`homeml/autograd.py`), one helper to undo broadcasting, and a `Function` per operation with
# its forward and backward side by side (`homeml/ops/`). It adds float32 by default, hundreds of
# operations, `no_grad()`, freeing the graph after `backward()`, and errors that name shapes.
# You can write your own operation exactly the way our `Value` methods were written:


# %%
class Cube(hm.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * grad  # the local derivative times the incoming gradient


x = hm.tensor([1.0, -2.0, 0.5], dtype=hm.float64, requires_grad=True)
Cube.apply(x).sum().backward()
assert np.allclose(x.grad.numpy(), 3 * np.array([1.0, -2.0, 0.5]) ** 2, rtol=0, atol=1e-12)
x.grad

# %% [markdown]
# **Next:** notebook 03 fits lines and planes again, this time with the exact answer (the normal
# equations), gradient descent and ridge regularisation, against `homeml.learn.linear_model`.
