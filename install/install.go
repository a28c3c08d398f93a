package install

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// Spec is a kernelspec, the kernel.json Jupyter reads to start a kernel.
type Spec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode,omitempty"` // "signal" or "message"
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata,omitempty"`
}

// DefaultName is the kernelspec directory name gokernel installs under.
const DefaultName = "gokernel"

// NewSpec returns gokernel's kernelspec for the binary at path, which is
// made absolute (relative paths break as soon as Jupyter runs elsewhere).
// Interrupts are messages on the control channel, which work on every
// platform and never kill the kernel; the kernel also handles SIGINT.
func NewSpec(binary string) (Spec, error) {
	abs, err := filepath.Abs(binary)
	if err != nil {
		return Spec{}, fmt.Errorf("install: %v", err)
	}
	return Spec{
		Argv:          []string{abs, "kernel", "-f", "{connection_file}"},
		DisplayName:   "Go (gokernel)",
		Language:      "go",
		InterruptMode: "message",
	}, nil
}

// Scope selects where a kernelspec goes, as jupyter kernelspec install's
// --user, --sys-prefix and --prefix do.
type Scope int

const (
	User      Scope = iota // the user's Jupyter data dir (JUPYTER_DATA_DIR honoured)
	SysPrefix              // {sys.prefix}/share/jupyter of the active Python environment
	Prefix                 // {prefix}/share/jupyter
	System                 // /usr/local/share/jupyter (%PROGRAMDATA%\jupyter on Windows)
)

// DataDir returns the Jupyter data directory of scope (kernelspecs live in
// its "kernels" subdirectory). prefix is used by Prefix only.
//
// User: $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter or
// ~/.local/share/jupyter on Linux, ~/Library/Jupyter on macOS,
// %APPDATA%\jupyter on Windows. SysPrefix: $VIRTUAL_ENV or $CONDA_PREFIX,
// else the sys.prefix of python3 on PATH.
func DataDir(scope Scope, prefix string) (string, error) {
	switch scope {
	case User:
		if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
			return d, nil
		}
		switch runtime.GOOS {
		case "windows":
			if d := os.Getenv("APPDATA"); d != "" {
				return filepath.Join(d, "jupyter"), nil
			}
		case "darwin":
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("install: %v", err)
			}
			return filepath.Join(home, "Library", "Jupyter"), nil
		}
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "jupyter"), nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("install: %v", err)
		}
		return filepath.Join(home, ".local", "share", "jupyter"), nil
	case SysPrefix:
		p, err := sysPrefix()
		if err != nil {
			return "", err
		}
		return filepath.Join(p, "share", "jupyter"), nil
	case Prefix:
		if prefix == "" {
			return "", errors.New("install: --prefix needs a directory")
		}
		abs, err := filepath.Abs(prefix)
		if err != nil {
			return "", fmt.Errorf("install: %v", err)
		}
		return filepath.Join(abs, "share", "jupyter"), nil
	case System:
		if runtime.GOOS == "windows" {
			return filepath.Join(os.Getenv("PROGRAMDATA"), "jupyter"), nil
		}
		return "/usr/local/share/jupyter", nil
	}
	return "", fmt.Errorf("install: unknown scope %d", scope)
}

func sysPrefix() (string, error) {
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if d := os.Getenv(v); d != "" {
			return d, nil
		}
	}
	// The environment that matters is the one running `jupyter`.
	cmds := [][]string{{"python3"}, {"python"}}
	if py := jupyterPython(); py != nil {
		cmds = append([][]string{py}, cmds...)
	}
	for _, py := range cmds {
		args := append(py[1:len(py):len(py)], "-c", "import sys; print(sys.prefix)")
		out, err := exec.Command(py[0], args...).Output()
		if err == nil {
			if p := strings.TrimSpace(string(out)); p != "" {
				return p, nil
			}
		}
	}
	return "", errors.New("install: --sys-prefix: no active Python environment (no VIRTUAL_ENV, CONDA_PREFIX, jupyter or python3 on PATH)")
}

