"""Reference server for the benchmark: the same MLP and the same Open
Inference Protocol v2 infer endpoint, written the usual way with FastAPI,
uvicorn and PyTorch. Weights come from the gokernel .safetensors file (read
with numpy; Debian's torch 1.13 has no safetensors loader).

    MODEL=mnist.safetensors uvicorn fastapi_server:app --port 8081 --workers 1
"""
import json
import os
import struct

import numpy as np
import torch
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

torch.set_num_threads(1)  # one OpenBLAS/OpenMP thread per worker (2 shared cores)


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=np.float32).reshape(info["shape"]).copy())
    return out


def build(path):
    sd = load_safetensors(path)
    layers = []
    i = 0
    while f"{i}.weight" in sd or f"{i + 1}.weight" in sd:
        if f"{i}.weight" in sd:
            w = sd[f"{i}.weight"]
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            lin.load_state_dict({"weight": w, "bias": sd[f"{i}.bias"]})
            layers.append(lin)
        else:
            layers.append(torch.nn.ReLU())
        i += 1
    return torch.nn.Sequential(*layers).eval()


model = build(os.environ.get("MODEL", "mnist.safetensors"))
NAME = os.environ.get("NAME", "mnist")
app = FastAPI()


@app.get("/v2/health/ready")
def ready():
    return {}


@app.post("/v2/models/{name}/infer")
async def infer(name: str, request: Request):
    if name != NAME:
        return JSONResponse({"error": f"model {name} not found"}, status_code=404)
    req = await request.json()
    inp = req["inputs"][0]
    x = torch.tensor(inp["data"], dtype=torch.float32).reshape(inp["shape"])
    with torch.no_grad():
        y = model(x)
    cls = y.argmax(dim=1)
    return {
        "model_name": NAME,
        "id": req.get("id", ""),
        "outputs": [
            {"name": "output", "datatype": "FP32", "shape": list(y.shape), "data": y.flatten().tolist()},
            {"name": "predicted_class", "datatype": "INT64", "shape": [len(cls)], "data": cls.tolist()},
        ],
    }
