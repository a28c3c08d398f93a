"""Start gokernel with jupyter_client, its stderr going to LOG, run CODE
(which makes the kernel process die a little later), and report as JSON
the execute_reply content and how many seconds after it the kernel
process was no longer alive (-1: still alive after 60 s).

usage: kernel_crash.py LOG CODE
"""
import json
import sys
import time

from jupyter_client.manager import KernelManager


def main():
    log_path, code = sys.argv[1], sys.argv[2]
    km = KernelManager(kernel_name="gokernel")
    with open(log_path, "w") as log:
        km.start_kernel(stderr=log)
    out = {}
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: None)
        t0 = time.monotonic()
        out["reply"] = reply["content"]
        out["died_after"] = -1
        while time.monotonic() - t0 < 60:
            if not km.is_alive():
                out["died_after"] = time.monotonic() - t0
                break
            time.sleep(0.1)
        kc.stop_channels()
    finally:
        if km.is_alive():
            km.shutdown_kernel(now=True)
        else:
            km.cleanup_resources()
    json.dump(out, sys.stdout, default=str)


if __name__ == "__main__":
    main()