// jupyterPython returns the interpreter command from the #! line of the
// jupyter script on PATH ("#!/usr/bin/python3" or "#!/usr/bin/env python3").
func jupyterPython() []string {
	path, err := exec.LookPath("jupyter")
	if err != nil {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	buf := make([]byte, 256)
	n, _ := f.Read(buf)
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	if !strings.HasPrefix(line, "#!") {
		return nil
	}
	return strings.Fields(line[2:])
}

// SearchPath returns the data dirs Jupyter searches for kernelspecs, in
// order: the user dir, $JUPYTER_PATH entries, the environment's and the
// system dirs.
func SearchPath() []string {
	var dirs []string
	if d, err := DataDir(User, ""); err == nil {
		dirs = append(dirs, d)
	}
	for _, d := range filepath.SplitList(os.Getenv("JUPYTER_PATH")) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if d := os.Getenv(v); d != "" {
			dirs = append(dirs, filepath.Join(d, "share", "jupyter"))
		}
	}
	if runtime.GOOS != "windows" {
		dirs = append(dirs, "/usr/local/share/jupyter", "/usr/share/jupyter")
	} else if d := os.Getenv("PROGRAMDATA"); d != "" {
		dirs = append(dirs, filepath.Join(d, "jupyter"))
	}
	return dirs
}

var validName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Install writes spec and the logos to dataDir/kernels/name, replacing an
// existing spec of that name, and returns the spec directory. The new
// directory is assembled beside the old one and renamed into place.
func Install(dataDir, name string, spec Spec) (string, error) {
	if !validName.MatchString(name) {
		return "", fmt.Errorf("install: kernel name %q: use only ASCII letters, digits, '.', '_' and '-'", name)
	}
	if len(spec.Argv) == 0 || !filepath.IsAbs(spec.Argv[0]) {
		return "", errors.New("install: spec argv must start with an absolute binary path")
	}
	kernels := filepath.Join(dataDir, "kernels")
	if err := os.MkdirAll(kernels, 0o755); err != nil {
		return "", fmt.Errorf("install: %v", err)
	}
	tmp, err := os.MkdirTemp(kernels, "."+name+".tmp")
	if err != nil {
		return "", fmt.Errorf("install: %v", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("install: %v", err)
	}
	js, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return "", fmt.Errorf("install: %v", err)
	}
	files := map[string][]byte{"kernel.json": append(js, '\n'), "logo-svg.svg": []byte(LogoSVG)}
	for _, px := range []int{32, 64} {
		png, err := LogoPNG(px)
		if err != nil {
			return "", err
		}
		files[fmt.Sprintf("logo-%dx%d.png", px, px)] = png
	}
	for f, b := range files {
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
			return "", fmt.Errorf("install: %v", err)
		}
	}
	dst := filepath.Join(kernels, name)
	if err := os.RemoveAll(dst); err != nil {
		return "", fmt.Errorf("install: replacing %s: %v", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", fmt.Errorf("install: %v", err)
	}
	return dst, nil
}

// ErrNotInstalled is returned by Uninstall when no spec of that name exists.
var ErrNotInstalled = errors.New("install: kernelspec not installed")

// Uninstall removes the spec name from dataDir/kernels and returns the
// directory it removed.
func Uninstall(dataDir, name string) (string, error) {
	if !validName.MatchString(name) {
		return "", fmt.Errorf("install: kernel name %q is not valid", name)
	}
	dir := filepath.Join(dataDir, "kernels", name)
	if _, err := os.Stat(filepath.Join(dir, "kernel.json")); err != nil {
		return "", fmt.Errorf("%w: no %s", ErrNotInstalled, filepath.Join(dir, "kernel.json"))
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("install: %v", err)
	}
	return dir, nil
}
