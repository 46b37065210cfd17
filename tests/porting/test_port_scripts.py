"""Public-example-style PyTorch scripts run unchanged except for their imports, and record the
same losses and gradients as with PyTorch (to 1e-5)."""

from __future__ import annotations

import pytest
from _runner import check_port, port, script_names


@pytest.mark.parametrize("name", script_names())
def test_script_ports_with_only_the_import_changed(name):
    results = check_port(name)
    assert results  # the script recorded something to compare


def test_port_changes_only_imports():
    source = (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "from torch.utils.data import DataLoader\nfrom torch import optim\n"
        "import torch.utils.data\nx = torch.zeros(2)  # torch stays torch\n"
    )
    assert port(source) == (
        "import homeml as torch\nimport homeml.nn as nn\nimport homeml.nn.functional as F\n"
        "from homeml.utils.data import DataLoader\nfrom homeml import optim\n"
        "import homeml.utils.data\nimport homeml as torch\n"
        "x = torch.zeros(2)  # torch stays torch\n"
    )
    with pytest.raises(ValueError, match="does not handle"):
        port("import torch, numpy\n")
