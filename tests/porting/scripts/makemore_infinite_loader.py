# makemore: an InfiniteDataLoader over RandomSampler(replacement=True, num_samples=int(1e10)),
# an embedding + MLP language model, AdamW, and evaluation under inference_mode.
import torch
import torch.nn as nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset


class CharDataset(Dataset):
    """Every sample is the same word, so that the random draws of each library (which differ)
    cannot change the losses; the loader still draws 10**10 indices lazily."""

    def __init__(self, n):
        self.n = n
        self.word = torch.tensor([1, 4, 2, 3, 5, 0])

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        x = torch.zeros(6, dtype=torch.long)
        x[1:] = self.word[:-1]
        return x, self.word


class InfiniteDataLoader:
    def __init__(self, dataset, **kwargs):
        train_sampler = torch.utils.data.RandomSampler(
            dataset, replacement=True, num_samples=int(1e10)
        )
        self.train_loader = DataLoader(dataset, sampler=train_sampler, **kwargs)
        self.data_iter = iter(self.train_loader)

    def next(self):
        try:
            batch = next(self.data_iter)
        except StopIteration:
            self.data_iter = iter(self.train_loader)
            batch = next(self.data_iter)
        return batch


class Bigram(nn.Module):
    def __init__(self, vocab=6, n_embd=5):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 8), nn.Tanh(), nn.Linear(8, vocab))

    def forward(self, idx, targets=None):
        logits = self.mlp(self.wte(idx))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1
            )
        return logits, loss


torch.manual_seed(3407)
device = "cpu"
model = init_weights(Bigram()).to(device)  # noqa: F821 - provided by the runner
optimizer = torch.optim.AdamW(
    model.parameters(), lr=5e-3, weight_decay=0.01, betas=(0.9, 0.99), eps=1e-8
)
batch_loader = InfiniteDataLoader(CharDataset(50), batch_size=4, pin_memory=True, num_workers=0)
losses = []
for _ in range(8):
    batch = batch_loader.next()
    batch = [t.to(device) for t in batch]
    X, Y = batch
    logits, loss = model(X, Y)
    model.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

with torch.inference_mode():
    logits, loss = model(*CharDataset(1)[0])

RESULTS = {"losses": losses, "eval": loss.item(), "shape": list(batch[0].shape)}
