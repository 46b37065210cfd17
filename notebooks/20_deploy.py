# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 20 · Deploying a model: save, export, serve
#
# A model that lives only in a notebook helps nobody. Taking it out takes three steps, each
# with a check that it still gives the same answers:
#
# 1. **save** it to a file and load it back (homeml's files are safetensors + JSON: data, never
#    pickled code, so loading a file cannot run anything);
# 2. **export** it to ONNX, the standard format that onnxruntime (and many other runtimes, in
#    other languages) can run without homeml;
# 3. **serve** it over HTTP with `homeml serve`, here in-process with a test client, exactly
#    as the server answers real requests.
#
# The notebook writes its files into the current folder (a temporary one when CI runs it).

# %%
import json
import struct
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import homeml as hm
from homeml import nn
from homeml.learn.linear_model import LogisticRegression
from homeml.learn.pipeline import make_pipeline
from homeml.learn.preprocessing import StandardScaler

FULL = False  # True: more training data and epochs for the network
N = 5_000 if FULL else 600
EPOCHS = 200 if FULL else 60
rng = np.random.default_rng(0)

# four measurements per sample, three classes (a made-up stand-in for a real table)
X = rng.normal(size=(N, 4)) * [1.0, 2.0, 0.5, 1.0] + [0.0, 5.0, 1.0, -2.0]  # (n, 4)
y = (X[:, 0] + 0.5 * (X[:, 1] - 5) > 0).astype(int) + (X[:, 2] > 1.5)  # (n,) classes 0, 1, 2
pipeline = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
print(f"training accuracy {pipeline.score(X, y):.3f}")

# %% [markdown]
# ## 1. Save and load
#
# `hm.save` writes arrays (here the scaler's means and the classifier's weights) as safetensors
# and everything else (classes, parameters, the pipeline's structure) as JSON in the same file.
# It writes to a temporary file and renames it, so a crash never leaves half a model behind.
# `hm.load` rebuilds the object from the names in `homeml.learn` only.

# %%
hm.save(pipeline, "pipeline.safetensors")
loaded = hm.load("pipeline.safetensors")
gap = np.abs(loaded.predict_proba(X) - pipeline.predict_proba(X)).max()
print(f"{Path('pipeline.safetensors').stat().st_size:,} bytes; max |loaded - original| = {gap}")
assert gap == 0.0  # the same float64 numbers, bit for bit

# %% [markdown]
# The loaded pipeline gives bit-for-bit the same probabilities. The file format is simple
# enough to read by hand: 8 bytes giving the length $h$ of a JSON header, the header, then the
# raw array bytes. The header lists each array's dtype, shape and byte range, plus homeml's
# metadata.

# %%
raw = Path("pipeline.safetensors").read_bytes()
(header_length,) = struct.unpack("<Q", raw[:8])  # little-endian unsigned 64-bit
header = json.loads(raw[8 : 8 + header_length])
arrays = pd.DataFrame({name: info for name, info in header.items() if name != "__metadata__"}).T
homeml_meta = json.loads(header["__metadata__"]["homeml"])
print("kind:", homeml_meta["kind"], "| class:", homeml_meta["estimator"]["class"])
arrays

# %%
assert homeml_meta["estimator"]["class"] == "Pipeline"
first = arrays.iloc[0]
start, end = first["data_offsets"]
values = np.frombuffer(raw[8 + header_length + start : 8 + header_length + end], dtype="<f8")
assert first["dtype"] == "F64" and values.size == np.prod(first["shape"])

# %% [markdown]
# ## A network too
#
# The same for a `homeml.nn` network: a small MLP trained on the standardised features. Saving
# a network stores its architecture (as JSON) and weights; `example_input` records the input
# shape so the server can check requests.

# %%
hm.manual_seed(0)
scaler = pipeline[0]
inputs = hm.tensor(scaler.transform(X), dtype=hm.float32)  # (n, 4)
targets = hm.tensor(y)
net = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 3))
optimizer = hm.optim.Adam(net.parameters(), lr=0.01)
losses = []
for _ in range(EPOCHS):  # full-batch training: 600 rows fit in one step
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(net(inputs), targets)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
net.eval()
hm.save(net, "net.safetensors", example_input=inputs[:1])
net_loaded = hm.load("net.safetensors")
with hm.no_grad():
    logits = net(inputs).numpy()
    net_gap = np.abs(net_loaded(inputs).numpy() - logits).max()
net_accuracy = np.mean(logits.argmax(1) == y)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(losses)
ax.set(xlabel="step", ylabel="cross-entropy", title="training the network")
plt.show()
print(f"network training accuracy {net_accuracy:.3f}; max |loaded - original| = {net_gap}")

# %% [markdown]
# The loaded network computes exactly the same logits. The classes were made with a threshold
# on a sum plus a second threshold, which a network can bend its boundaries around and a linear
# model cannot: the network classifies more than 90% of the training rows correctly, the
# logistic-regression pipeline more than 80%.

