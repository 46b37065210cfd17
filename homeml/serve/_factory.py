"""The app factory uvicorn imports in each worker of ``homeml serve`` (settings come from the
environment, since workers are separate processes).
"""

from __future__ import annotations

import os


def app():
    """Build the app for the model named by HOMEML_SERVE_PATH (set by ``homeml serve``)."""
    from homeml.serve import DEFAULT_MAX_BODY, create_app
    from homeml.serve._run import DEFAULT_READ_TIMEOUT

    return create_app(
        os.environ["HOMEML_SERVE_PATH"],
        max_body=int(os.environ.get("HOMEML_SERVE_MAX_BODY", DEFAULT_MAX_BODY)),
        read_timeout=float(os.environ.get("HOMEML_SERVE_READ_TIMEOUT", DEFAULT_READ_TIMEOUT)),
    )
