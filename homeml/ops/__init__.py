"""Differentiable operations, grouped by kind; each module keeps forward and backward together."""
