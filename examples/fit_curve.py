"""Fit a cubic to noisy samples of sin(x) with homeml's autograd: the smallest training loop.

python examples/fit_curve.py
"""

import math

import homeml as hm

hm.manual_seed(0)
x = hm.linspace(-math.pi, math.pi, 200)
y = x.sin() + 0.05 * hm.randn(200)

t = x / math.pi  # features on [-1, 1] keep plain gradient descent stable
coefficients = hm.zeros(4, requires_grad=True)  # y ~ a + b t + c t^2 + d t^3
powers = hm.stack([t**0, t, t**2, t**3], dim=1)  # (200, 4)

learning_rate = 0.5
for step in range(3001):
    prediction = powers @ coefficients
    loss = ((prediction - y) ** 2).mean()
    loss.backward()
    with hm.no_grad():
        coefficients -= learning_rate * coefficients.grad
        coefficients.grad.zero_()
    if step % 1000 == 0:
        print(f"step {step:4d}  loss {loss.item():.4f}")

a, b, c, d = coefficients.tolist()
print(f"sin(x) ~ {a:+.3f} {b:+.3f} t {c:+.3f} t^2 {d:+.3f} t^3, with t = x / pi")
