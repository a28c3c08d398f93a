#!/usr/bin/python3
"""Load benchmark: `gokernel serve` against FastAPI + uvicorn + PyTorch
serving the same MLP (784-128-10) over the same v2 infer endpoint, on
loopback, with wrk. Runs are interleaved (for each batch size and
concurrency: gokernel, then each Python setup) so machine noise hits both.

    /usr/bin/python3 install/serving/bench/bench.py --gokernel ./gokernel --model mnist.safetensors

Needs Debian's wrk, python3-fastapi, uvicorn, python3-torch. Prints, per
run: req/s, p50, p99, errors (non-2xx + socket errors), server CPU ms per
request (user+sys of the server's process tree from /proc, which is robust
against noise from other load), and idle/peak RSS and cold start per server.
"""
import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def tree(pid):
    """pid and all its descendants."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    st = f.read()
                ppid = int(st[st.rindex(")") + 2:].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_seconds(pid):
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                st = f.read()
            fields = st[st.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / TICK


def rss_mib(pid, key="VmRSS"):
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def wait_ready(url, proc, timeout=60):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return time.monotonic() - t0
        except OSError:
            time.sleep(0.002)
    raise SystemExit("server not ready")


class Server:
    def __init__(self, label, argv, port, env=None):
        self.label, self.port = label, port
        t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, env={**os.environ, **(env or {})}, cwd=HERE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_ready(f"http://127.0.0.1:{port}/v2/health/ready", self.proc)
        self.cold = time.monotonic() - t0
        time.sleep(0.5)
        self.idle = rss_mib(self.proc.pid)

    def stop(self):
        self.peak = rss_mib(self.proc.pid, "VmHWM")
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def body(rows, seed=1):
    rnd = random.Random(seed)
    data = [0 if rnd.random() < 0.8 else rnd.randrange(256) / 255 for _ in range(rows * 784)]
    return json.dumps({"id": "bench", "inputs": [{"name": "input", "shape": [rows, 784], "datatype": "FP32", "data": data}]})


LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("%s", "rb"); wrk.body = f:read("*a"); f:close()
"""


def parse_dur(s):
    m = re.match(r"([\d.]+)(us|ms|s)", s)
    v = float(m.group(1))
    return v * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]


def wrk(port, lua, conns, secs):
    out = subprocess.run(["wrk", "-t", str(min(conns, 2)), "-c", str(conns), "-d", f"{secs}s", "--latency", "-s", lua,
                          f"http://127.0.0.1:{port}/v2/models/mnist/infer"], capture_output=True, text=True).stdout
    req = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = parse_dur(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = parse_dur(re.search(r"\s99%\s+(\S+)", out).group(1))
    errs = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errs += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errs += sum(int(g) for g in m.groups())
    return req, rps, p50, p99, errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gokernel", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--secs", type=int, default=3)
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--conns", default="1,16,64")
    ap.add_argument("--workers", default="1,2")
    a = ap.parse_args()
    model = os.path.abspath(a.model)
    tmp = tempfile.mkdtemp()
    setups = [("gokernel", lambda p: ([os.path.abspath(a.gokernel), "serve", model, "--name", "mnist", "--addr", f"127.0.0.1:{p}", "--watch", "0"], {}))]
    for w in a.workers.split(","):
        setups.append((f"fastapi w={w}", lambda p, w=w: (["uvicorn", "fastapi_server:app", "--port", str(p), "--workers", w, "--log-level", "warning"],
                                                           {"MODEL": model, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})))
    servers = {}
    for label, mk in setups:
        p = free_port()
        argv, env = mk(p)
        servers[label] = Server(label, argv, p, env)
        print(f"{label:14s} cold start {servers[label].cold * 1000:7.1f} ms  idle RSS {servers[label].idle:6.1f} MiB", flush=True)
    print(f"\n{'server':14s} {'B':>3s} {'c':>3s} {'req/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'errors':>6s} {'CPU ms/req':>10s}")
    results = {}
    for rows in map(int, a.batches.split(",")):
        lua = os.path.join(tmp, f"b{rows}.lua")
        bf = os.path.join(tmp, f"b{rows}.json")
        with open(bf, "w") as f:
            f.write(body(rows))
        with open(lua, "w") as f:
            f.write(LUA % bf)
        for conns in map(int, a.conns.split(",")):
            for label, s in servers.items():
                c0 = cpu_seconds(s.proc.pid)
                req, rps, p50, p99, errs = wrk(s.port, lua, conns, a.secs)
                cpu = (cpu_seconds(s.proc.pid) - c0) * 1000 / max(req, 1)
                results[(label, rows, conns)] = (rps, p99, cpu)
                print(f"{label:14s} {rows:3d} {conns:3d} {rps:8.0f} {p50:8.2f} {p99:8.2f} {errs:6d} {cpu:10.3f}", flush=True)
    for s in servers.values():
        s.stop()
    print()
    for s in servers.values():
        print(f"{s.label:14s} peak RSS {s.peak:6.1f} MiB")
    print("\nratios gokernel / best FastAPI setup (req/s higher is better; CPU ms/req lower is better):")
    for rows in map(int, a.batches.split(",")):
        for conns in map(int, a.conns.split(",")):
            g = results[("gokernel", rows, conns)]
            py = [v for (l, r, c), v in results.items() if l != "gokernel" and r == rows and c == conns]
            best_rps = max(v[0] for v in py)
            best_cpu = min(v[2] for v in py)
            print(f"B={rows:2d} c={conns:2d}: req/s x{g[0] / best_rps:5.1f}   CPU/req x{g[2] / best_cpu:5.3f}")


if __name__ == "__main__":
    sys.exit(main())
