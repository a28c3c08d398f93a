"""Shared by the kernel test scripts: IOPub content in a form small enough
to report as JSON."""


def shorten(content):
    """Return content with PNG data replaced by its length and first bytes."""
    out = dict(content)
    data = out.get("data")
    if isinstance(data, dict):
        d = {}
        for k, v in data.items():
            if k == "image/png" and isinstance(v, str):
                d[k] = {"png_base64_len": len(v), "head": v[:16]}
            else:
                d[k] = v
        out["data"] = d
    return out
