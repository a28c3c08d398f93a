"""PyTorch reference results for mlstd/tensor's convolution and pooling ops.

Reads {"cases": [...]} on stdin, where each case is {"op", "inputs":
[{"shape", "data"}], "r": {...}, "kernel", "stride", "padding",
"dilation", "out"}, and writes {"ops": [{"out", "shape", "grads"}]}: the
op's output and the gradients of sum(out * r) with respect to each input,
in float32, one entry per case in order.
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def tensor(spec, grad):
    t = torch.tensor(spec["data"], dtype=torch.float32).reshape(spec["shape"])
    return t.requires_grad_(grad)


def run(c, ins):
    op = c["op"]
    st, pad, dil = tuple(c["stride"]), tuple(c["padding"]), tuple(c["dilation"])
    if op == "conv2d":
        return F.conv2d(*ins, stride=st, padding=pad, dilation=dil)
    if op == "max_pool2d":
        return F.max_pool2d(ins[0], tuple(c["kernel"]), st, pad)
    if op == "avg_pool2d":
        return F.avg_pool2d(ins[0], tuple(c["kernel"]), st, pad)
    if op == "adaptive_avg_pool2d":
        return F.adaptive_avg_pool2d(ins[0], tuple(c["out"]))
    raise ValueError(op)


def main():
    req = json.load(sys.stdin)
    result = []
    for c in req["cases"]:
        ins = [tensor(s, True) for s in c["inputs"]]
        out = run(c, ins)
        (out * tensor(c["r"], False)).sum().backward()
        result.append({
            "out": out.detach().flatten().tolist(),
            "shape": list(out.shape),
            "grads": [x.grad.flatten().tolist() for x in ins],
        })
    json.dump({"ops": result}, sys.stdout)


main()
