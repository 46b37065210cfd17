"""``homeml train mnist-gan [--conditional] [--dataset fashion-mnist]``: a DCGAN.

:class:`homeml.models.DCGANGenerator` and :class:`homeml.models.DCGANDiscriminator` (DCGAN
initialisation, Adam at 2e-4 with betas (0.5, 0.999), batches of 128, the non-saturating losses)
on the 60,000 training images scaled to [-1, 1]. Each step trains the discriminator on a real
batch and a generated one, then the generator through the updated discriminator. The
conditional GAN draws the generated batch's labels uniformly.

After every epoch: a grid from one fixed noise batch (``samples/epoch_NNN.png``; for the
conditional GAN row ``r`` asks for class ``r``), and scores of ``score_samples`` generated
images by the scoring classifier (classifier score, Fréchet distance to the test set's
features, classes covered, and for the conditional GAN the share classified as the asked
label). The run folder also gets ``model.safetensors`` (the generator, metadata kind "gan"),
``discriminator.safetensors``, ``history.json``, ``metrics.json`` and ``report.png``.
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
    generate_images,
    image_grid,
    load_images,
    scorer_run,
    write_json,
    write_png,
)
from homeml.models import DCGANDiscriminator, DCGANGenerator
from homeml.models.gan import dcgan_init_, discriminator_loss, generator_loss

DEFAULTS: dict[str, Any] = {
    "epochs": 5,
    "batch_size": 128,
    "lr": 2e-4,
    "latent_dim": 100,
    "width": 32,
    "seed": 0,
}
BETAS = (0.5, 0.999)
SCORE_SAMPLES = 1000


def train(
    dataset="mnist",
    conditional=False,
    epochs=None,
    batch_size=None,
    lr=None,
    seed=None,
    width=None,
    out=None,
    data_dir=None,
    limit=None,
    test_limit=None,
    max_minutes=None,
    classifier=None,
    runs="runs",
    score_samples=SCORE_SAMPLES,
    progress=True,
) -> dict:
    """Train a DCGAN; write the run folder (see the module's docstring); return the metrics.

    ``limit`` and ``test_limit`` keep the first images of each split only (quick checks);
    ``max_minutes`` stops training at the first batch past that time (that epoch then ends
    early, and is scored); ``classifier`` is the run folder of the CNN that scores samples
    (default: see :func:`homeml.jobs._generative.scorer_run`; ``False``: no scores).
    """
    settings: dict[str, Any] = dict(DEFAULTS)
    given = dict(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, width=width)
    settings.update({k: v for k, v in given.items() if v is not None})
    model_name = "conditional-dcgan" if conditional else "dcgan"
    settings.update(dataset=dataset, model=model_name, limit=limit, max_minutes=max_minutes)
    out = Path(out or f"runs/{dataset}-{model_name}")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "run.json", settings)

    (x_train, y_train), (x_test, _) = load_images(dataset, data_dir, limit, test_limit)
    num_classes = 10 if conditional else 0
    hm.manual_seed(settings["seed"])
    latent, w = settings["latent_dim"], settings["width"]
    g = dcgan_init_(DCGANGenerator(latent, w, num_classes))
    d = dcgan_init_(DCGANDiscriminator(w, num_classes))
    opt_g = optim.Adam(g.parameters(), lr=settings["lr"], betas=BETAS)
    opt_d = optim.Adam(d.parameters(), lr=settings["lr"], betas=BETAS)
    scorer = None
    if classifier is not False:
        scorer = Scorer(scorer_run(dataset, classifier, runs, data_dir, progress), x_test)
    meta = {"kind": "gan", "latent_dim": latent, "num_classes": num_classes, "dataset": dataset}
    fixed = _fixed_batch(latent, num_classes)

    rng = np.random.default_rng(settings["seed"])
    batch_size, history = settings["batch_size"], TrainingHistory()
    deadline = time.perf_counter() + 60 * max_minutes if max_minutes else None
    steps = -(-len(x_train) // batch_size)
    bar = _progress(settings["epochs"] * steps, progress)
    train_seconds, stopped = 0.0, False
    for epoch in range(1, settings["epochs"] + 1):
        start, sums, batches = time.perf_counter(), np.zeros(4), 0
        g.train(), d.train()
        order = rng.permutation(len(x_train))
        for first in range(0, len(x_train), batch_size):
            index = order[first : first + batch_size]
            real = hm.tensor(x_train[index].reshape(-1, 1, 28, 28) * 2 - 1)
            labels = y_train[index] if num_classes else None
            fake_labels = rng.integers(0, num_classes, len(index)) if num_classes else None
            z = hm.tensor(rng.standard_normal((len(index), latent)).astype(np.float32))
            sums += _step(g, d, opt_g, opt_d, real, labels, z, fake_labels)
            batches += 1
            if bar is not None:
                bar.update(1)
            if deadline is not None and time.perf_counter() > deadline:
                stopped = True
                break
        train_seconds += time.perf_counter() - start
        row = dict(zip(("loss_d", "loss_g", "d_real", "d_fake"), (sums / batches).tolist()))
        row = {"epoch": epoch, **row, "batches": batches, "seconds": round(train_seconds, 1)}
        g.eval()
        with hm.no_grad():
            grid = (g(*fixed).numpy() + 1) / 2
        write_png(out / "samples" / f"epoch_{epoch:03d}.png", image_grid(grid, 10), scale=2)
        # each epoch's generator, to score later (see score_run)
        io.save(g, out / "samples" / f"generator_epoch_{epoch:03d}.safetensors", metadata=meta)
        if scorer is not None:
            row.update(_scores(g, meta, scorer, score_samples, epoch))
        history.rows.append(row)
        if bar is not None:
            bar.set_postfix(loss_d=f"{row['loss_d']:.3f}", loss_g=f"{row['loss_g']:.3f}")
        if stopped:
            break
    if bar is not None:
        bar.close()

    metrics: dict[str, Any] = {**settings, "epochs": len(history), "train_size": len(x_train)}
    metrics.update({k: v for k, v in history.rows[-1].items() if k not in ("epoch", "seconds")})
    metrics.update(train_seconds=round(train_seconds, 1), stopped_by_time=stopped)
    if scorer is not None:
        metrics.update(score_samples=score_samples, classifier=scorer.path)
    _write_run(out, g, d, history, metrics, meta)
    return metrics


def _step(g, d, opt_g, opt_d, real, labels, z, fake_labels) -> np.ndarray:
    """One discriminator step and one generator step; (loss_d, loss_g, mean D(x), mean D(G(z)))."""
    fake = g(z, fake_labels)
    opt_d.zero_grad()
    real_logits = d(real, labels)
    fake_logits = d(fake.detach(), fake_labels)
    loss_d = discriminator_loss(real_logits, fake_logits)
    loss_d.backward()
    opt_d.step()
    opt_g.zero_grad()
    loss_g = generator_loss(d(fake, fake_labels))
    loss_g.backward()
    opt_g.step()
    d_real = real_logits.detach().sigmoid().mean().item()
    d_fake = fake_logits.detach().sigmoid().mean().item()
    return np.array([loss_d.item(), loss_g.item(), d_real, d_fake])


def _fixed_batch(latent: int, num_classes: int):
    """(noise, labels) of the per-epoch grid: 100 images; conditional: row r asks for class r."""
    z = hm.tensor(np.random.default_rng(12345).standard_normal((100, latent)).astype(np.float32))
    return z, (np.repeat(np.arange(10), 10) if num_classes else None)


def _scores(g, meta, scorer, num, epoch) -> dict:
    """Scores of ``num`` samples (seeded by the epoch); conditional: labels cycle 0..9."""
    images = generate_images(g, meta, min(num, 256), seed=epoch)
    images = np.concatenate(
        [images]
        + [
            generate_images(g, meta, min(256, num - start), seed=epoch * 1000 + start)
            for start in range(256, num, 256)
        ]
    )
    labels = np.arange(len(images)) % 256 % 10 if meta["num_classes"] else None
    return scorer.score(images, labels)


def _progress(total, progress):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="batch", dynamic_ncols=True)


def _write_run(out: Path, g, d, history, metrics: dict, meta: dict) -> None:
    from homeml.jobs.digits import DATASETS

    meta = {**meta, "classes": DATASETS[meta["dataset"]]["classes"], "metrics": metrics}
    io.save(g, out / "model.safetensors", metadata=meta)
    io.save(d, out / "discriminator.safetensors")
    history.to_json(out / "history.json")
    write_json(out / "metrics.json", metrics)
    _write_report(out, g, history, metrics, meta)


def score_run(
    run_dir,
    classifier=None,
    runs="runs",
    data_dir=None,
    score_samples=SCORE_SAMPLES,
    test_limit=None,
):
    """Score a run trained without a classifier (``classifier=False``): every epoch's saved
    generator, as training would have (give the same ``test_limit``); rewrites history.json,
    metrics.json and report.png, and returns the metrics.
    """
    out = Path(run_dir)
    meta = io.load_metadata(out / "model.safetensors")
    history = TrainingHistory.from_json(out / "history.json")
    _, (x_test, _) = load_images(meta["dataset"], data_dir, test_limit=test_limit)
    scorer = Scorer(scorer_run(meta["dataset"], classifier, runs, data_dir), x_test)
    for row in history.rows:
        snapshot = out / "samples" / f"generator_epoch_{row['epoch']:03d}.safetensors"
        row.update(_scores(io.load(snapshot).eval(), meta, scorer, score_samples, row["epoch"]))
    metrics = {**meta["metrics"], **history.rows[-1], "score_samples": score_samples}
    metrics = {k: v for k, v in metrics.items() if k not in ("epoch", "seconds")}
    metrics["epochs"], metrics["classifier"] = len(history), scorer.path
    g = io.load(out / "model.safetensors").eval()
    meta["metrics"] = metrics
    io.save(g, out / "model.safetensors", metadata=meta)
    history.to_json(out / "history.json")
    write_json(out / "metrics.json", metrics)
    _write_report(out, g, history, metrics, meta)
    return metrics


def _write_report(out: Path, g, history, metrics: dict, meta: dict) -> None:
    from homeml.plot import plot_generative_report

    epochs = history["epoch"]
    curves = {
        "losses": {"discriminator": history["loss_d"], "generator": history["loss_g"]},
        "discriminator outputs": {"D(x)": history["d_real"], "D(G(z))": history["d_fake"]},
    }
    if "classifier_score" in history.rows[-1]:
        scores = {"classifier score": history["classifier_score"]}
        if meta["num_classes"]:
            scores["label accuracy x 10"] = [10 * v for v in history["label_accuracy"]]
        curves["scores of samples"] = scores
        curves["Fréchet distance (classifier features)"] = {"FD": history["frechet_distance"]}
    with hm.no_grad():
        final = g.eval()(*_fixed_batch(meta["latent_dim"], meta["num_classes"])).numpy()
    panels = {f"samples after epoch {epochs[-1]} (fixed noise)": image_grid((final + 1) / 2, 10)}
    if (out / "samples" / "epoch_001.png").exists():
        from PIL import Image

        with Image.open(out / "samples" / "epoch_001.png") as picture:
            panels["after epoch 1"] = np.asarray(picture)[::2, ::2]  # (written at scale 2)
    score = metrics.get("classifier_score")
    title = f"{metrics['model']} on {meta['dataset']}, {metrics['epochs']} epochs"
    if score is not None:
        title += f": classifier score {score:.2f}, FD {metrics['frechet_distance']:.2f}"
    plot_generative_report(out / "report.png", epochs, curves, panels, title=title)
