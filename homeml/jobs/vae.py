"""``homeml train mnist-vae [--conv] [--dataset fashion-mnist]``: a variational autoencoder.

The settings of pytorch/examples' ``vae/main.py`` by default: the 784-400-20-400-784 VAE
(:class:`homeml.models.VAE`), Adam at 1e-3, batches of 128 from the 60,000 training images
(pixels in [0, 1], Bernoulli likelihood), 10 epochs, the test set's negative ELBO after each.
``--conv`` trains :class:`homeml.models.ConvVAE` instead. The run folder gets ``model.safetensors``
(the VAE, metadata kind "vae"), ``samples/epoch_NNN.png`` (decoded from one fixed noise batch
after every epoch), ``history.json``, ``metrics.json`` (test negative ELBO and importance-weighted
log-likelihood in nats per image, classifier score and Fréchet distance of samples) and
``report.png`` (losses, samples, reconstructions, latent map).

Batch order and the reparameterisation noise come from one NumPy generator seeded with the run's
seed (:func:`train_epoch`), so ``benchmarks/vae_reference.py`` feeds PyTorch the same batches.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import homeml as hm
from homeml import io, optim
from homeml.callbacks import TrainingHistory
from homeml.jobs._generative import (
    Scorer,
    image_grid,
    load_images,
    scorer_run,
    write_json,
    write_png,
)
from homeml.models import VAE, ConvVAE
from homeml.models.scores import importance_weighted_log_likelihood, negative_elbo
from homeml.models.vae import latent_grid, vae_loss

DEFAULTS: dict[str, Any] = {
    "epochs": 10,
    "batch_size": 128,
    "lr": 1e-3,
    "latent_dim": 20,
    "seed": 1,
}
IW_SAMPLES, IW_IMAGES, SCORE_SAMPLES = 100, 1000, 1000


def build_vae(conv: bool, latent_dim: int, seed: int):
    """The job's VAE, initialised from ``seed``."""
    hm.manual_seed(seed)
    return ConvVAE(latent_dim) if conv else VAE(latent_dim)


def train_epoch(
    model, optimizer, images: np.ndarray, batch_size: int, rng, progress=None, deadline=None
):
    """One pass over ``images`` (N, 28, 28) in [0, 1] in ``rng``'s order, with ``rng``'s noise;
    returns (the mean training loss per image (negative ELBO, nats), images seen). A
    ``deadline`` (a ``time.perf_counter()`` value) ends the pass at the first batch past it.
    """
    model.train()
    order = rng.permutation(len(images))
    total, seen = 0.0, 0
    for start in range(0, len(images), batch_size):
        batch = hm.tensor(images[order[start : start + batch_size]].reshape(-1, 784))
        eps = rng.standard_normal((len(batch), model.latent_dim)).astype(np.float32)
        optimizer.zero_grad()
        recon, mu, logvar = model(batch, eps=eps)
        loss = vae_loss(recon, batch, mu, logvar)[0]
        loss.backward()
        optimizer.step()
        total += loss.item()
        seen += len(batch)
        if progress is not None:
            progress.update(1)
        if deadline is not None and time.perf_counter() > deadline:
            break
    return total / seen, seen


