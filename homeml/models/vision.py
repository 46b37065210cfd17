"""Image classifiers for 28x28 grayscale digits (MNIST, Fashion-MNIST)."""

from __future__ import annotations

from homeml import nn


class MLP(nn.Sequential):
    """784 -> hidden layers (ReLU, dropout) -> classes. Input (N, 1, 28, 28) or (N, 784)."""

    def __init__(self, hidden=(512, 256), num_classes=10, dropout=0.2, in_features=784):
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, num_classes))
        super().__init__(*layers)


class CNN(nn.Sequential):
    """The default digit classifier: two conv-BN-ReLU-pool blocks and a dropout MLP head.

    Input (N, 1, 28, 28) -> (N, num_classes) logits.
    """

    def __init__(self, num_classes=10, width=32, dropout=0.25):
        w = width
        super().__init__(
            nn.Conv2d(1, w, 3, padding=1, bias=False),
            nn.BatchNorm2d(w),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 14x14
            nn.Conv2d(w, 2 * w, 3, padding=1, bias=False),
            nn.BatchNorm2d(2 * w),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 7x7
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(2 * w * 7 * 7, 128),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(128, num_classes),
        )


class LeNet5(nn.Sequential):
    """LeCun et al. (1998) for 28x28 input: conv 6@5x5 (padding 2), pool, conv 16@5x5, pool,
    120-84-classes, with ReLU and max-pooling as in modern tutorials.
    """

    def __init__(self, num_classes=10):
        super().__init__(
            nn.Conv2d(1, 6, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )
