"""Independent checks of files written by mlstd/export (run by python_test.go).

Usage: check_onnx.py MANIFEST.json  — prints a JSON report on stdout.

For every case: onnx.checker.check_model(full_check=True); a torch.nn.Sequential
is built from the ONNX graph's nodes and initializers (no mlstd code involved),
run on the inputs, and compared with mlstd's outputs; the model is saved again
by onnx.save (for the Go side to load). Safetensors files are
parsed by hand (8-byte little-endian length, JSON header, raw data) with numpy;
each tensor's SHA-256 is reported and compared with the ONNX initializer of the
same name.
"""
import hashlib
import json
import struct
import sys

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    (n,) = struct.unpack("<Q", b[:8])
    header = json.loads(b[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = b[8 + n :]
    out = {}
    for name, e in header.items():
        assert e["dtype"] == "F32", (name, e["dtype"])
        s, t = e["data_offsets"]
        out[name] = np.frombuffer(data[s:t], dtype="<f4").reshape(e["shape"])
    return out, meta


def write_safetensors(path, tensors):
    """Writes tensors the way Python's safetensors package lays them out:
    keys sorted, 8-byte-aligned header padded with spaces, no metadata."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        b = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def torch_from_onnx(model):
    inits = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    layers, pending = [], {}
    for node in model.graph.node:
        a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
        op = node.op_type
        if op == "Gemm":
            assert a.get("transB") == 1 and a.get("transA", 0) == 0
            w = inits[node.input[1]]
            lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=len(node.input) > 2)
            lin.weight.data = w
            if len(node.input) > 2:
                lin.bias.data = inits[node.input[2]]
            layers.append(lin)
        elif op == "Transpose":
            pending[node.output[0]] = inits[node.input[0]]  # (out, in) weight
        elif op == "MatMul":
            w = pending[node.input[1]]
            lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
            lin.weight.data = w
            layers.append(lin)
        elif op == "Add":
            last = layers[-1]
            lin = torch.nn.Linear(last.in_features, last.out_features)
            lin.weight.data, lin.bias.data = last.weight.data, inits[node.input[1]]
            layers[-1] = lin
        elif op == "Relu":
            layers.append(torch.nn.ReLU())
        elif op == "Sigmoid":
            layers.append(torch.nn.Sigmoid())
        elif op == "Tanh":
            layers.append(torch.nn.Tanh())
        elif op == "Softmax":
            layers.append(torch.nn.Softmax(dim=a.get("axis", -1)))
        elif op == "LogSoftmax":
            layers.append(torch.nn.LogSoftmax(dim=a.get("axis", -1)))
        elif op == "Flatten":
            assert a.get("axis", 1) == 1
            layers.append(torch.nn.Flatten())
        else:
            raise ValueError("unexpected op " + op)
    return torch.nn.Sequential(*layers).eval()


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    torch.set_num_threads(1)
    report = {"onnx": onnx.__version__, "torch": torch.__version__, "cases": [], "safetensors": {}}
    for case in manifest["cases"]:
        model = onnx.load(case["onnx"])
        onnx.checker.check_model(model, full_check=True)
        onnx.save(model, case["resaved"])
        tensors, _ = read_safetensors(case["data"])
        x, want = tensors["x"], tensors["y"]
        net = torch_from_onnx(model)
        with torch.no_grad():
            got = net(torch.from_numpy(x.copy())).numpy().reshape(want.shape)
        report["cases"].append({
            "name": case["name"],
            "checker": "ok",
            "ops": [n.op_type for n in model.graph.node],
            "n": int(want.shape[0]),
            "max_abs_diff": float(np.max(np.abs(got - want))),
            "argmax_agree": int(np.sum(got.argmax(1) == want.argmax(1))),
        })
        if "state_dict_out" in case:
            write_safetensors(case["state_dict_out"], {k: v.numpy() for k, v in net.state_dict().items()})
    params, meta = read_safetensors(manifest["safetensors"])
    inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(manifest["safetensors_onnx"]).graph.initializer}
    for name, arr in params.items():
        report["safetensors"][name] = {
            "sha256": hashlib.sha256(arr.astype("<f4").tobytes()).hexdigest(),
            "shape": list(arr.shape),
            "equals_onnx_initializer": bool(name in inits and np.array_equal(arr.view("<u4"), inits[name].view("<u4"))),
        }
    report["safetensors_metadata_keys"] = sorted(meta)
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
