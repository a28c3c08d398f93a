// Package install writes gokernel's Jupyter kernelspec.
//
// A kernelspec is a directory named after the kernel (here "gokernel")
// inside a Jupyter data directory's "kernels" folder. It holds kernel.json
// (how to start the kernel: an absolute binary path, display name,
// language, interrupt mode) and the logos front ends show: logo-32x32.png,
// logo-64x64.png and logo-svg.svg. The PNGs are drawn from the same
// geometry as the SVG by LogoPNG, so no binary assets are checked in.
//
// Where specs go mirrors `jupyter kernelspec install`: DataDir(User)
// honours JUPYTER_DATA_DIR and the platform defaults, SysPrefix targets the
// active Python environment, Prefix an explicit prefix. SearchPath lists
// where Jupyter looks (including JUPYTER_PATH). Install replaces an
// existing spec by renaming a fully written directory into place.
package install
