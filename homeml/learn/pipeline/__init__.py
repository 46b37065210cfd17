"""Composing estimators: Pipeline (steps in a row) and ColumnTransformer (columns side by side).

| names | file |
| --- | --- |
| Pipeline, make_pipeline | ``_pipeline.py`` |
| ColumnTransformer, make_column_transformer | ``_column_transformer.py`` |
| FeatureUnion, make_union | ``_feature_union.py`` |
| make_column_selector | ``_column_selector.py`` |
| TransformedTargetRegressor | ``_target.py`` |
| shared parameter handling and naming | ``_composition.py`` |
"""

from homeml.learn.pipeline._column_selector import make_column_selector
from homeml.learn.pipeline._column_transformer import ColumnTransformer, make_column_transformer
from homeml.learn.pipeline._feature_union import FeatureUnion, make_union
from homeml.learn.pipeline._pipeline import Pipeline, make_pipeline
from homeml.learn.pipeline._target import TransformedTargetRegressor

__all__ = [
    "Pipeline",
    "make_pipeline",
    "ColumnTransformer",
    "make_column_transformer",
    "make_column_selector",
    "FeatureUnion",
    "make_union",
    "TransformedTargetRegressor",
]
