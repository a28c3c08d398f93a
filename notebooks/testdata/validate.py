"""Validate notebooks against the nbformat 4 schema: validate.py NB..."""
import sys

import nbformat

failed = False
for path in sys.argv[1:]:
    try:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        if nb.nbformat != 4:
            raise ValueError("nbformat %s, want 4" % nb.nbformat)
        nbformat.validate(nb)
        print("valid:", path)
    except Exception as e:  # report every notebook, then fail
        failed = True
        print("INVALID: %s: %s: %s" % (path, type(e).__name__, e))
sys.exit(1 if failed else 0)
