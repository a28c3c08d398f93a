"""Run a sequence of cells on one gokernel kernel with jupyter_client and
report, as JSON on stdout, everything the engine scenarios of
engine_test.go assert on.

usage: engine_scenarios.py CELLS.json
CELLS.json is a JSON list of cell objects:
  {"code": SOURCE,
   "interrupt_after": SECONDS,  # optional: send interrupt_request on the
                                # control channel that long after the
                                # execute_request
   "rss": true}                 # optional: read the kernel's VmRSS after
                                # the reply
The output is {"pid": KERNEL_PID, "rss_before_kb": N, "cells": [...]} with,
per cell: the execute_request msg_id; the execute_reply content and the
seconds from the request to it (reply_t); the seconds to the idle status
(elapsed); when interrupted, the seconds at which interrupt_request was
sent (interrupt_t) and the interrupt_reply content; the kernel's VmRSS in
KiB when asked (rss_kb); and the IOPub messages in arrival order
(msg_type, parent msg_id, seconds since the request, content with PNG data
shortened). The kernel process is the KernelManager provisioner's child.
"""
import json
import queue
import sys
import time

from jupyter_client.manager import KernelManager

from shorten import shorten


def kernel_pid(km):
    prov = km.provisioner
    pid = getattr(prov, "pid", None)
    if pid is None and getattr(prov, "process", None) is not None:
        pid = prov.process.pid
    return pid


def vmrss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/%d/status" % pid)


def run_cell(kc, cell, pid):
    interrupt_after = cell.get("interrupt_after")
    res = {}
    t0 = time.monotonic()
    msg_id = kc.execute(cell["code"])
    res["msg_id"] = msg_id
    msgs = []
    interrupt_id = None
    reply = None
    idle = False
    deadline = t0 + 120
    # Poll IOPub, shell and control alternately so each arrival time is
    # measured to within ~10 ms.
    while not (idle and reply is not None):
        if time.monotonic() > deadline:
            raise RuntimeError("cell did not finish in 120 s: %r" % cell["code"])
        if interrupt_after is not None and interrupt_id is None \
                and time.monotonic() - t0 >= interrupt_after:
            m = kc.session.msg("interrupt_request", {})
            kc.control_channel.send(m)
            interrupt_id = m["header"]["msg_id"]
            res["interrupt_t"] = time.monotonic() - t0
        if interrupt_id is not None and "interrupt_reply" not in res:
            try:
                c = kc.get_control_msg(timeout=0.005)
                if c["parent_header"].get("msg_id") == interrupt_id:
                    res["interrupt_reply"] = c["content"]
            except queue.Empty:
                pass
        if reply is None:
            try:
                r = kc.get_shell_msg(timeout=0.005)
                if r["parent_header"].get("msg_id") == msg_id:
                    reply = r
                    res["reply_t"] = time.monotonic() - t0
            except queue.Empty:
                pass
        try:
            m = kc.get_iopub_msg(timeout=0.005)
        except queue.Empty:
            continue
        parent = m["parent_header"].get("msg_id")
        msgs.append({
            "msg_type": m["header"]["msg_type"],
            "parent": parent,
            "t": time.monotonic() - t0,
            "content": shorten(m["content"]),
        })
        if (m["header"]["msg_type"] == "status" and parent == msg_id
                and m["content"].get("execution_state") == "idle"):
            idle = True
            res["elapsed"] = time.monotonic() - t0
    if interrupt_id is not None and "interrupt_reply" not in res:
        c = kc.get_control_msg(timeout=10)
        res["interrupt_reply"] = c["content"]
    res["reply"] = reply["content"]
    res["iopub"] = msgs
    if cell.get("rss"):
        res["rss_kb"] = vmrss_kb(pid)
    return res


def main():
    cells = json.load(open(sys.argv[1]))
    km = KernelManager(kernel_name="gokernel")
    km.start_kernel()
    out = {"cells": []}
    try:
        pid = kernel_pid(km)
        out["pid"] = pid
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        out["rss_before_kb"] = vmrss_kb(pid)
        for cell in cells:
            out["cells"].append(run_cell(kc, cell, pid))
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=False)
    json.dump(out, sys.stdout, default=str)


if __name__ == "__main__":
    main()
