"""Side-by-side benchmark of gokernel and ipykernel.

    JUPYTER_DATA_DIR=<dir with the gokernel spec> /usr/bin/python3 kernel/testdata/bench.py [--json]

(`go test -run XXX -bench KernelVsIPykernel -benchtime 1x ./kernel/` builds,
installs and runs it.) Both kernels are started by jupyter_client's
KernelManager and measured by the same client. For each kernel:
  startup   spawn -> first kernel_info_reply (median of STARTS starts)
  p50/p99   round trip of a trivial cell ("1"): execute_request sent ->
            its execute_reply (shell) and its idle status (iopub) both
            received (ROUNDS cells after WARMUP)
  idle RSS  VmRSS of the kernel process after the cells and IDLE s idle
  cell CPU  CPU time (user+sys, /proc/PID/stat) the kernel process used per
            round trip, and the client's own (time.process_time): figures
            that load on the machine barely moves, unlike the latencies

The round-trip client (LeanClient) is lean so that the figure is the
kernel's: blocking pyzmq sockets (jupyter_client's asyncio channels add
~10 ms per message here), requests built and HMAC-signed by jupyter_client's
Session before the clock starts (a kernel drops anything unsigned), and
replies read as raw frames: only the JSON parts needed to recognise a
message are parsed (parent_header for every message; msg_type and content
for iopub messages of this request), and reply signatures are not checked.
jupyter_client's Session.deserialize of the five messages of a round trip
(signature, all four JSON parts, date parsing) costs ~1 ms of Python per
cell on these machines, more than the kernel's own work.
"""
import json
import os
import statistics
import sys
import time

import zmq
from jupyter_client.manager import KernelManager

STARTS = 5
WARMUP = 20
ROUNDS = 300
IDLE = 3.0  # seconds idle before reading RSS (gokernel trims its heap after 2 s idle)
DELIM = b"<IDS|MSG>"


def kernel_pid(km):
    prov = getattr(km, "provisioner", None)
    proc = getattr(prov, "process", None) or getattr(km, "kernel", None)
    return proc.pid


def cpu_s(pid):
    """User+system CPU seconds of process pid."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def start(name):
    """Starts a kernel; returns it, a client and spawn -> kernel_info_reply
    (raw DEALER retrying the connection every 1 ms, so the figure is the
    kernel's and not the client's)."""
    km = KernelManager(kernel_name=name)
    t0 = time.perf_counter()
    km.start_kernel()
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.RECONNECT_IVL, 1)  # before connect, or libzmq retries after 100 ms
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(km._make_url("shell"))
    km.session.send(sock, "kernel_info_request", {})
    if not sock.poll(30000):
        raise TimeoutError(name + ": no kernel_info_reply in 30 s")
    km.session.recv(sock, mode=0)
    dt = time.perf_counter() - t0
    sock.close(0)
    return km, dt


class LeanClient:
    """Blocking pyzmq shell (DEALER) and iopub (SUB) sockets on the kernel's
    connection file; see the module doc for what it parses."""

    def __init__(self, km):
        self.session = km.session
        self.shell = km.connect_shell()
        self.iopub = km.connect_iopub()
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        for sock in (self.shell, self.iopub):
            sock.setsockopt(zmq.RCVTIMEO, 10000)  # recv raises zmq.Again after 10 s
        time.sleep(0.3)  # let the subscription reach the kernel

    def request(self, msg_type, content):
        """A signed request built by jupyter_client's Session (as frames,
        ready to send) and its msg_id."""
        msg = self.session.msg(msg_type, content)
        return self.session.serialize(msg), msg["header"]["msg_id"]

    @staticmethod
    def recv(sock):
        """The frames after the delimiter: signature, header, parent, metadata, content."""
        frames = sock.recv_multipart()
        return frames[frames.index(DELIM) + 1:]

    def round_trip(self):
        frames, msg_id = self.request("execute_request", {
            "code": "1", "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        t0 = time.perf_counter()
        self.shell.send_multipart(frames)
        while True:
            f = self.recv(self.shell)
            if json.loads(f[2]).get("msg_id") == msg_id:
                if json.loads(f[1])["msg_type"] != "execute_reply":
                    raise ValueError("unexpected reply %s" % f[1])
                break
        while True:
            f = self.recv(self.iopub)
            if (json.loads(f[2]).get("msg_id") == msg_id and json.loads(f[1])["msg_type"] == "status"
                    and json.loads(f[4])["execution_state"] == "idle"):
                return time.perf_counter() - t0

    def close(self):
        self.shell.close(0)
        self.iopub.close(0)


def measure(name):
    starts = []
    for _ in range(STARTS):
        km, dt = start(name)
        starts.append(dt)
        km.shutdown_kernel(now=True)
        km.cleanup_resources()
    km, _ = start(name)
    try:
        raw = LeanClient(km)
        for _ in range(WARMUP):
            raw.round_trip()
        pid = kernel_pid(km)
        k0, c0 = cpu_s(pid), time.process_time()
        rts = sorted(raw.round_trip() for _ in range(ROUNDS))
        kcpu, ccpu = (cpu_s(pid) - k0) / ROUNDS, (time.process_time() - c0) / ROUNDS
        raw.close()
        time.sleep(IDLE)
        rss = rss_mib(kernel_pid(km))
    finally:
        km.shutdown_kernel(now=True)
        km.cleanup_resources()
    return {
        "startup_ms": statistics.median(starts) * 1000,
        "p50_ms": rts[len(rts) // 2] * 1000,
        "p99_ms": rts[int(len(rts) * 0.99) - 1] * 1000,
        "idle_rss_mib": rss,
        "cpu_ms": kcpu * 1000,
        "client_cpu_ms": ccpu * 1000,
    }


def main():
    res = {"gokernel": measure("gokernel"), "ipykernel": measure("python3")}
    if "--json" in sys.argv:
        print(json.dumps(res))
        return
    g, p = res["gokernel"], res["ipykernel"]
    print("%-14s %12s %12s %9s" % ("", "gokernel", "ipykernel", "ratio"))
    for key, label in (("startup_ms", "startup ms"), ("p50_ms", "cell p50 ms"),
                       ("p99_ms", "cell p99 ms"), ("idle_rss_mib", "idle RSS MiB"),
                       ("cpu_ms", "cell CPU ms"), ("client_cpu_ms", "client CPU ms")):
        print("%-14s %12.2f %12.2f %8.2fx" % (label, g[key], p[key], g[key] / p[key]))


if __name__ == "__main__":
    main()
