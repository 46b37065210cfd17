"""The ``homeml`` command."""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np

import homeml


def _info(args) -> int:
    print(f"homeml {homeml.__version__}")
    print(f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"data directory: {os.environ.get('HOMEML_DATA', '~/.cache/homeml')} (HOMEML_DATA)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="homeml", description="A homemade ML stack on NumPy.")
    parser.add_argument("--version", action="version", version=f"homeml {homeml.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser("info", help="show versions and where datasets are looked up")
    info.set_defaults(run=_info)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
