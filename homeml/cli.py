"""The ``homeml`` command."""

from __future__ import annotations

import argparse
import json
import os
import sys

import homeml


def _info(args) -> int:
    from homeml.jobs.info import info_lines

    print("\n".join(info_lines()))
    return 0


LANGUAGE_DATASETS = ("names", "shakespeare")
TRANSLATION_MODELS = ("gru-attention", "transformer")
DIRECTIONS = ("fra-eng", "eng-fra")
DIGIT_MODELS = ("mlp", "cnn", "lenet5")
GENERATIVE_JOBS = ("mnist-gan", "mnist-vae")
# options of the generative jobs only: flag -> (argparse destination, the jobs taking it)
GENERATIVE_FLAGS = {
    "--conditional": ("conditional", "mnist-gan"),
    "--conv": ("conv", "mnist-vae"),
    "--dataset": ("gen_dataset", "mnist-gan and mnist-vae"),
    "--max-minutes": ("max_minutes", "mnist-gan and mnist-vae"),
    "--classifier": ("classifier", "mnist-gan and mnist-vae"),
    "--width": ("width", "mnist-gan"),
}
LANGUAGE_MODELS = ("bigram", "mlp", "wavenet", "rnn", "gru", "lstm", "transformer", "gpt")
TEXT_DATASETS = ("sms-spam", "sentiment")
TEXT_MODELS = (
    "countvec-logreg",
    "tfidf-logreg",
    "tfidf-svm",
    "nb",
    "fasttext",
    "cnn",
    "bilstm",
    "bigru",
    "transformer",
)
SENTIMENT_SOURCES = ("yelp", "amazon", "imdb", "all")


def _train(args) -> int:
    if args.dask is not None and args.dataset not in ("mnist", "fashion-mnist"):
        raise ValueError("--dask is for mnist and fashion-mnist")
    if args.dataset == "movielens":
        return _train_movielens(args)
    if args.algo is not None or args.size is not None or args.data_file is not None:
        raise ValueError("--algo, --size and --data-file are for `homeml train movielens`")
    if args.dataset in GENERATIVE_JOBS:
        return _train_generative(args)
    for flag, (dest, jobs) in GENERATIVE_FLAGS.items():
        if getattr(args, dest) not in (None, False):
            raise ValueError(f"{flag} is for `homeml train {jobs}`")
    language = args.dataset in (*LANGUAGE_DATASETS, "translate")
    out = args.out or f"runs/{args.dataset}-{args.model or ('transformer' if language else 'cnn')}"
    if args.dataset == "shakespeare" and not args.out:
        out = "runs/shakespeare-gpt"
    if args.dataset != "translate" and (args.direction is not None or args.data is not None):
        raise ValueError("--direction and --data are for `homeml train translate`")
    if args.source is not None and args.dataset != "sentiment":
        raise ValueError("--source is for `homeml train sentiment`")
    try:
        if args.dataset in TEXT_DATASETS:
            if not args.out:
                name = args.dataset
                if args.dataset == "sentiment":
                    name += f"-{args.source or 'yelp'}"
                out = f"runs/{name}-{args.model or 'tfidf-svm'}"
            metrics = _train_text(args, out)
        elif args.dataset == "translate":
            direction = args.direction or "fra-eng"
            if not args.out:
                out = f"runs/translate-{direction}-{args.model or 'gru-attention'}"
            metrics = _train_translation(args, out)
        elif language:
            metrics = _train_language(args, out)
        else:
            metrics = _train_digits(args, out)
    except KeyboardInterrupt:
        from homeml.jobs._run_folder import CHECKPOINT

        checkpoint = os.path.join(out, CHECKPOINT)
        if os.path.exists(checkpoint):
            print(
                f"\ninterrupted: the last {'evaluation' if language else 'finished epoch'} is "
                f"saved in {checkpoint}; continue with: homeml train {args.dataset} --resume "
                f"--out {out}",
                file=sys.stderr,
            )
        else:
            first = "evaluation" if language else "epoch"
            print(f"\ninterrupted before the first {first} ended: nothing saved", file=sys.stderr)
        return 130  # the shell's code for Ctrl-C
    from homeml.jobs._run_folder import format_duration

    print(
        f"trained in {format_duration(metrics['train_seconds'])}; model, metrics and "
        f"report.png in {out}"
    )
    print(json.dumps(metrics, indent=2))
    return 0


