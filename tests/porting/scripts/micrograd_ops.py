# micrograd's test_more_ops, as run against torch: in-place += on graph tensors.
import torch

a = torch.Tensor([-4.0]).double()
b = torch.Tensor([2.0]).double()
a.requires_grad = True
b.requires_grad = True
c = a + b
d = a * b + b**3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + (b + a).relu()
d = d + 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g = g + 10.0 / f
g.backward()
first = [g.data.item(), a.grad.item(), b.grad.item()]

# the same with in-place accumulation on the graph tensors
a.grad, b.grad = None, None
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
g.backward()

RESULTS = {"out_of_place": first, "in_place": [g.data.item(), a.grad.item(), b.grad.item()]}
