package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// LoadIDX reads an images file and a labels file in the IDX format of
// MNIST (gzip-compressed when the name ends in ".gz") and returns them as a
// dataset with pixels scaled to [0, 1] and X of shape [n, rows*cols]. It
// checks no hashes, so it also reads Fashion-MNIST, KMNIST and the like.
// Pixels are converted while the file is decompressed, so no copy of the
// raw bytes is held.
func LoadIDX(imagesPath, labelsPath string) (*Dataset, error) {
	lab, err := readIDXLabels(labelsPath)
	if err != nil {
		return nil, err
	}
	x, err := readIDXImages(imagesPath, len(lab), labelsPath)
	if err != nil {
		return nil, err
	}
	return labelled(x.Data(), lab, x.Dim(1))
}

// ReadIDXImages reads an IDX images file alone (gzip-compressed when the
// name ends in ".gz"), scaled as LoadIDX scales it: X of shape
// [n, rows*cols] in [0, 1]. `gokernel serve --reference` uses it for the
// statistics of a training set stored as IDX.
func ReadIDXImages(path string) (*tensor.Tensor, error) {
	return readIDXImages(path, -1, "")
}

// readIDXImages reads an images file; want ≥ 0 is the image count the
// labels file labelsPath has.
func readIDXImages(path string, want int, labelsPath string) (*tensor.Tensor, error) {
	r, closeFn, err := openIDX(path)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	dims, err := readIDXHeader(r, path, 3)
	if err != nil {
		return nil, err
	}
	if want >= 0 && dims[0] != want {
		return nil, fmt.Errorf("data: %s has %d images but %s has %d labels", path, dims[0], labelsPath, want)
	}
	f := dims[1] * dims[2]
	x := make([]float32, dims[0]*f)
	buf := make([]byte, 64<<10)
	for off := 0; off < len(x); {
		n, err := io.ReadFull(r, buf[:min(len(buf), len(x)-off)])
		pixelsToFloat(x[off:off+n], buf[:n])
		off += n
		if err != nil {
			return nil, fmt.Errorf("data: %s: truncated image data: %w", path, err)
		}
	}
	return tensor.New(x, dims[0], f), nil
}

// pixelScale maps a byte to float32(b)/255, bit-identical to
// torchvision's ToTensor (a division, not a multiplication by 1/255).
var pixelScale = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

func pixelsToFloat(dst []float32, src []byte) {
	for i, v := range src {
		dst[i] = pixelScale[v]
	}
}

// labelled wraps converted pixels and byte labels as a dataset with class
// names "0", "1", ....
func labelled(x []float32, lab []byte, f int) (*Dataset, error) {
	y := make([]int, len(lab))
	maxLabel := 0
	for i, v := range lab {
		y[i] = int(v)
		maxLabel = max(maxLabel, int(v))
	}
	ds := &Dataset{X: tensor.New(x, len(lab), f), Y: y, Classes: make([]string, maxLabel+1)}
	for i := range ds.Classes {
		ds.Classes[i] = fmt.Sprint(i)
	}
	return ds, nil
}

// openIDX opens path, through gzip if its name ends in ".gz".
func openIDX(path string) (io.Reader, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("data: %w", err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return bufio.NewReader(f), f.Close, nil
	}
	z, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("data: %s: %w", path, err)
	}
	return z, f.Close, nil
}

// readIDXHeader reads the magic number and dims of an IDX file of unsigned
// bytes with the given number of dimensions.
func readIDXHeader(r io.Reader, path string, ndim int) ([]int, error) {
	hdr := make([]uint32, 1+ndim)
	if err := binary.Read(r, binary.BigEndian, hdr); err != nil {
		return nil, fmt.Errorf("data: %s: reading IDX header: %w", path, err)
	}
	if want := uint32(0x0800 | ndim); hdr[0] != want {
		return nil, fmt.Errorf("data: %s: IDX magic %#08x, want %#08x (unsigned bytes, %d dims)", path, hdr[0], want, ndim)
	}
	dims := make([]int, ndim)
	for i := range dims {
		dims[i] = int(hdr[1+i])
		if dims[i] > 1<<26 {
			return nil, fmt.Errorf("data: %s: IDX dimension %d is implausible", path, dims[i])
		}
	}
	return dims, nil
}

func readIDXLabels(path string) ([]byte, error) {
	r, closeFn, err := openIDX(path)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	dims, err := readIDXHeader(r, path, 1)
	if err != nil {
		return nil, err
	}
	lab := make([]byte, dims[0])
	if _, err := io.ReadFull(r, lab); err != nil {
		return nil, fmt.Errorf("data: %s: truncated label data: %w", path, err)
	}
	return lab, nil
}