def _train_generative(args) -> int:
    from homeml.jobs._run_folder import format_duration

    job = args.dataset
    wrong = {"--conv": args.conv} if job == "mnist-gan" else {"--conditional": args.conditional}
    wrong.update({"--model": args.model, "--max-iters": args.max_iters, "--set": args.set})
    wrong.update({"--augment": args.augment, "--resume": args.resume or None})
    if job == "mnist-vae":
        wrong["--width"] = args.width
    for flag, value in wrong.items():
        if value not in (None, False):
            raise ValueError(f"{flag} is not an option of `homeml train {job}`")
    dataset = args.gen_dataset or "mnist"
    common = dict(
        dataset=dataset,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        data_dir=args.data_dir,
        limit=args.limit,
        test_limit=args.limit,
        classifier=args.classifier,
        progress=not args.quiet,
    )
    if job == "mnist-gan":
        from homeml.jobs.gan import train as train_gan

        name = "conditional-dcgan" if args.conditional else "dcgan"
        out = args.out or f"runs/{dataset}-{name}"
        metrics = train_gan(
            conditional=args.conditional,
            width=args.width,
            max_minutes=args.max_minutes,
            out=out,
            **common,
        )
    else:
        from homeml.jobs.vae import train as train_vae

        out = args.out or f"runs/{dataset}-{'conv-vae' if args.conv else 'vae'}"
        metrics = train_vae(conv=args.conv, max_minutes=args.max_minutes, out=out, **common)
    print(
        f"trained in {format_duration(metrics['train_seconds'])}; model, samples, metrics and "
        f"report.png in {out}"
    )
    print(json.dumps(metrics, indent=2))
    return 0


def _train_movielens(args) -> int:
    from homeml.jobs.movielens import train_movielens

    for flag, value in (("--model", args.model), ("--max-iters", args.max_iters),
                        ("--set", args.set), ("--resume", args.resume or None)):  # fmt: skip
        if value is not None:
            raise ValueError(f"{flag} is not an option of `homeml train movielens`")
    algo = args.algo or "svd"
    size = args.size or "100k"
    metrics = train_movielens(
        algo=algo,
        size=size,
        data_file=args.data_file,
        data_dir=args.data_dir,
        out=args.out or f"runs/movielens-{algo}",
        folds=args.folds,
        seed=args.seed or 0,
        epochs=args.epochs,
        progress=not args.quiet,
    )
    shown = {k: v for k, v in metrics.items() if k not in ("folds", "learning_curve")}
    print(f"model, metrics and report.png in {metrics['out']}")
    print(json.dumps(shown, indent=2))
    return 0


def _recommend(args) -> int:
    from homeml.jobs.movielens import recommend

    rows = recommend(args.run_dir, args.user, args.n)
    for rank, row in enumerate(rows, 1):
        print(f"{rank:3d}. {row['score']:8.4f}  {row['title']}  (item {row['item']})")
    return 0


def _train_digits(args, out: str) -> dict:
    from homeml.jobs.digits import train

    if args.model not in (None, *DIGIT_MODELS):
        raise ValueError(
            f"--model {args.model} is a language model; {args.dataset} takes "
            f"one of {', '.join(DIGIT_MODELS)}"
        )
    if args.max_iters is not None or args.set:
        raise ValueError("--max-iters and --set are for names and shakespeare; use --epochs")
    return train(
        dataset=args.dataset,
        model=args.model,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        out=out,
        data_dir=args.data_dir,
        resume=args.resume,
        augment=args.augment,
        limit=args.limit,
        progress=not args.quiet,
        dask=args.dask,
    )


def _train_language(args, out: str) -> dict:
    from homeml.jobs.language import train
    from homeml.jobs.rl import parse_params

    for flag, value in (("--epochs", args.epochs), ("--augment", args.augment)):
        if value is not None:
            raise ValueError(f"{flag} is for mnist and fashion-mnist; use --max-iters")
    if args.limit is not None:
        raise ValueError("--limit is for mnist and fashion-mnist")
    return train(
        dataset=args.dataset,
        model=args.model,
        max_iters=args.max_iters,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        out=out,
        data_dir=args.data_dir,
        resume=args.resume,
        progress=not args.quiet,
        overrides=parse_params(args.set),
    )


