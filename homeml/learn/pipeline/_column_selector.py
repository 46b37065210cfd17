"""make_column_selector: DataFrame columns by dtype and name pattern, for ColumnTransformer."""

from __future__ import annotations


class make_column_selector:  # noqa: N801 (scikit-learn's name: a class used like a function)
    """A callable ``df -> list of column names`` to use as ColumnTransformer's ``columns``.

    Parameters
    ----------
    pattern : str or None
        Keep the names that contain this regular expression.
    dtype_include, dtype_exclude : dtype, str, list of them, or None
        As pandas' ``DataFrame.select_dtypes(include=..., exclude=...)``.
    """

    def __init__(self, pattern=None, *, dtype_include=None, dtype_exclude=None):
        self.pattern = pattern
        self.dtype_include = dtype_include
        self.dtype_exclude = dtype_exclude

    def __call__(self, df) -> list:
        """The names of the columns of ``df`` that match."""
        if not hasattr(df, "iloc"):
            raise ValueError(
                "make_column_selector can only be applied to pandas dataframes; got "
                f"{type(df).__name__}."
            )
        row = df.iloc[:1]
        if self.dtype_include is not None or self.dtype_exclude is not None:
            row = row.select_dtypes(include=self.dtype_include, exclude=self.dtype_exclude)
        columns = row.columns
        if self.pattern is not None:
            columns = columns[columns.str.contains(self.pattern, regex=True)]
        return columns.tolist()
