# PyTorch side of mlstd/internal/bench: one of the benchmark's models on
# MNIST. Arguments: data dir, mean, std, seed, batch, lr, momentum, model
# (mlp, lenet5, cnn), batches per epoch (0: all).
# Protocol on stdin/stdout, one line each: the script prints "ready" after
# loading; "threads <t>" sets torch.set_num_threads and prints "threads <t>";
# "probe <t> <steps>" times <steps> training steps with t threads after two
# warm-up steps, then restores the model and optimizer, and prints
# "probe <wall s/step> <cpu s/step>"; "epoch" trains one epoch (or its
# first batches) and prints "epoch <seconds> <mean loss> <cpu seconds>
# <steps>"; "eval" prints "acc <test accuracy>"; "quit" prints
# "rss <peak KiB>".
import copy
import gzip
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(1)
d, mean, std, seed, batch, lr, momentum, model_name, batches = sys.argv[1:10]
mean, std, seed, batch = float(mean), float(std), int(seed), int(batch)
lr, momentum, batches = float(lr), float(momentum), int(batches)


def idx(name):
    with gzip.open(os.path.join(d, name), "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(images, labels):
    x = torch.from_numpy(idx(images).reshape(-1, 784).astype(np.float32))
    x.div_(255.0).sub_(mean).div_(std)
    if model_name != "mlp":
        x = x.view(-1, 1, 28, 28)
    y = torch.from_numpy(idx(labels).astype(np.int64))
    return x, y


xtr, ytr = load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
xte, yte = load("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
torch.manual_seed(seed)
if model_name == "mlp":
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
elif model_name == "lenet5":
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
elif model_name == "cnn":  # pytorch/examples mnist/main.py's Net
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10))
else:
    sys.exit("unknown model " + model_name)
opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
lossf = nn.CrossEntropyLoss()
n = xtr.shape[0]


def step(j):
    xb, yb = xtr[j], ytr[j]
    opt.zero_grad()
    loss = lossf(model(xb), yb)
    loss.backward()
    opt.step()
    return loss.item()


print("ready", flush=True)

for line in sys.stdin:
    cmd = line.split()
    if not cmd:
        continue
    if cmd[0] == "threads":
        torch.set_num_threads(int(cmd[1]))
        print("threads", torch.get_num_threads(), flush=True)
    elif cmd[0] == "probe":
        saved = copy.deepcopy((model.state_dict(), opt.state_dict()))
        threads, k = torch.get_num_threads(), int(cmd[2])
        torch.set_num_threads(int(cmd[1]))
        perm = torch.randperm(n)
        model.train()
        for i in range(k + 2):
            if i == 2:
                t0, c0 = time.perf_counter(), time.process_time()
            step(perm[i * batch:(i + 1) * batch])
        print("probe", (time.perf_counter() - t0) / k, (time.process_time() - c0) / k, flush=True)
        torch.set_num_threads(threads)
        model.load_state_dict(saved[0])
        opt.load_state_dict(saved[1])
    elif cmd[0] == "epoch":
        model.train()
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(n)
        total, steps = 0.0, 0
        for i in range(0, n, batch):
            if batches and steps == batches:
                break
            total += step(perm[i:i + batch])
            steps += 1
        print("epoch", time.perf_counter() - t0, total / steps, time.process_time() - c0, steps, flush=True)
    elif cmd[0] == "eval":
        model.eval()
        right = 0
        with torch.no_grad():
            for i in range(0, xte.shape[0], 100):
                right += (model(xte[i:i + 100]).argmax(1) == yte[i:i + 100]).sum().item()
        print("acc", right / xte.shape[0], flush=True)
    elif cmd[0] == "quit":
        print("rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
        break