def _train_translation(args, out: str) -> dict:
    from homeml.jobs.rl import parse_params
    from homeml.jobs.translation import train

    if args.model not in (None, *TRANSLATION_MODELS):
        raise ValueError(
            f"--model {args.model} is not a translation model; translate takes "
            f"{' or '.join(TRANSLATION_MODELS)}"
        )
    for flag, value in (("--epochs", args.epochs), ("--augment", args.augment)):
        if value is not None:
            raise ValueError(f"{flag} is for mnist and fashion-mnist; use --max-iters")
    if args.limit is not None:
        raise ValueError("--limit is for mnist and fashion-mnist")
    return train(
        direction=args.direction,
        model=args.model,
        max_iters=args.max_iters,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        out=out,
        data_dir=args.data_dir,
        data_file=args.data,
        resume=args.resume,
        progress=not args.quiet,
        overrides=parse_params(args.set),
    )


def _train_text(args, out: str) -> dict:
    from homeml.jobs.rl import parse_params
    from homeml.jobs.text_classification import train

    if args.model not in (None, *TEXT_MODELS):
        raise ValueError(
            f"--model {args.model} is not a text classifier; {args.dataset} takes one of "
            f"{', '.join(TEXT_MODELS)}"
        )
    for flag, value in (("--max-iters", args.max_iters), ("--augment", args.augment)):
        if value is not None:
            raise ValueError(f"{flag} is not for text classifiers; use --epochs")
    return train(
        dataset=args.dataset,
        model=args.model,
        source=args.source,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        out=out,
        data_dir=args.data_dir,
        limit=args.limit,
        resume=args.resume,
        progress=not args.quiet,
        overrides=parse_params(args.set),
    )


def _translate(args) -> int:
    from homeml.jobs.translation import load_translation_run, translate_texts

    model, metadata, source, target = load_translation_run(args.run_dir)
    (translation,) = translate_texts(
        model, metadata, [args.text], beam_size=args.beam, tokenizers_=(source, target)
    )
    print(translation)
    return 0


def _evaluate(args) -> int:
    from homeml.jobs.digits import evaluate_run

    print(json.dumps(evaluate_run(args.run_dir, data_dir=args.data_dir), indent=2))
    return 0


def _predict(args) -> int:
    from homeml.jobs.digits import predict_image
    from homeml.jobs.text_classification import (
        is_text_classifier,
        load_text_classifier_run,
        predict_texts,
    )

    path = args.run_dir
    if os.path.isdir(path):
        path = os.path.join(path, "model.safetensors")
    if os.path.isfile(path) and is_text_classifier(homeml.io.load_metadata(path)):
        model, metadata = load_text_classifier_run(path)
        for text, result in zip(args.inputs, predict_texts(model, metadata, args.inputs)):
            chances = "  ".join(f"{n} {p:.4f}" for n, p in result["probabilities"].items())
            print(f"{result['label']}\t{chances}\t{text}")
        return 0
    if len(args.inputs) != 1:
        raise ValueError(f"a digit classifier takes one image, got {len(args.inputs)} inputs")
    result = predict_image(args.run_dir, args.inputs[0])
    print(f"{result['class']}")
    for name, p in sorted(result["probabilities"].items(), key=lambda kv: -kv[1])[:3]:
        print(f"  {name:>12}  {p:.4f}")
    return 0


def _sample(args) -> int:
    from homeml.jobs._generative import is_generative_run

    if is_generative_run(args.run_dir):
        return _sample_images(args)
    if args.label is not None or args.out is not None:
        raise ValueError("--label and --out are for image runs (mnist-gan, mnist-vae)")
    from homeml.jobs.text_generation import generate_text, load_language_run

    model, metadata = load_language_run(args.run_dir)
    samples = generate_text(
        model,
        metadata,
        prompt=args.prompt,
        num_samples=args.num,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        top_k=args.top_k,
        seed=args.seed,
    )
    separator = "\n" if metadata.get("boundary") else "\n---------------\n"
    print(separator.join(samples))
    return 0


def _sample_images(args) -> int:
    from homeml.jobs._generative import (
        generate_images,
        image_grid,
        load_generative_run,
        write_png,
    )

    if args.prompt or args.max_new_tokens is not None or args.top_k is not None:
        raise ValueError("--prompt, --max-new-tokens and --top-k are for language runs")
    model, meta = load_generative_run(args.run_dir)
    images = generate_images(model, meta, args.num, label=args.label, seed=args.seed)
    out = args.out or "samples.png"
    write_png(out, image_grid(images), scale=2)
    print(f"{len(images)} images from the {meta['kind']} in {args.run_dir} written to {out}")
    return 0


