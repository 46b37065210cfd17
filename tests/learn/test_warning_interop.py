"""homeml's warnings are subclasses of scikit-learn's when scikit-learn is loaded, whichever is
imported first, so scikit-learn's warning filters apply to homeml's estimators."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="scikit-learn is the reference")

CHECK = """
import warnings
import numpy as np
{imports}
import sklearn.exceptions as se
from homeml.learn import LinearSVC, ConvergenceWarning, DataConversionWarning
from homeml.learn.metrics import UndefinedMetricWarning
from homeml.learn.model_selection import FitFailedWarning
for ours in (ConvergenceWarning, DataConversionWarning, UndefinedMetricWarning, FitFailedWarning):
    assert issubclass(ours, getattr(se, ours.__name__)), ours
X = np.random.RandomState(0).randn(40, 3)
y = (X[:, 0] > 0).astype(int)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    LinearSVC(max_iter=1, tol=1e-12).fit(X, y)
assert any(issubclass(w.category, se.ConvergenceWarning) for w in caught), caught
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    warnings.filterwarnings("ignore", category=se.ConvergenceWarning)
    LinearSVC(max_iter=1, tol=1e-12).fit(X, y)
assert not caught, [str(w.message) for w in caught]
print("ok")
"""


@pytest.mark.parametrize(
    "imports",
    [
        "import homeml.learn\nimport sklearn.linear_model",  # homeml first: the import hook
        "import sklearn.linear_model\nimport homeml.learn",  # scikit-learn first
        "import homeml.learn",  # scikit-learn only through sklearn.exceptions below
    ],
)
def test_sklearn_filters_silence_homeml_warnings_in_any_import_order(imports):
    out = subprocess.run(
        [sys.executable, "-c", CHECK.format(imports=imports)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_without_sklearn_the_warnings_are_plain_user_warnings():
    code = (
        "import sys\nsys.modules['sklearn'] = None\n"  # scikit-learn cannot be imported
        "import homeml.learn as hl\n"
        "assert hl.ConvergenceWarning.__mro__[2] is UserWarning, hl.ConvergenceWarning.__mro__\n"
        "assert 'sklearn.exceptions' not in sys.modules\nprint('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_in_process_filters_for_each_linked_warning():
    import sklearn.exceptions as se

    from homeml.learn import metrics
    from homeml.learn.model_selection import cross_val_score
    from homeml.learn.validation import column_or_1d

    X = np.arange(20.0).reshape(10, 2)
    y = np.array([0, 1] * 5)

    class Failing:
        def get_params(self, deep=True):
            return {}

        def set_params(self, **params):
            return self

        def fit(self, X, y):
            if len(X) < 9:
                raise RuntimeError("boom")
            return self

        def score(self, X, y):
            return 1.0

    for category, trigger in [
        (se.UndefinedMetricWarning, lambda: metrics.precision_score([0, 0], [0, 0])),
        (se.DataConversionWarning, lambda: column_or_1d(np.zeros((3, 1)), warn=True)),
        (se.FitFailedWarning, lambda: cross_val_score(Failing(), X, y, cv=[(np.arange(9), [9]),
                                                                             (np.arange(5), [9])])),
    ]:  # fmt: skip
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            trigger()
        assert any(issubclass(w.category, category) for w in caught), category
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=category)
            trigger()
        assert not [w for w in caught if issubclass(w.category, category)]
