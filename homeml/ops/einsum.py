"""``einsum``: Einstein summation, forward by ``np.einsum`` and backward by one einsum per operand.

The gradient of operand ``i`` is the einsum of the output gradient with every other operand,
producing operand ``i``'s subscripts: the contraction that made the output, run the other way.
Two cases need more than that: a letter that appears only in operand ``i`` (summed over there
alone, as ``ij->i``) gets the gradient broadcast along it, and a letter repeated in operand ``i``
(a diagonal, as the trace ``ii->``) gets the gradient written into that diagonal of zeros.
"""

from __future__ import annotations

import string

import numpy as np

from homeml.tensor import Function, Tensor


def _parse(equation, shapes):
    """``(input subscripts, output subscripts)`` with ``...`` replaced by letters of its own."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    specs = inputs.split(",")
    if len(specs) != len(shapes):
        raise ValueError(
            f"einsum: the equation {equation!r} has {len(specs)} operand(s), got {len(shapes)}"
        )
    free = [c for c in string.ascii_letters if c not in equation]
    ellipsis_rank = 0
    for spec, shape in zip(specs, shapes):
        letters = spec.replace("...", "")
        if not all(c in string.ascii_letters for c in letters) or spec.count("...") > 1:
            raise ValueError(f"einsum: invalid subscripts {spec!r} in {equation!r}")
        rank = len(shape) - len(letters)
        if rank < 0 or (rank > 0 and "..." not in spec):
            raise ValueError(
                f"einsum: subscripts {spec!r} do not match an operand of shape {tuple(shape)}"
            )
        ellipsis_rank = max(ellipsis_rank, rank)
    batch = "".join(free[:ellipsis_rank])  # the ellipsis dimensions, right-aligned per operand
    specs = [
        s.replace("...", batch[ellipsis_rank - (len(shp) - len(s.replace("...", ""))) :])
        for s, shp in zip(specs, shapes)
    ]
    if arrow:
        output = output.replace("...", batch)
    else:  # implicit output: the ellipsis, then the letters seen once, in alphabetical order
        counts = "".join(specs)
        output = batch + "".join(
            sorted(c for c in set(counts) if counts.count(c) == 1 and c not in batch)
        )
    return specs, output


class Einsum(Function):
    def forward(self, *arrays, specs, output):
        self.arrays, self.specs, self.output = arrays, specs, output
        return np.einsum(",".join(specs) + "->" + output, *arrays, optimize=True)

    def backward(self, grad):
        return tuple(
            self._operand_grad(i, grad) if need else None
            for i, need in enumerate(self.needs_input_grad)
        )

    def _operand_grad(self, i, grad):
        spec, array = self.specs[i], self.arrays[i]
        others = [s for j, s in enumerate(self.specs) if j != i]
        unique = "".join(dict.fromkeys(spec))  # letters of operand i, first appearance order
        reachable = set(self.output).union(*others)
        kept = "".join(c for c in unique if c in reachable)
        g = np.einsum(
            ",".join([self.output, *others]) + "->" + kept,
            grad,
            *[a for j, a in enumerate(self.arrays) if j != i],
            optimize=True,
        )
        sizes = {c: array.shape[spec.index(c)] for c in unique}
        # letters summed in operand i alone: the gradient is the same all along them
        g = g.reshape([g.shape[kept.index(c)] if c in kept else 1 for c in unique])
        # a size-1 dimension that broadcast against the other operands: sum back to 1
        summed = tuple(a for a, c in enumerate(unique) if sizes[c] == 1 and g.shape[a] != 1)
        if summed:
            g = g.sum(axis=summed, keepdims=True)
        g = np.broadcast_to(g, [sizes[c] for c in unique])
        if len(unique) == len(spec):
            return g
        full = np.zeros(array.shape, dtype=g.dtype)  # repeated letters: fill the diagonal
        np.einsum(spec + "->" + unique, full)[...] = g
        return full


def einsum(equation: str, *operands: Tensor) -> Tensor:
    """Sum products of the operands' elements over the indices the equation names.

    Parameters
    ----------
    equation : str
        Subscripts per operand, comma-separated, optionally ``->`` and the output's subscripts
        (without, the letters seen once, sorted); ``...`` stands for broadcast dimensions.
        E.g. ``"ij,jk->ik"`` (matmul), ``"bij,bjk->bik"`` (bmm), ``"ii->"`` (trace),
        ``"ij->ji"`` (transpose), ``"bi,bj->bij"`` (batch outer product).
    *operands : Tensor
        The tensors, or one list of them (as torch accepts).

    Returns
    -------
    Tensor
        The result, differentiable with respect to every operand.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    specs, output = _parse(equation, [np.shape(op) for op in operands])
    for spec, op in zip(specs, operands):
        sizes: dict[str, int] = {}
        for c, n in zip(spec, np.shape(op)):
            if sizes.setdefault(c, n) != n:
                raise ValueError(
                    f"einsum: subscript {c!r} repeated in {spec!r} with different sizes "
                    f"{sizes[c]} and {n}"
                )
    return Einsum.apply(*operands, specs=specs, output=output)