def _serve(args) -> int:
    try:  # optional dependencies: `pip install homeml[serve]`
        import fastapi  # noqa: F401
        import fastapi_offline  # noqa: F401  (/docs without a CDN)
        import multipart  # noqa: F401  (python-multipart, for image uploads)
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise SystemExit(
            f"homeml: error: `homeml serve` needs fastapi, fastapi-offline, uvicorn and "
            f"python-multipart ({error}); install them with: pip install 'homeml[serve]'"
        ) from None
    from homeml.serve._run import run

    run(
        args.path,
        host=args.host,
        port=args.port,
        workers=args.workers,
        max_body=args.max_body,
        limit_concurrency=args.limit_concurrency,
        timeout_keep_alive=args.timeout_keep_alive,
        read_timeout=args.read_timeout,
    )
    return 0


def _rl(args) -> int:
    from homeml.jobs.rl import parse_params, run

    summary = run(
        args.env,
        args.algo,
        args.episodes,
        seed=args.seed,
        params=parse_params(args.set),
        env_kwargs=parse_params(args.env_set),
        eval_episodes=args.eval_episodes,
        stop_at=args.stop_at,
        plot=args.plot,
        out=args.out,
        progress=not args.quiet,
    )
    print(json.dumps(summary, indent=2))
    return 0


