"""Ready architectures that ``homeml train`` builds by name."""

from homeml.models.vision import CNN, MLP, LeNet5

ARCHITECTURES = {"mlp": MLP, "cnn": CNN, "lenet5": LeNet5}


def build_model(name: str, num_classes: int = 10):
    """The named architecture for 28x28 grayscale images."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name](num_classes=num_classes)
