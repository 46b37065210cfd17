"""``python -m homeml``: the same as the ``homeml`` command."""

if __name__ == "__main__":  # importing this module (by name, from anywhere) runs nothing
    import sys

    from homeml.cli import main

    sys.exit(main())
