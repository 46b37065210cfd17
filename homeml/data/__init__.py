"""Datasets, samplers, batching and image transforms, shaped like ``torch.utils.data``.

``from homeml.data import DataLoader, TensorDataset`` replaces
``from torch.utils.data import DataLoader, TensorDataset``; batch-wise image augmentation lives in
:mod:`homeml.data.transforms`.
"""

from homeml.data import transforms
from homeml.data.collate import default_collate, default_convert
from homeml.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from homeml.data.loader import DataLoader
from homeml.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "random_split",
    "transforms",
]
