"""PyTorch reference results for mlstd/tensor's tests.

Reads {"cases": [...], "str": [...]} on stdin and writes {"ops": ...,
"str": ...} to stdout:
- cases: [{"name", "inputs": [{"shape", "data"}], "r": {...}}]; for every
  case it computes out = op(inputs) and the gradients of sum(out * r) with
  respect to each input, in float32: {name: {"out", "shape", "grads"}}.
- str: [{"shape", "data", "requires_grad"}]; the list of str(tensor).
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
LABELS = torch.tensor([2, 0, 1, 1])

OPS = {
    "add": lambda a, b: a + b,
    "add_row": lambda a, b: a + b,
    "add_col": lambda a, b: a + b,
    "add_both": lambda a, b: a + b,
    "sub_bcast": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "mul_scalar_tensor": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "div_bcast": lambda a, b: a / b,
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "scale": lambda a: a * -1.5,
    "addscalar": lambda a: a + 2,
    "neg": lambda a: -a,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "square": torch.square,
    "pow": lambda a: a ** 2.5,
    "abs": torch.abs,
    "clamp": lambda a: a.clamp(-0.55, 0.65),
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "matmul": torch.matmul,
    "matmul_3d": torch.matmul,
    "matmul_vec": torch.matmul,
    "linear": F.linear,
    "linear_relu": lambda x, w, b: F.linear(x, w, b).relu(),
    "linear_nobias": F.linear,
    "t": lambda a: a.t(),
    "transpose": lambda a: a.transpose(0, 2),
    "permute": lambda a: a.permute(1, 2, 0),
    "reshape": lambda a: a.reshape(3, -1),
    "flatten": torch.flatten,
    "unsqueeze": lambda a: a.unsqueeze(1),
    "rows": lambda a: a[torch.tensor([3, 0, 3, 1])],
    "slice": lambda a: a[1:4],
    "cat": lambda a, b: torch.cat([a, b]),
    "sum": torch.sum,
    "mean": torch.mean,
    "sum_axis0": lambda a: a.sum(0),
    "sum_axis1_keep": lambda a: a.sum(1, keepdim=True),
    "mean_axis": lambda a: a.mean(-1),
    "var_axis": lambda a: a.var(1),
    "std_axis0_keep": lambda a: a.std(0, keepdim=True),
    "max": torch.max,
    "max_axis": lambda a: a.max(1).values,
    "min_axis": lambda a: a.min(0, keepdim=True).values,
    "softmax": lambda a: a.softmax(1),
    "softmax_axis0": lambda a: a.softmax(0),
    "log_softmax": lambda a: a.log_softmax(-1),
    "log_softmax_mid": lambda a: a.log_softmax(1),
    "layer_norm": lambda x, w, b: F.layer_norm(x, (x.shape[-1],), w, b, 1e-5),
    "cross_entropy": lambda a: F.cross_entropy(a, LABELS),
    "nll_loss": lambda a: F.nll_loss(a.log_softmax(1), LABELS),
    "mse": F.mse_loss,
    "bce_with_logits": lambda a, b: F.binary_cross_entropy_with_logits(a, b.sigmoid()),
}


def tensor(spec, grad):
    t = torch.tensor(spec["data"], dtype=torch.float32).reshape(spec["shape"])
    return t.requires_grad_(grad)


def main():
    req = json.load(sys.stdin)
    result = {}
    for c in req["cases"]:
        ins = [tensor(s, True) for s in c["inputs"]]
        out = OPS[c["name"]](*ins)
        (out * tensor(c["r"], False)).sum().backward()
        result[c["name"]] = {
            "out": out.detach().flatten().tolist(),
            "shape": list(out.shape),
            "grads": [x.grad.flatten().tolist() for x in ins],
        }
    strs = []
    for spec in req["str"]:
        t = torch.tensor(spec["data"], dtype=torch.float32).reshape(spec["shape"])
        strs.append(str(t.requires_grad_(spec["requires_grad"])))
    json.dump({"ops": result, "str": strs}, sys.stdout)


main()
