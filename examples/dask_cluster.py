"""homeml on a Dask cluster: joblib's dask backend, dask-ml's Incremental, data-parallel training.

python examples/dask_cluster.py                          # a LocalCluster of 2 worker processes
python examples/dask_cluster.py tcp://scheduler-host:8786  # a cluster started elsewhere with
                                                         # `dask scheduler` and `dask worker ...`
"""

import argparse
import sys

try:
    import dask.array as da
    import joblib
    from dask_ml.wrappers import Incremental
except ImportError as error:
    sys.exit(f'examples/dask_cluster.py needs {error.name}: pip install -e ".[dev]"')

import numpy as np

import homeml as hm
from homeml import nn, optim
from homeml.data import DataLoader, TensorDataset
from homeml.distributed import DistributedDataParallel, connect
from homeml.learn import GridSearchCV, LogisticRegression, RandomForestClassifier, SGDClassifier
from homeml.train import fit


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("address", nargs="?", default="local:2", help="default local:2")
    client = connect(parser.parse_args().address)
    print("workers:", sorted(client.nthreads()))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 10)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64)

    # 1. n_jobs through joblib: trees and (candidate, fold) fits run on the workers
    with joblib.parallel_backend("dask"):
        forest = RandomForestClassifier(100, random_state=0).fit(X, y)
        search = GridSearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1, 10]}, cv=3).fit(X, y)
    print(f"forest: {forest.score(X, y):.3f}; best C {search.best_params_['C']}")

    # 2. out of core: the blocks of a dask array go to partial_fit, in order
    blocks = da.from_array(X, chunks=(500, 10)), da.from_array(y, chunks=500)
    sgd = Incremental(SGDClassifier(random_state=0), shuffle_blocks=False)
    sgd.fit(*blocks, classes=[0, 1])
    print(f"incremental SGD: {sgd.score(*blocks):.3f}")

    # 3. data-parallel training: one replica per worker, gradients all-reduced between them
    hm.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 2))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    loader = DataLoader(TensorDataset(X, y), batch_size=128, shuffle=True)
    ddp = DistributedDataParallel(client)
    history = fit(model, optimizer, nn.CrossEntropyLoss(), loader, epochs=5, data_parallel=ddp)
    print(f"MLP on {ddp.world_size} replicas: train accuracy {history.rows[-1]['train_acc']:.3f}")
    client.close()


if __name__ == "__main__":
    main()
