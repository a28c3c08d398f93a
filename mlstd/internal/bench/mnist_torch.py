# PyTorch side of mlstd/internal/bench: the seed's MNIST MLP on one thread.
# Protocol on stdin/stdout, one line each: the script prints "ready" after
# loading; "epoch" trains one epoch and prints "epoch <seconds> <mean loss>
# <cpu seconds>";
# "eval" prints "acc <test accuracy>"; "quit" prints "rss <peak KiB>".
import gzip
import os
import resource
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
d, mean, std, seed, batch, lr, momentum = sys.argv[1:8]
mean, std, seed, batch = float(mean), float(std), int(seed), int(batch)
lr, momentum = float(lr), float(momentum)


def idx(name):
    with gzip.open(os.path.join(d, name), "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(images, labels):
    x = torch.from_numpy(idx(images).reshape(-1, 784).astype(np.float32))
    x.div_(255.0).sub_(mean).div_(std)
    y = torch.from_numpy(idx(labels).astype(np.int64))
    return x, y


xtr, ytr = load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
xte, yte = load("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
torch.manual_seed(seed)
model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
lossf = torch.nn.CrossEntropyLoss()
n = xtr.shape[0]
print("ready", flush=True)

for line in sys.stdin:
    cmd = line.split()
    if not cmd:
        continue
    if cmd[0] == "epoch":
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(n)
        total, steps = 0.0, 0
        for i in range(0, n, batch):
            j = perm[i:i + batch]
            xb, yb = xtr[j], ytr[j]
            opt.zero_grad()
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
            steps += 1
        print("epoch", time.perf_counter() - t0, total / steps, time.process_time() - c0, flush=True)
    elif cmd[0] == "eval":
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).double().mean().item()
        print("acc", acc, flush=True)
    elif cmd[0] == "quit":
        print("rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
        break
