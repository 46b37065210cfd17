"""The pieces a segmentation U-Net and a dense detection head chain, against torch as one model.

Each layer has its own torch test; this one checks they compose as the coming models will use
them: a strided encoder on an odd-sized image, ``ConvTranspose2d`` back to the skip's size (its
``output_size`` / ``output_padding``), the skip joined with ``cat`` on channels, a bilinear
``Upsample`` branch, and the per-pixel losses (``cross_entropy`` on (N, C, H, W) with class
weights and ``ignore_index``; a focal loss on a heat map) — loss and every parameter's gradient.
"""

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
import homeml.nn.functional as F
from homeml import nn
from homeml.vision.ops import sigmoid_focal_loss


def build(lib, num_classes=4):
    class TinyUNet(lib.Module):
        def __init__(self):
            super().__init__()
            self.enc = lib.Sequential(
                lib.Conv2d(1, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU()
            )
            self.down = lib.Sequential(lib.MaxPool2d(2), lib.Conv2d(4, 8, 3, padding=1), lib.ReLU())
            self.up = lib.ConvTranspose2d(8, 4, 4, stride=2, padding=1)
            self.dec = lib.Conv2d(8, num_classes, 3, padding=1)
            self.side = lib.Sequential(
                lib.Conv2d(8, 1, 1), lib.Upsample(scale_factor=2, mode="bilinear")
            )

        def forward(self, x, cat):
            skip = self.enc(x)  # (N, 4, H, W)
            low = self.down(skip)  # (N, 8, H // 2, W // 2)
            up = self.up(low, output_size=skip.shape[-2:])  # back to (N, 4, H, W)
            return self.dec(cat([up, skip], 1)), self.side(low)

    return TinyUNet()


@requires_torch
@pytest.mark.parametrize("size", [(13, 11), (12, 12)])
def test_a_tiny_unet_and_its_losses_match_torch(size):
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    theirs = build(torch.nn).double()
    ours = build(nn)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    ours.double()
    x = rng.standard_normal((2, 1, *size))
    target = rng.integers(0, 4, size=(2, *size))
    target[0, 0] = -1  # an unlabelled row
    weight = rng.uniform(0.5, 2.0, size=4)
    heat_h, heat_w = size[0] // 2 * 2, size[1] // 2 * 2
    heat = (rng.uniform(size=(2, 1, heat_h, heat_w)) > 0.9).astype(np.float64)

    logits, side = ours(hm.tensor(x), hm.cat)
    t_logits, t_side = theirs(torch.tensor(x), torch.cat)
    assert tuple(logits.shape) == (2, 4, *size) == tuple(t_logits.shape)
    np.testing.assert_allclose(logits.numpy(), t_logits.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(side.numpy(), t_side.detach().numpy(), rtol=1e-10, atol=1e-12)

    loss = F.cross_entropy(logits, hm.tensor(target), weight=hm.tensor(weight), ignore_index=-1)
    loss = loss + sigmoid_focal_loss(side, hm.tensor(heat), reduction="mean")
    t_loss = torch.nn.functional.cross_entropy(
        t_logits, torch.tensor(target), weight=torch.tensor(weight), ignore_index=-1
    )
    p = torch.sigmoid(t_side)  # torchvision's sigmoid_focal_loss, alpha 0.25, gamma 2
    t_heat = torch.tensor(heat)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(t_side, t_heat, reduction="none")
    p_t = p * t_heat + (1 - p) * (1 - t_heat)
    focal = (0.25 * t_heat + 0.75 * (1 - t_heat)) * ce * (1 - p_t) ** 2
    t_loss = t_loss + focal.mean()
    np.testing.assert_allclose(float(loss.numpy()), float(t_loss.detach()), rtol=1e-10)

    loss.backward()
    t_loss.backward()
    theirs_grads = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(
            param.grad.numpy(),
            theirs_grads[name].grad.numpy(),
            rtol=1e-8,
            atol=1e-12,
            err_msg=name,
        )
