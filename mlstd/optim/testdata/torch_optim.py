"""Reference optimizer trajectories in PyTorch for mlstd/optim's tests.

Reads {"x", "y", "params": {name: {"shape", "data"}}, "steps", "configs":
[{"name", "opt", "lr", "momentum", "dampening", "weight_decay", "nesterov",
"amsgrad", "sched", "step_size", "gamma", "t_max", "eta_min"}]} on stdin.
For each config it loads the same initial weights into
Sequential(Linear, ReLU, Linear), trains on (x, y) with cross-entropy for
`steps` steps (scheduler stepped after every optimizer step) and writes
{name: {"losses": [...], "lrs": [...], "params": {name: [...]}}}.
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def tensor(spec):
    return torch.tensor(spec["data"], dtype=torch.float32).reshape(spec["shape"])


def main():
    req = json.load(sys.stdin)
    x, y = tensor(req["x"]), torch.tensor(req["y"])
    out = {}
    for c in req["configs"]:
        w0, w2 = req["params"]["0.weight"], req["params"]["2.weight"]
        model = torch.nn.Sequential(
            torch.nn.Linear(w0["shape"][1], w0["shape"][0]),
            torch.nn.ReLU(),
            torch.nn.Linear(w2["shape"][1], w2["shape"][0]),
        )
        state = {k: tensor(v) for k, v in req["params"].items()}
        model.load_state_dict(state)
        if c["opt"] == "sgd":
            opt = torch.optim.SGD(model.parameters(), lr=c["lr"], momentum=c["momentum"],
                                  dampening=c["dampening"], weight_decay=c["weight_decay"],
                                  nesterov=c["nesterov"])
        elif c["opt"] == "adam":
            opt = torch.optim.Adam(model.parameters(), lr=c["lr"], weight_decay=c["weight_decay"],
                                   amsgrad=c["amsgrad"])
        else:
            opt = torch.optim.AdamW(model.parameters(), lr=c["lr"], weight_decay=c["weight_decay"],
                                    amsgrad=c["amsgrad"])
        sched = None
        if c["sched"] == "step":
            sched = torch.optim.lr_scheduler.StepLR(opt, c["step_size"], c["gamma"])
        elif c["sched"] == "cosine":
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, c["t_max"], c["eta_min"])
        losses, lrs = [], []
        for _ in range(req["steps"]):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if sched is not None:
                sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        out[c["name"]] = {
            "losses": losses,
            "lrs": lrs,
            "params": {k: v.flatten().tolist() for k, v in model.state_dict().items()},
        }
    json.dump(out, sys.stdout)


main()
