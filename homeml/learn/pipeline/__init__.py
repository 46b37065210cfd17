"""Composing estimators: Pipeline (steps in a row) and ColumnTransformer (columns side by side).

| names | file |
| --- | --- |
| Pipeline, make_pipeline | ``_pipeline.py`` |
| ColumnTransformer, make_column_transformer | ``_column_transformer.py`` |
| shared parameter handling and naming | ``_composition.py`` |
"""

from homeml.learn.pipeline._column_transformer import ColumnTransformer, make_column_transformer
from homeml.learn.pipeline._pipeline import Pipeline, make_pipeline

__all__ = ["Pipeline", "make_pipeline", "ColumnTransformer", "make_column_transformer"]