def _checked(convert, accept, expected):
    """An argparse type: ``convert`` the text, and refuse it unless ``accept(value)``."""

    def check(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return check


_positive_int = _checked(int, lambda v: v > 0, "a positive integer")
_positive_float = _checked(float, lambda v: 0 < v < float("inf"), "a positive number")
_port = _checked(int, lambda v: 0 <= v <= 65535, "a port number 0..65535")


class _Parser(argparse.ArgumentParser):
    """Argument errors in one line (with where to look for help), not usage and a traceback."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Adds "(default: ...)" to an option's help unless it has none or already states it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text:
            return text
        return super()._get_help_string(action)


def _per_model(key: str) -> str:
    """ "default: cnn 8, mlp 15, lenet5 10" from the job's defaults, so help and code agree."""
    from homeml.jobs.digits import DEFAULTS

    return "default: " + ", ".join(f"{name} {d[key]:g}" for name, d in DEFAULTS.items())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="homeml",
        description="A homemade ML stack on NumPy.",
        epilog="`homeml COMMAND --help` shows a command's options and their defaults.",
    )
    parser.add_argument("--version", action="version", version=f"homeml {homeml.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser("info", help="show versions and where datasets are looked up")
    info.set_defaults(run=_info)

    train = commands.add_parser(
        "train",
        help="train an image classifier (mnist, fashion-mnist), a character-level language "
        "model (names, shakespeare), a translator (translate) or a text classifier "
        "(sms-spam, sentiment)",
    )
    train.add_argument(
        "dataset",
        choices=[
            "mnist",
            "fashion-mnist",
            *LANGUAGE_DATASETS,
            "translate",
            *GENERATIVE_JOBS,
            "movielens",
            *TEXT_DATASETS,
        ],
        help="what to learn (mnist-gan, mnist-vae: generative models of images; --dataset "
        "picks mnist or fashion-mnist; movielens: recommenders; sms-spam, sentiment: text "
        "classifiers)",
    )
    # Options left out are None: train() fills in defaults, or the resumed run's settings.
    train.add_argument(
        "--model",
        choices=sorted({*DIGIT_MODELS, *LANGUAGE_MODELS, *TRANSLATION_MODELS, *TEXT_MODELS}),
        help="images: mlp, cnn (default), lenet5; names: bigram, mlp, wavenet, rnn, gru, "
        "lstm, transformer (default); shakespeare: gpt; translate: gru-attention (default), "
        "transformer; sms-spam and sentiment: countvec-logreg, tfidf-logreg, tfidf-svm "
        "(default), nb, fasttext, cnn, bilstm, bigru, transformer",
    )
    train.add_argument(
        "--direction",
        choices=DIRECTIONS,
        help="translate: source-target languages (default fra-eng); with --data, eng-fra "
        "translates the file's first column into its second",
    )
    train.add_argument(
        "--source",
        choices=SENTIMENT_SOURCES,
        help="sentiment: which reviews (default yelp; all: the three together)",
    )
    train.add_argument(
        "--data",
        metavar="FILE",
        help="translate: a tab-separated pairs file (default $HOMEML_DATA/eng-fra/eng-fra.txt)",
    )
    train.add_argument("--epochs", type=_positive_int, help=_per_model("epochs"))
    train.add_argument(
        "--max-iters",
        type=_positive_int,
        help="language models: optimizer steps (default per model: 3,000 to 200,000 for "
        "names, 2,000 for shakespeare)",
    )
    train.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="language models: another setting (repeatable), e.g. --set n_layer=6 --set "
        "eval_interval=500; an unknown name lists them",
    )
    train.add_argument("--batch-size", type=_positive_int, help=_per_model("batch_size"))
    train.add_argument(
        "--lr",
        type=_positive_float,
        help=f"peak learning rate of the one-cycle schedule ({_per_model('lr')}); language "
        "models: per model, see `homeml.jobs.language.defaults`",
    )
    train.add_argument("--seed", type=int, help="default: 0 (language models: 1337)")
    train.add_argument("--out", help="output folder (default runs/DATASET-MODEL)")
    train.add_argument("--data-dir", help="where the dataset files are (default $HOMEML_DATA)")
    train.add_argument(
        "--resume", action="store_true", help="continue the run in --out with its settings"
    )
    train.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="random shifts and rotations (default: on for cnn on mnist)",
    )
    train.add_argument(
        "--limit",
        type=_positive_int,
        help="train on this many images only (mnist-gan, mnist-vae: and test on as many; "
        "text: this many texts of each split)",
    )
    train.add_argument(
        "--dataset",
        dest="gen_dataset",
        choices=["mnist", "fashion-mnist"],
        help="mnist-gan, mnist-vae: the images to learn (default mnist)",
    )
    train.add_argument(
        "--conditional", action="store_true", help="mnist-gan: a class-conditional DCGAN"
    )
    train.add_argument(
        "--conv", action="store_true", help="mnist-vae: the convolutional VAE (default: MLP)"
    )
    train.add_argument(
        "--width", type=_positive_int, help="mnist-gan: channels of the DCGAN (default 32)"
    )
    train.add_argument(
        "--max-minutes",
        type=_positive_float,
        help="mnist-gan, mnist-vae: stop training after this many minutes (the last epoch ends "
        "early)",
    )
    train.add_argument(
        "--classifier",
        metavar="RUN",
        help="mnist-gan, mnist-vae: the `homeml train mnist|fashion-mnist` run whose CNN "
        "scores samples (default runs/DATASET-cnn, else runs/DATASET-scorer, trained once)",
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="mnist, fashion-mnist: train data-parallel on a Dask cluster, one model replica per "
        "worker: a scheduler (tcp://host:8786) or local:N (N worker processes here)",
    )
    train.add_argument(
        "--algo",
        choices=["svd", "svdpp", "knn-baseline", "baseline", "als", "bpr", "neumf"],
        help="movielens: the recommender (default svd)",
    )
    train.add_argument("--size", choices=["100k", "1m"], help="movielens: the release (100k)")
    train.add_argument(
        "--data-file",
        metavar="PATH",
        help="movielens: a MovieLens zip or unpacked folder instead of the download",
    )
    train.add_argument(
        "--folds", type=_positive_int, default=5, help="movielens: cross-validation folds (5)"
    )
    train.set_defaults(run=_train)

    recommend = commands.add_parser("recommend", help="top items for a user of a movielens run")
    recommend.add_argument("run_dir", help="a `homeml train movielens` output folder")
    recommend.add_argument("--user", type=int, required=True, help="a user id of the ratings")
    recommend.add_argument("-n", type=_positive_int, default=10, help="how many items (10)")
    recommend.set_defaults(run=_recommend)

    evaluate = commands.add_parser("evaluate", help="test-set accuracy of a trained run")
    evaluate.add_argument("run_dir", help="a `homeml train` output folder")
    evaluate.add_argument("--data-dir", help="where the dataset folders are (default $HOMEML_DATA)")
    evaluate.set_defaults(run=_evaluate)

    predict = commands.add_parser(
        "predict", help="classify a PNG/JPEG of one digit, or texts with a text classifier"
    )
    predict.add_argument("run_dir", help="a `homeml train` output folder")
    predict.add_argument(
        "inputs",
        nargs="+",
        metavar="IMAGE_OR_TEXT",
        help="a PNG or JPEG of one digit or piece of clothing; or, for a sms-spam or "
        "sentiment run, one or more texts",
    )
    predict.set_defaults(run=_predict)

    sample = commands.add_parser(
        "sample", help="text from a trained language model, images from a GAN or VAE"
    )
    sample.add_argument(
        "run_dir", help="a `homeml train names|shakespeare|mnist-gan|mnist-vae` output folder"
    )
    sample.add_argument("--num", type=_positive_int, default=20, help="how many samples")
    sample.add_argument("--prompt", default="", help="the text each sample continues")
    sample.add_argument(
        "--max-new-tokens",
        type=_positive_int,
        help="characters per sample (default: 30 for names, which stop at their end; 500)",
    )
    sample.add_argument(
        "--temperature", type=_positive_float, default=1.0, help="below 1 sharper, above 1 wilder"
    )
    sample.add_argument("--top-k", type=_positive_int, help="sample among the K likeliest only")
    sample.add_argument("--seed", type=int, help="the same seed gives the same samples")
    sample.add_argument(
        "--label",
        type=_checked(int, lambda v: v >= 0, "a class index"),
        help="conditional GAN: the class of every image (default: the classes in turn)",
    )
    sample.add_argument("--out", help="images: the PNG grid to write (default samples.png)")
    sample.set_defaults(run=_sample)

    translate = commands.add_parser("translate", help="translate a sentence with a trained run")
    translate.add_argument("run_dir", help="a `homeml train translate` output folder")
    translate.add_argument("text", help="the sentence, in the run's source language")
    translate.add_argument(
        "--beam",
        type=_checked(int, lambda v: 1 <= v <= 8, "a beam size 1..8"),
        default=1,
        help="beam size (1: greedy)",
    )
    translate.set_defaults(run=_translate)

    serve = commands.add_parser("serve", help="serve a saved model over HTTP (FastAPI)")
    serve.add_argument("path", help="a model file, or a run folder holding model.safetensors")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on")
    serve.add_argument("--workers", type=_positive_int, default=1, help="processes (default 1)")
    serve.add_argument(
        "--max-body", type=_positive_int, default=1_000_000, help="largest request, in bytes"
    )
    serve.add_argument(
        "--limit-concurrency",
        type=_positive_int,
        metavar="N",
        help="connections and requests in progress at most; more get 503 at once (default: "
        "no limit; see docs/serving-limits.md)",
    )
    serve.add_argument(
        "--timeout-keep-alive",
        type=_positive_int,
        default=5,
        metavar="SECONDS",
        help="close a connection idle this long after an answer (default 5)",
    )
    serve.add_argument(
        "--read-timeout",
        type=_positive_float,
        default=10.0,
        metavar="SECONDS",
        help="time a client has to send a request's headers, and again its body; slower "
        "clients are cut off (408 for a body) (default 10)",
    )
    serve.set_defaults(run=_serve)

    from homeml.jobs.rl import ALGORITHMS

    rl = commands.add_parser("rl", help="train a reinforcement-learning agent on an environment")
    rl.add_argument("env", help="an environment name: CartPole-v1, FrozenLake-v1, Taxi-v3, ...")
    rl.add_argument("--algo", required=True, choices=list(ALGORITHMS))
    rl.add_argument("--episodes", type=_positive_int, default=500, help="default 500")
    rl.add_argument("--seed", type=int, default=0, help="default 0")
    rl.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="an agent parameter (repeatable), e.g. --set alpha=0.5 --set epsilon=0.1",
    )
    rl.add_argument(
        "--env-set",
        action="append",
        metavar="NAME=VALUE",
        help="an environment argument (repeatable), e.g. --env-set is_slippery=false",
    )
    rl.add_argument(
        "--eval-episodes", type=int, default=100, help="greedy evaluation episodes (default 100)"
    )
    rl.add_argument(
        "--stop-at",
        type=float,
        metavar="RETURN",
        help="stop once 10 greedy episodes, played every 10 training episodes, average this",
    )
    rl.add_argument("--plot", help="write the returns per episode to this PNG")
    rl.add_argument("--out", help="save the trained agent to this file")
    rl.add_argument("--quiet", action="store_true", help="no progress bar")
    rl.set_defaults(run=_rl)
    for command in commands.choices.values():
        command.formatter_class = _HelpFormatter
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (OSError, ValueError, TypeError) as error:
        parser.exit(1, f"homeml: error: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