# %%
assert net_gap == 0.0
assert net_accuracy > 0.9 and pipeline.score(X, y) > 0.8

# %% [markdown]
# ## 2. Export to ONNX
#
# ONNX describes a model as a graph of standard operators (`MatMul`, `Add`, `Relu`,
# `Softmax`, ...) stored in one file. `homeml.onnx.export(model, path, example_input)` writes
# one for a network or a fitted estimator (a pipeline becomes one graph: scaling, then the
# linear scores, then softmax). onnxruntime then runs it without homeml; its answers must match
# homeml's to float32 precision.

# %%
from homeml.onnx import export

export(pipeline, "pipeline.onnx", X[:1].astype(np.float32))
export(net, "net.onnx", inputs[:1].numpy())
onnx_results = {}
try:
    import onnxruntime

    session = onnxruntime.InferenceSession("pipeline.onnx")
    print(
        "pipeline inputs:",
        [i.name for i in session.get_inputs()],
        "outputs:",
        [o.name for o in session.get_outputs()],
    )
    labels, probabilities = session.run(None, {"input": X.astype(np.float32)})
    onnx_results["pipeline: max |probabilities - homeml|"] = np.abs(
        probabilities - pipeline.predict_proba(X)
    ).max()
    onnx_results["pipeline: labels that differ"] = int(np.sum(labels != pipeline.predict(X)))
    (onnx_logits,) = onnxruntime.InferenceSession("net.onnx").run(None, {"input": inputs.numpy()})
    onnx_results["network: max |logits - homeml|"] = np.abs(onnx_logits - logits).max()
except ImportError:
    print("onnxruntime is not installed: the ONNX files are written but not run")
pd.Series(onnx_results, dtype=float)

# %% [markdown]
# onnxruntime's probabilities and logits match homeml's to $10^{-5}$ and it predicts the same
# class for every row (float32 arithmetic in a different order: the last digits differ).

# %%
if onnx_results:
    assert onnx_results["pipeline: max |probabilities - homeml|"] < 1e-5
    assert onnx_results["pipeline: labels that differ"] == 0
    assert onnx_results["network: max |logits - homeml|"] < 1e-5

# %% [markdown]
# ## 3. Serve over HTTP
#
# `homeml serve pipeline.safetensors` starts a FastAPI server (on uvicorn) at
# http://127.0.0.1:8000 with `GET /health`, `GET /v1/model`, `POST /v1/predict` and OpenAPI
# docs at `/docs`. The app behind it is `homeml.serve.create_app`; FastAPI's `TestClient` sends
# it real HTTP requests in-process, without opening a port.

# %%
try:
    from fastapi.testclient import TestClient

    from homeml.serve import create_app
except ImportError:
    TestClient = None
    print('serving needs the serve extra: pip install -e ".[serve]" (and httpx for the client)')

if TestClient is not None:
    client = TestClient(create_app("pipeline.safetensors"))
    print("GET /health ->", client.get("/health").json())
    print("GET /v1/model ->", json.dumps(client.get("/v1/model").json(), indent=1)[:400], "...")
    answer = client.post("/v1/predict", json={"inputs": X[:3].tolist()})
    print("POST /v1/predict ->", answer.status_code, answer.json())

# %% [markdown]
# The server answers a batch of three rows with the same classes and probabilities as the
# pipeline in memory (to $10^{-12}$: JSON carries the float64 numbers in full). A request of
# the wrong shape gets a **422** that says what was expected, never a crash (a 500).

# %%
if TestClient is not None:
    served = answer.json()
    assert answer.status_code == 200
    assert served["predictions"] == pipeline.predict(X[:3]).tolist()
    assert np.abs(np.array(served["probabilities"]) - pipeline.predict_proba(X[:3])).max() < 1e-12
    bad = client.post("/v1/predict", json={"inputs": [[1.0, 2.0, 3.0]]})
    print("POST /v1/predict with 3 features ->", bad.status_code, bad.json())
    assert bad.status_code == 422
    # strict JSON has no NaN, so the client refuses to send one; Python's json module writes it
    body = json.dumps({"inputs": [[1.0, 2.0, 3.0, float("nan")]]})
    nan = client.post("/v1/predict", content=body, headers={"content-type": "application/json"})
    print("with a NaN ->", nan.status_code, nan.text[:200])
    assert nan.status_code == 422

# %% [markdown]
# From a terminal, the same server for real:
#
# ```bash
# homeml serve pipeline.safetensors            # then, in another terminal:
# curl -s localhost:8000/v1/predict -H 'content-type: application/json' \
#      -d '{"inputs": [[0.1, 5.2, 1.9, -2.0]]}'
# ```
#
# That is the end of the learning path: from a derivative computed by hand (notebook 01) to a
# model answering HTTP requests, with every step checked against a reference.
