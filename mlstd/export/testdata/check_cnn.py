"""Independent checks of convolutional models written by mlstd/export (run by cnn_test.go).

Usage: check_cnn.py MODE < JOB.json  — prints a JSON report on stdout.

state: builds a torch.nn.Sequential from the architecture in the safetensors
       file's "mlstd.arch" metadata, loads the file's tensors with
       load_state_dict(strict=True), runs it in eval mode on the inputs and
       compares with mlstd's outputs; writes torch's state_dict back (its own
       dtypes: num_batches_tracked is I64).
onnx:  for every case, onnx.checker.check_model(full_check=True) and a
       torch.nn.Sequential rebuilt from the graph's nodes and initializers (no
       mlstd code) run on the inputs and compared with mlstd's outputs; then
       PyTorch builds the model of a safetensors file (as in "state") and
       torch.onnx.export writes it (opset 13, dynamic batch) for LoadONNX.
"""
import json
import struct
import sys

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    (n,) = struct.unpack("<Q", b[:8])
    header = json.loads(b[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = b[8 + n :]
    out = {}
    for name, e in header.items():
        s, t = e["data_offsets"]
        out[name] = np.frombuffer(data[s:t], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
    return out, meta


def write_safetensors(path, tensors):
    """The layout of Python's safetensors package: keys sorted, header padded
    with spaces to 8 bytes, no metadata; each array's own dtype."""
    names = {np.dtype("<f4"): "F32", np.dtype("<i8"): "I64"}
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        a = np.array(tensors[name], order="C")  # keeps 0-d arrays 0-d
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": names[a.dtype], "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def torch_from_arch(s):
    nn, k = torch.nn, s["kind"]
    pair = lambda key: tuple(s[key])
    if k == "Sequential":
        return nn.Sequential(*[torch_from_arch(l) for l in s["layers"]])
    if k == "Linear":
        return nn.Linear(s["in"], s["out"], bias=s.get("bias", False))
    if k == "Conv2d":
        return nn.Conv2d(s["in"], s["out"], pair("kernel"), stride=pair("stride"), padding=pair("padding"),
                         dilation=pair("dilation"), bias=s.get("bias", False))
    if k == "MaxPool2d":
        return nn.MaxPool2d(pair("kernel"), stride=pair("stride"), padding=pair("padding"))
    if k == "AvgPool2d":
        return nn.AvgPool2d(pair("kernel"), stride=pair("stride"), padding=pair("padding"))
    if k == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d(pair("size"))
    if k in ("BatchNorm1d", "BatchNorm2d"):
        return getattr(nn, k)(s["features"], eps=s["eps"], momentum=s["momentum"], affine=s.get("affine", False))
    if k in ("Softmax", "LogSoftmax"):
        return getattr(nn, k)(dim=s["dim"])
    if k in ("Dropout", "Dropout2d"):
        return getattr(nn, k)(p=s["p"])
    return getattr(nn, k)()  # ReLU, Sigmoid, Tanh, Flatten


def state(job):
    tensors, meta = read_safetensors(job["model"])
    net = torch_from_arch(json.loads(meta["mlstd.arch"])["model"])
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()}, strict=True)
    net.eval()
    io, _ = read_safetensors(job["data"])
    with torch.no_grad():
        got = net(torch.from_numpy(io["x"].copy())).numpy()
    sd = net.state_dict()
    write_safetensors(job["out"], {k: v.numpy() for k, v in sd.items()})
    return {
        "torch": torch.__version__,
        "max_abs_diff": float(np.max(np.abs(got - io["y"]))),
        "keys": list(sd.keys()),
        "dtypes": {k: {torch.float32: "F32", torch.int64: "I64"}[v.dtype] for k, v in sd.items()},
    }


def torch_from_onnx(model):
    nn = torch.nn
    inits = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    layers = []
    for node in model.graph.node:
        a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
        op, ins = node.op_type, list(node.input)
        pads = a.get("pads", [0, 0, 0, 0])
        assert pads[:2] == pads[2:], pads
        if op == "Conv":
            w = inits[ins[1]]
            assert a.get("group", 1) == 1
            c = nn.Conv2d(w.shape[1], w.shape[0], tuple(w.shape[2:]), stride=tuple(a.get("strides", [1, 1])),
                          padding=tuple(pads[:2]), dilation=tuple(a.get("dilations", [1, 1])), bias=len(ins) > 2)
            c.weight.data = w
            if len(ins) > 2:
                c.bias.data = inits[ins[2]]
            layers.append(c)
        elif op == "MaxPool":
            assert a.get("ceil_mode", 0) == 0
            layers.append(nn.MaxPool2d(tuple(a["kernel_shape"]), stride=tuple(a.get("strides", [1, 1])), padding=tuple(pads[:2])))
        elif op == "AveragePool":
            assert a.get("ceil_mode", 0) == 0
            layers.append(nn.AvgPool2d(tuple(a["kernel_shape"]), stride=tuple(a.get("strides", [1, 1])), padding=tuple(pads[:2]),
                                       count_include_pad=bool(a.get("count_include_pad", 0))))
        elif op == "GlobalAveragePool":
            layers.append(nn.AdaptiveAvgPool2d(1))
        elif op == "BatchNormalization":
            scale, bias, mean, var = (inits[n] for n in ins[1:])
            rank4 = any(isinstance(l, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)) for l in layers) and not any(isinstance(l, nn.Flatten) for l in layers)
            bn = (nn.BatchNorm2d if rank4 else nn.BatchNorm1d)(len(mean), eps=a.get("epsilon", 1e-5), momentum=1 - a.get("momentum", 0.9))
            bn.weight.data, bn.bias.data, bn.running_mean.data, bn.running_var.data = scale, bias, mean, var
            layers.append(bn)
        elif op == "Gemm":
            assert a.get("transB") == 1 and a.get("transA", 0) == 0
            w = inits[ins[1]]
            lin = nn.Linear(w.shape[1], w.shape[0], bias=len(ins) > 2)
            lin.weight.data = w
            if len(ins) > 2:
                lin.bias.data = inits[ins[2]]
            layers.append(lin)
        elif op == "Flatten":
            assert a.get("axis", 1) == 1
            layers.append(nn.Flatten())
        elif op in ("Relu", "Sigmoid", "Tanh"):
            layers.append({"Relu": nn.ReLU, "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh}[op]())
        elif op in ("Softmax", "LogSoftmax"):
            layers.append(getattr(nn, op)(dim=a.get("axis", -1)))
        else:
            raise ValueError("unexpected op " + op)
    return nn.Sequential(*layers).eval()


def check_onnx(job):
    report = {"onnx": onnx.__version__, "torch": torch.__version__, "cases": []}
    for case in job["cases"]:
        model = onnx.load(case["onnx"])
        onnx.checker.check_model(model, full_check=True)
        io, _ = read_safetensors(case["data"])
        inp = model.graph.input[0].type.tensor_type.shape.dim
        with torch.no_grad():
            got = torch_from_onnx(model)(torch.from_numpy(io["x"].copy())).numpy()
        report["cases"].append({
            "name": case["name"],
            "checker": "ok",
            "ops": [n.op_type for n in model.graph.node],
            "input": [d.dim_param or d.dim_value for d in inp],
            "n": int(io["y"].shape[0]),
            "max_abs_diff": float(np.max(np.abs(got - io["y"]))),
            "argmax_agree": int(np.sum(got.argmax(1) == io["y"].argmax(1))),
        })
    t = job["torch_export"]
    tensors, meta = read_safetensors(t["model"])
    net = torch_from_arch(json.loads(meta["mlstd.arch"])["model"])
    net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()}, strict=True)
    net.eval()
    torch.onnx.export(net, torch.zeros(1, *t["input_shape"]), t["out"], opset_version=13, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    exported = onnx.load(t["out"])
    onnx.checker.check_model(exported, full_check=True)
    report["torch_export_ops"] = [n.op_type for n in exported.graph.node]
    return report


def main():
    torch.set_num_threads(1)
    job = json.load(sys.stdin)
    json.dump({"state": state, "onnx": check_onnx}[sys.argv[1]](job), sys.stdout)


if __name__ == "__main__":
    main()
