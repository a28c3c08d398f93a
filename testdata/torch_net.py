# Exports the seed's PyTorch model (Net: Flatten, 784-128-10 with ReLU) with
# torch.onnx.export, dynamic batch, the way a PyTorch user would, and writes
# test inputs and PyTorch's outputs for serve_torch_test.go.
#
# usage: torch_net.py DIR   (writes DIR/net.onnx, DIR/x.f32, DIR/y.f32)
import sys

import numpy as np
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(28 * 28, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(self.flatten(x))))


out = sys.argv[1]
torch.manual_seed(7)
torch.set_num_threads(1)
net = Net().eval()
torch.onnx.export(net, torch.zeros(1, 1, 28, 28), f"{out}/net.onnx",
                  input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})

# MNIST-like images: 80 % zeros, the rest k/255.
g = torch.Generator().manual_seed(8)
x = torch.randint(0, 256, (100, 1, 28, 28), generator=g).float() / 255
x[torch.rand(x.shape, generator=g) < 0.8] = 0
with torch.no_grad():
    y = net(x)
x.numpy().astype("<f4").tofile(f"{out}/x.f32")
y.numpy().astype("<f4").tofile(f"{out}/y.f32")
print(f"torch {torch.__version__}: exported net.onnx, {len(x)} test rows")
