import os

# scikit-learn's estimator checks include an array-API check that runs only with this set
# (homeml estimators take NumPy input; the check confirms results do not change with it on).
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """With HOMEML_NO_SKIPS=1 (CI), a skipped test fails the run: CI must test everything."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("HOMEML_NO_SKIPS") and reporter and reporter.stats.get("skipped"):
        reporter.write_line("HOMEML_NO_SKIPS is set but tests were skipped: failing the run")
        session.exitstatus = 1
