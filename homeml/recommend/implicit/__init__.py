"""Recommenders for implicit feedback with implicit's interface: fit on a user x item
``scipy.sparse.csr_matrix``, ``recommend(userid, user_items[userid], N)``, ``similar_items``.

- :class:`AlternatingLeastSquares` (Hu, Koren & Volinsky 2008; conjugate gradient)
- :class:`BayesianPersonalizedRanking` (Rendle et al. 2009)
- :class:`CosineRecommender`, :class:`BM25Recommender`, :class:`TFIDFRecommender`,
  :class:`ItemItemRecommender` (item-item nearest neighbours)
- :mod:`homeml.recommend.implicit.evaluation` (precision, recall, MAP, NDCG, AUC at K, coverage)
"""

from homeml.recommend.implicit import evaluation
from homeml.recommend.implicit.als import AlternatingLeastSquares
from homeml.recommend.implicit.bpr import BayesianPersonalizedRanking
from homeml.recommend.implicit.nearest_neighbours import (
    BM25Recommender,
    CosineRecommender,
    ItemItemRecommender,
    TFIDFRecommender,
    bm25_weight,
    normalize,
    tfidf_weight,
)

__all__ = [
    "AlternatingLeastSquares",
    "BM25Recommender",
    "BayesianPersonalizedRanking",
    "CosineRecommender",
    "ItemItemRecommender",
    "TFIDFRecommender",
    "bm25_weight",
    "evaluation",
    "normalize",
    "tfidf_weight",
]
