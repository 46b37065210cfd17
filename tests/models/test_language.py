"""The makemore models and the GPT against compact torch references: logits, loss, gradients,
AdamW training, weight tying, save/load and sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import requires_torch, torch

import homeml as hm
from homeml import _nn_io
from homeml.models import (
    GPT,
    RNN,
    Bigram,
    BigramCounts,
    GPTConfig,
    MakemoreMLP,
    ModelConfig,
    WaveNet,
)

pytestmark = requires_torch
# float32 on both sides; the same sums in a different order differ by a few ulps
TOL = dict(rtol=1e-4, atol=1e-5)
V = 11
CFG = ModelConfig(block_size=4, vocab_size=V, n_embd=6, n_embd2=10)
GCFG = GPTConfig(block_size=8, vocab_size=V, n_layer=2, n_head=2, n_embd=16, bias=True)

if torch is not None:
    tnn, TF = torch.nn, torch.nn.functional

    def t_loss(logits, targets):
        return TF.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-1
        )

    class TBigram(tnn.Module):
        def __init__(self):
            super().__init__()
            self.logits = tnn.Parameter(torch.zeros(V, V))

        def forward(self, idx):
            return self.logits[idx]

    class TMLP(tnn.Module):  # makemore's MLP
        def __init__(self, c):
            super().__init__()
            self.c = c
            self.wte = tnn.Embedding(c.vocab_size + 1, c.n_embd)
            self.mlp = tnn.Sequential(
                tnn.Linear(c.block_size * c.n_embd, c.n_embd2),
                tnn.Tanh(),
                tnn.Linear(c.n_embd2, c.vocab_size),
            )

        def forward(self, idx):
            embs = []
            for _ in range(self.c.block_size):
                embs.append(self.wte(idx))
                idx = torch.roll(idx, 1, 1)
                idx[:, 0] = self.c.vocab_size
            return self.mlp(torch.cat(embs, -1))

    class TRNN(tnn.Module):
        def __init__(self, c, cell):
            super().__init__()
            self.cell = cell
            self.start = tnn.Parameter(torch.zeros(2 if cell == "lstm" else 1, c.n_embd2))
            self.wte = tnn.Embedding(c.vocab_size, c.n_embd)
            layer = {"rnn": tnn.RNN, "gru": tnn.GRU, "lstm": tnn.LSTM}[cell]
            self.rnn = layer(c.n_embd, c.n_embd2, batch_first=True)
            self.lm_head = tnn.Linear(c.n_embd2, c.vocab_size)

        def forward(self, idx):
            b = idx.shape[0]
            h0 = self.start[0:1, None].expand(1, b, -1)
            state = (h0, self.start[1:2, None].expand(1, b, -1)) if self.cell == "lstm" else h0
            return self.lm_head(self.rnn(self.wte(idx), state)[0])

    class TFlatten(tnn.Module):
        def forward(self, x):
            b, t, c = x.shape
            x = x.reshape(b, t // 2, c * 2)
            return x.squeeze(1) if x.shape[1] == 1 else x

    class TWaveNet(tnn.Module):
        def __init__(self, n_embd, n_hidden):
            super().__init__()
            layers = [tnn.Embedding(V, n_embd)]
            width = n_embd
            for _ in range(3):
                layers += [TFlatten(), tnn.Linear(width * 2, n_hidden, bias=False)]
                layers += [tnn.BatchNorm1d(n_hidden), tnn.Tanh()]
                width = n_hidden
            self.layers = tnn.Sequential(*layers, tnn.Linear(n_hidden, V))

        def forward(self, x):
            for layer in self.layers:
                if isinstance(layer, tnn.BatchNorm1d) and x.ndim == 3:
                    x = layer(x.reshape(-1, x.shape[-1])).reshape(x.shape)
                else:
                    x = layer(x)
            return x

    class TAttention(tnn.Module):  # nanoGPT's CausalSelfAttention (flash path)
        def __init__(self, c):
            super().__init__()
            self.c_attn = tnn.Linear(c.n_embd, 3 * c.n_embd, bias=c.bias)
            self.c_proj = tnn.Linear(c.n_embd, c.n_embd, bias=c.bias)
            self.n_head = c.n_head

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.c_attn(x).split(c, dim=2)
            q, k, v = (z.view(b, t, self.n_head, -1).transpose(1, 2) for z in (q, k, v))
            y = TF.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).reshape(b, t, c))

    class TMLPBlock(tnn.Module):
        def __init__(self, c):
            super().__init__()
            self.c_fc = tnn.Linear(c.n_embd, 4 * c.n_embd, bias=c.bias)
            self.gelu = tnn.GELU(approximate="tanh")
            self.c_proj = tnn.Linear(4 * c.n_embd, c.n_embd, bias=c.bias)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class TBlock(tnn.Module):
        def __init__(self, c):
            super().__init__()
            self.ln_1 = tnn.LayerNorm(c.n_embd, bias=c.bias)
            self.attn = TAttention(c)
            self.ln_2 = tnn.LayerNorm(c.n_embd, bias=c.bias)
            self.mlp = TMLPBlock(c)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class TGPT(tnn.Module):
        def __init__(self, c):
            super().__init__()
            self.transformer = tnn.ModuleDict(
                dict(
                    wte=tnn.Embedding(c.vocab_size, c.n_embd),
                    wpe=tnn.Embedding(c.block_size, c.n_embd),
                    h=tnn.ModuleList([TBlock(c) for _ in range(c.n_layer)]),
                    ln_f=tnn.LayerNorm(c.n_embd, bias=c.bias),
                )
            )
            self.lm_head = tnn.Linear(c.n_embd, c.vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight

        def forward(self, idx):
            pos = torch.arange(idx.shape[1])
            x = self.transformer.wte(idx) + self.transformer.wpe(pos)
            for block in self.transformer.h:
                x = block(x)
            return self.lm_head(self.transformer.ln_f(x))

        def configure_optimizers(self, weight_decay, learning_rate, betas):
            params = [p for p in self.parameters() if p.requires_grad]
            groups = [
                {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
                {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
            ]
            return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)


def copy_into_torch(ours, theirs):
    state = {k: torch.tensor(v.numpy().copy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)


def batch(b=3, t=4, seed=0):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, V, (b, t))
    targets = rng.integers(0, V, (b, t))
    targets[0, -1] = -1  # a padded position, ignored by the loss
    return idx, targets


def check_against_torch(ours, theirs, idx, targets, t_targets=None):
    copy_into_torch(ours, theirs)
    logits, loss = ours(hm.tensor(idx), hm.tensor(targets))
    t_logits = theirs(torch.tensor(idx))
    t_l = t_loss(t_logits, torch.tensor(targets if t_targets is None else t_targets))
    np.testing.assert_allclose(logits.numpy(), t_logits.detach().numpy(), **TOL)
    np.testing.assert_allclose(loss.item(), t_l.item(), **TOL)
    loss.backward()
    t_l.backward()
    t_params = dict(theirs.named_parameters())
    names = [name for name, _ in ours.named_parameters()]
    assert names == list(t_params)
    for name, param in ours.named_parameters():
        np.testing.assert_allclose(
            param.grad.numpy(), t_params[name].grad.numpy(), **TOL, err_msg=name
        )


def test_bigram_matches_torch():
    hm.manual_seed(0)
    model = Bigram(CFG)
    with hm.no_grad():
        model.logits.copy_(hm.randn(V, V))
    check_against_torch(model, TBigram(), *batch())


def test_bigram_counts_is_smoothed_count_model():
    idx, targets = batch(5, 6)
    model = BigramCounts(V, smoothing=1.0).fit(hm.tensor(idx), hm.tensor(targets))
    keep = targets != -1
    counts = torch.zeros(V, V)
    counts.index_put_(
        (torch.tensor(idx[keep]), torch.tensor(targets[keep])),
        torch.ones(keep.sum()),
        accumulate=True,
    )
    probs = (counts + 1) / (counts + 1).sum(1, keepdim=True)
    logits, loss = model(hm.tensor(idx), hm.tensor(targets))
    np.testing.assert_allclose(logits.numpy(), probs.log()[torch.tensor(idx)].numpy(), **TOL)
    expected = -probs.log()[torch.tensor(idx[keep]), torch.tensor(targets[keep])].mean()
    np.testing.assert_allclose(loss.item(), expected.item(), **TOL)
    out = model.generate(hm.tensor(idx[:, :1]), 5, generator=hm.Generator().manual_seed(0))
    assert out.shape == (5, 6)


def test_mlp_matches_torch():
    hm.manual_seed(0)
    idx, targets = batch(3, 6)  # longer than block_size: each position sees its last 4 tokens
    check_against_torch(MakemoreMLP(CFG), TMLP(CFG), idx, targets)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_rnn_matches_torch(cell):
    hm.manual_seed(0)
    model = RNN(CFG, cell_type=cell)
    with hm.no_grad():
        model.start.copy_(hm.randn(*model.start.shape))
    check_against_torch(model, TRNN(CFG, cell), *batch(3, 5))


def test_wavenet_matches_torch_on_the_last_position():
    hm.manual_seed(0)
    model = WaveNet(V, block_size=8, n_embd=4, n_hidden=6)
    idx, targets = batch(5, 8)
    targets[0, -1] = 3
    check_against_torch(model, TWaveNet(4, 6), idx, targets[:, -1], t_targets=targets[:, -1])
    logits, _ = model(hm.tensor(idx))
    assert logits.shape == (5, V)


def test_gpt_matches_torch_and_loads_a_nanogpt_state_dict():
    hm.manual_seed(0)
    model = GPT(GCFG)
    idx, targets = batch(2, 8)
    check_against_torch(model, TGPT(GCFG), idx, targets)
    # the other way round: torch's state_dict (both tied names) into a fresh homeml GPT
    theirs = TGPT(GCFG)
    fresh = GPT(GCFG)
    fresh.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(
        fresh(hm.tensor(idx))[0].numpy(), theirs(torch.tensor(idx)).detach().numpy(), **TOL
    )
    assert fresh.lm_head.weight is fresh.transformer.wte.weight


def test_gpt_init_follows_nanogpt():
    hm.manual_seed(0)
    cfg = GPTConfig(block_size=8, vocab_size=64, n_layer=8, n_head=2, n_embd=64, bias=True)
    model = GPT(cfg)
    c_proj = np.concatenate([b.attn.c_proj.weight.numpy().ravel() for b in model.transformer.h])
    assert abs(c_proj.std() - 0.02 / math.sqrt(2 * cfg.n_layer)) < 0.0005
    assert abs(model.transformer.h[0].mlp.c_fc.weight.numpy().std() - 0.02) < 0.001
    assert abs(model.transformer.wpe.weight.numpy().std() - 0.02) < 0.002
    assert not model.transformer.h[0].attn.c_attn.bias.numpy().any()


def test_gpt_training_follows_torch_for_50_adamw_steps():
    hm.manual_seed(0)
    ours, theirs = GPT(GCFG), TGPT(GCFG)
    copy_into_torch(ours, theirs)
    opt = ours.configure_optimizers(weight_decay=0.1, learning_rate=3e-3, betas=(0.9, 0.95))
    t_opt = theirs.configure_optimizers(weight_decay=0.1, learning_rate=3e-3, betas=(0.9, 0.95))
    assert [len(g["params"]) for g in opt.param_groups] == [
        len(g["params"]) for g in t_opt.param_groups
    ]
    rng = np.random.default_rng(1)
    data = rng.integers(0, V, 400)
    losses, t_losses = [], []
    for _ in range(50):
        starts = rng.integers(0, len(data) - GCFG.block_size - 1, 4)
        x = np.stack([data[s : s + GCFG.block_size] for s in starts])
        y = np.stack([data[s + 1 : s + 1 + GCFG.block_size] for s in starts])
        _, loss = ours(hm.tensor(x), hm.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        t_l = t_loss(theirs(torch.tensor(x)), torch.tensor(y))
        t_opt.zero_grad()
        t_l.backward()
        t_opt.step()
        losses.append(loss.item())
        t_losses.append(t_l.item())
    np.testing.assert_allclose(losses, t_losses, atol=1e-4, rtol=0)
    assert losses[-1] < losses[0]


def test_weight_tying_and_save_load(tmp_path):
    hm.manual_seed(0)
    model = GPT(GCFG)
    assert model.lm_head.weight is model.transformer.wte.weight
    params = list(model.parameters())
    assert sum(p is model.lm_head.weight for p in params) == 1
    arrays, info = _nn_io.encode(model)
    assert "lm_head.weight" not in arrays and info["tied"] == {
        "lm_head.weight": "transformer.wte.weight"
    }
    path = tmp_path / "gpt.hm"
    hm.save(model, path)
    loaded = hm.load(path)
    assert loaded.config == GCFG
    assert loaded.lm_head.weight is loaded.transformer.wte.weight
    idx = hm.tensor(batch(2, 8)[0])
    np.testing.assert_array_equal(loaded(idx)[0].numpy(), model(idx)[0].numpy())


@pytest.mark.parametrize(
    "make",
    [
        lambda: Bigram(CFG),
        lambda: MakemoreMLP(CFG),
        lambda: RNN(CFG, "lstm"),
        lambda: WaveNet(V, 8, 4, 6),
        lambda: BigramCounts(V, 0.5),
    ],
)
def test_makemore_models_save_and_load(tmp_path, make):
    hm.manual_seed(0)
    model = make().eval()
    hm.save(model, tmp_path / "m.hm")
    loaded = hm.load(tmp_path / "m.hm").eval()
    idx = hm.tensor(batch(2, 8)[0])
    np.testing.assert_array_equal(loaded(idx)[0].numpy(), model(idx)[0].numpy())


def test_cached_generation_draws_the_uncached_tokens_past_block_size():
    hm.manual_seed(0)
    model = GPT(GCFG).eval()
    prompt = hm.tensor(batch(3, 3)[0])
    cached = model.generate(prompt, 12, generator=hm.Generator().manual_seed(5))
    plain = model.generate(prompt, 12, generator=hm.Generator().manual_seed(5), use_cache=False)
    assert cached.shape == (3, 15)
    np.testing.assert_array_equal(cached.numpy(), plain.numpy())
    long = model.generate(hm.tensor(batch(1, 20)[0]), 3)  # the prompt alone exceeds block_size
    assert long.shape == (1, 23)


def greedy(model, idx, steps):
    block = model.get_block_size()
    for _ in range(steps):
        logits = model(idx[:, -block:])[0]
        last = logits if logits.ndim == 2 else logits[:, -1]
        idx = hm.cat([idx, last.argmax(-1, keepdim=True)], dim=1)
    return idx


@pytest.mark.parametrize(
    "make", [lambda: GPT(GCFG), lambda: MakemoreMLP(CFG), lambda: WaveNet(V, 8, 4, 6)]
)
def test_top_k_1_and_tiny_temperature_are_greedy(make):
    hm.manual_seed(0)
    model = make().eval()
    prompt = hm.tensor(batch(2, 2)[0])
    expected = greedy(model, prompt, 10).numpy()
    np.testing.assert_array_equal(model.generate(prompt, 10, top_k=1).numpy(), expected)
    np.testing.assert_array_equal(model.generate(prompt, 10, temperature=1e-4).numpy(), expected)


def test_top_k_draws_only_the_k_most_likely():
    hm.manual_seed(0)
    model = GPT(GCFG).eval()
    prompt = hm.tensor(np.full((300, 2), 3))
    new = model.generate(prompt, 1, top_k=3, generator=hm.Generator().manual_seed(0))[:, -1]
    allowed = set(model(prompt)[0][0, -1].topk(3).indices.numpy().tolist())
    drawn = set(new.numpy().tolist())
    assert drawn <= allowed and len(drawn) > 1


@pytest.mark.parametrize("model", [GPT(GCFG), Bigram(CFG)])
def test_generate_refuses_bad_input(model):
    good = hm.tensor([[1, 2]])
    with pytest.raises(ValueError, match=r"2-D .*got shape \(2,\)"):
        model.generate(hm.tensor([1, 2]), 3)
    with pytest.raises(TypeError, match="integer token ids, got dtype float32"):
        model.generate(hm.tensor([[1.0, 2.0]]), 3)
    with pytest.raises(TypeError, match="homeml Tensor"):
        model.generate([[1, 2]], 3)
    with pytest.raises(ValueError, match=">= 0, got -1"):
        model.generate(good, -1)
    with pytest.raises(ValueError, match="temperature must be > 0, got 0"):
        model.generate(good, 3, temperature=0)
    with pytest.raises(ValueError, match="top_k"):
        model.generate(good, 3, top_k=0)
    assert model.generate(good, 0).shape == (1, 2)


def test_long_backprop_completes():
    hm.manual_seed(0)
    idx, targets = batch(2, 256)
    for cell in ("gru", "lstm"):
        model = RNN(ModelConfig(block_size=256, vocab_size=V, n_embd=4, n_embd2=8), cell)
        model(hm.tensor(idx), hm.tensor(targets))[1].backward()
        assert all(p.grad is not None for p in model.parameters())
    deep = GPT(GPTConfig(block_size=16, vocab_size=V, n_layer=8, n_head=2, n_embd=8))
    deep(hm.tensor(idx[:, :16]), hm.tensor(targets[:, :16]))[1].backward()
    assert all(p.grad is not None for p in deep.parameters())


def test_cached_generation_passes_one_position_per_token():
    model = GPT(GCFG).eval()
    seen = []
    model.transformer.h[0].attn.register_forward_pre_hook(
        lambda m, args: seen.append(args[0].shape[1])
    )
    model.generate(hm.tensor(batch(1, 3)[0]), 7)  # 3 + 7 = 10 > block_size 8
    # the prompt once, then one position per token while it fits, then crop and recompute
    assert seen == [3, 1, 1, 1, 1, 1, 8]