def train(
    dataset="mnist",
    conv=False,
    epochs=None,
    batch_size=None,
    lr=None,
    seed=None,
    latent_dim=None,
    out=None,
    data_dir=None,
    limit=None,
    test_limit=None,
    max_minutes=None,
    classifier=None,
    runs="runs",
    iw_samples=IW_SAMPLES,
    score_samples=SCORE_SAMPLES,
    progress=True,
) -> dict:
    """Train a VAE; write the run folder (see the module's docstring); return the metrics.

    ``limit`` and ``test_limit`` keep the first images of each split only (quick checks);
    ``max_minutes`` ends training at the first batch past that time (that epoch ends early);
    ``classifier`` is the run folder of the CNN that scores samples (see
    :func:`homeml.jobs._generative.scorer_run`; ``False`` skips the sample scores).
    """
    settings: dict[str, Any] = dict(DEFAULTS)
    given = dict(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, latent_dim=latent_dim)
    settings.update({k: v for k, v in given.items() if v is not None})
    settings.update(dataset=dataset, model="conv-vae" if conv else "vae", limit=limit)
    settings["max_minutes"] = max_minutes
    out = Path(out or f"runs/{dataset}-{settings['model']}")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "run.json", settings)

    (x_train, _), (x_test, y_test) = load_images(dataset, data_dir, limit, test_limit)
    model = build_vae(conv, settings["latent_dim"], settings["seed"])
    optimizer = optim.Adam(model.parameters(), lr=settings["lr"])
    rng = np.random.default_rng(settings["seed"])
    fixed_z = hm.tensor(np.random.default_rng(12345).standard_normal((64, model.latent_dim)))
    fixed_z = fixed_z.to(hm.float32)
    history = TrainingHistory()
    steps = -(-len(x_train) // settings["batch_size"])
    bar = _progress(settings["epochs"] * steps, progress)
    train_seconds = 0.0
    deadline = time.perf_counter() + 60 * max_minutes if max_minutes else None
    for epoch in range(1, settings["epochs"] + 1):
        start = time.perf_counter()
        train_loss, seen = train_epoch(
            model, optimizer, x_train, settings["batch_size"], rng, bar, deadline
        )
        train_seconds += time.perf_counter() - start
        test_loss = negative_elbo(model, x_test, seed=epoch)
        history.rows.append(
            {
                "epoch": epoch,
                "train_loss": train_loss,
                "test_loss": test_loss,
                "images": seen,
                "seconds": round(train_seconds, 1),
            }
        )
        if bar is not None:
            bar.set_postfix(train=f"{train_loss:.2f}", test=f"{test_loss:.2f}")
        with hm.no_grad():
            samples = model.eval().decode(fixed_z).numpy()
        write_png(out / "samples" / f"epoch_{epoch:03d}.png", image_grid(samples, 8), scale=2)
        if seen < len(x_train):  # stopped by max_minutes
            break
    if bar is not None:
        bar.close()

    metrics = {
        **settings,
        "epochs": len(history),
        "stopped_by_time": history.rows[-1]["images"] < len(x_train),
        "train_size": len(x_train),
        "test_size": len(x_test),
        "test_loss": history.rows[-1]["test_loss"],
        "train_loss": history.rows[-1]["train_loss"],
        "iw_samples": iw_samples,
        "iw_images": min(IW_IMAGES, len(x_test)),
        "test_log_likelihood": importance_weighted_log_likelihood(
            model, x_test[:IW_IMAGES], k=iw_samples
        ),
        "train_seconds": round(train_seconds, 1),
    }
    if classifier is not False:
        scorer = Scorer(
            scorer_run(dataset, classifier, runs, data_dir, progress), reference_images=x_test
        )
        samples = model.sample(score_samples, generator=hm.Generator(0)).numpy()
        metrics.update({f"sample_{k}": v for k, v in scorer.score(samples).items()})
        metrics.update(classifier=scorer.path, score_samples=score_samples)
    _write_run(out, model, history, metrics, x_test, y_test)
    return metrics


def _progress(total, progress):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="batch", dynamic_ncols=True)


def _write_run(out: Path, model, history, metrics: dict, x_test, y_test) -> None:
    from homeml.jobs.digits import DATASETS
    from homeml.plot import plot_generative_report

    classes = DATASETS[metrics["dataset"]]["classes"]
    meta = {"kind": "vae", "dataset": metrics["dataset"], "classes": classes, "metrics": metrics}
    io.save(model, out / "model.safetensors", metadata=meta)
    history.to_json(out / "history.json")
    write_json(out / "metrics.json", metrics)
    model.eval()
    with hm.no_grad():
        originals = x_test[:8].reshape(8, 784)
        recon = model(hm.tensor(originals), eps=np.zeros((len(originals), model.latent_dim)))[0]
        samples = model.sample(64, generator=hm.Generator(0)).numpy()
    pairs = np.concatenate([originals, recon.numpy()]).reshape(-1, 28, 28)
    panels = {
        "samples (z ~ N(0, I))": image_grid(samples, 8),
        "test images (top) and reconstructions": image_grid(pairs, 8),
        "latent map (dims 0 and 1, the rest 0)": (latent_grid(model, 12) * 255).astype(np.uint8),
    }
    title = (
        f"{metrics['model']} on {metrics['dataset']}: test -ELBO {metrics['test_loss']:.2f} "
        f"nats/image, log p(x) >= {metrics['test_log_likelihood']:.2f} (k={metrics['iw_samples']})"
    )
    curves = {"train -ELBO": history["train_loss"], "test -ELBO": history["test_loss"]}
    plot_generative_report(
        out / "report.png",
        history["epoch"],
        {"loss (nats/image)": curves},
        panels,
        title=title,
    )


def score_run(
    run_dir,
    classifier=None,
    runs="runs",
    data_dir=None,
    score_samples=SCORE_SAMPLES,
    test_limit=None,
):
    """Add the sample scores to a run trained without a classifier (``classifier=False``), the
    first ``test_limit`` test images as the reference: rewrites metrics.json and the model's
    metadata; returns the metrics.
    """
    out = Path(run_dir)
    meta = io.load_metadata(out / "model.safetensors")
    model = io.load(out / "model.safetensors").eval()
    _, (x_test, _) = load_images(meta["dataset"], data_dir, test_limit=test_limit)
    scorer = Scorer(scorer_run(meta["dataset"], classifier, runs, data_dir), x_test)
    samples = model.sample(score_samples, generator=hm.Generator(0)).numpy()
    metrics = {**meta["metrics"], **{f"sample_{k}": v for k, v in scorer.score(samples).items()}}
    metrics.update(classifier=scorer.path, score_samples=score_samples)
    io.save(model, out / "model.safetensors", metadata={**meta, "metrics": metrics})
    write_json(out / "metrics.json", metrics)
    return metrics
