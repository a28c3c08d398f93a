"""Independent checks of convolutional models written by mlstd/export (run by cnn_test.go).

Usage: check_cnn.py MODE < JOB.json  — prints a JSON report on stdout.

state: builds a torch.nn.Sequential from the architecture in the safetensors
       file's "mlstd.arch" metadata, loads the file's tensors with
       load_state_dict(strict=True), runs it in eval mode on the inputs and
       compares with mlstd's outputs; writes torch's state_dict back (its own
       dtypes: num_batches_tracked is I64).
"""
import json
import struct
import sys

import numpy as np
import torch

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


def main():
    torch.set_num_threads(1)
    job = json.load(sys.stdin)
    json.dump({"state": state}[sys.argv[1]](job), sys.stdout)


if __name__ == "__main__":
    main()
