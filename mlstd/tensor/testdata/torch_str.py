"""Prints tensors as PyTorch does, for mlstd/tensor's String test.

Reads [{"shape", "data", "requires_grad"}] on stdin and writes the list of
str(tensor) to stdout as JSON.
"""
import json
import sys

import torch

out = []
for spec in json.load(sys.stdin):
    t = torch.tensor(spec["data"], dtype=torch.float32).reshape(spec["shape"])
    out.append(str(t.requires_grad_(spec["requires_grad"])))
json.dump(out, sys.stdout)
