"""Execute a notebook with nbclient on the gokernel kernelspec.

usage: nbclient_run.py IN.ipynb OUT.ipynb [CELL_TIMEOUT_SECONDS]
The kernel runs in IN's directory; a cell error raises CellExecutionError
(exit status 1, the error on stderr). OUT is written only on success.
"""
import os
import sys
import time

import nbformat
from nbclient import NotebookClient

src, dst = sys.argv[1], sys.argv[2]
cell_timeout = int(sys.argv[3]) if len(sys.argv) > 3 else 300
nb = nbformat.read(src, as_version=4)
client = NotebookClient(nb, kernel_name="gokernel", timeout=cell_timeout, startup_timeout=60,
                        resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}})
t0 = time.monotonic()
client.execute()
print("executed in %.1fs" % (time.monotonic() - t0))
nbformat.write(nb, dst)
