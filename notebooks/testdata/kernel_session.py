"""Run cells on the installed gokernel kernelspec with jupyter_client and
dump every IOPub message each cell caused, as JSON on stdout.

usage: kernel_session.py CELLS.json
CELLS.json is a JSON list of cell sources, or of objects
{"code": SOURCE, "interrupt_after": SECONDS} to interrupt the kernel (the
kernelspec's interrupt mode) that long after sending the request. The output is a JSON list with,
per cell: the execute_request msg_id, the execute_reply content, and the
IOPub messages in arrival order (msg_type, parent msg_id, seconds since
the request was sent, content with binary image data shortened).
The kernel's working directory is the current directory.
"""
import json
import queue
import sys
import time

from jupyter_client.manager import KernelManager

from shorten import shorten


def main():
    cells = json.load(open(sys.argv[1]))
    km = KernelManager(kernel_name="gokernel")
    km.start_kernel()
    results = []
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        for cell in cells:
            if isinstance(cell, str):
                cell = {"code": cell}
            interrupt_after = cell.get("interrupt_after")
            t0 = time.monotonic()
            msg_id = kc.execute(cell["code"])
            msgs = []
            while True:
                if interrupt_after is not None:
                    if time.monotonic() - t0 >= interrupt_after:
                        km.interrupt_kernel()
                        interrupt_after = None
                    try:
                        m = kc.get_iopub_msg(timeout=0.05)
                    except queue.Empty:
                        continue
                else:
                    m = kc.get_iopub_msg(timeout=120)
                parent = m["parent_header"].get("msg_id")
                msgs.append({
                    "msg_type": m["header"]["msg_type"],
                    "parent": parent,
                    "t": time.monotonic() - t0,
                    "content": shorten(m["content"]),
                })
                if (m["header"]["msg_type"] == "status" and parent == msg_id
                        and m["content"].get("execution_state") == "idle"):
                    break
            reply = kc.get_shell_msg(timeout=60)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = kc.get_shell_msg(timeout=60)
            results.append({"msg_id": msg_id, "reply": reply["content"],
                            "elapsed": time.monotonic() - t0, "iopub": msgs})
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=False)
    json.dump(results, sys.stdout, default=str)


if __name__ == "__main__":
    main()
