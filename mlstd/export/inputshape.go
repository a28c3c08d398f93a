package export

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gokernel/gokernel/mlstd/nn"
)

// metaInputShape is the metadata key of the shape of one example (JSON).
const metaInputShape = "mlstd.input_shape"

// WithInputShape makes Save record the shape of one example, without the
// batch dimension, under "mlstd.input_shape" (JSON, e.g. [1,28,28] for
// MNIST images in NCHW); Save checks that the model takes it, following
// the shape through every layer. A model that starts with a convolution or
// Flatten needs it to be served: `gokernel serve` reads it (ReadInputShape)
// and then takes [batch, 1, 28, 28] inputs, and [batch, 784] rows too.
func WithInputShape(shape []int) SaveOption {
	return SaveOption{shape: append([]int(nil), shape...)}
}

// checkInputShape follows shape (one example) through m's layers.
func checkInputShape(m nn.Module, shape []int) error {
	if len(shape) == 0 {
		return fmt.Errorf("export: WithInputShape: empty shape")
	}
	dims := append([]int{-1}, shape...)
	for _, d := range shape {
		if d <= 0 {
			return fmt.Errorf("export: WithInputShape(%v): dimensions must be positive", shape)
		}
	}
	for _, l := range leaves(m, "", nil) {
		var err error
		if dims, err = outDims(l, dims); err != nil {
			return fmt.Errorf("export: WithInputShape(%v): %v", shape, err)
		}
	}
	return nil
}

// ReadInputShape returns the shape of one example (without the batch
// dimension) recorded in a model file: by Save with WithInputShape, or in
// an ONNX file's graph input (when every dimension but the batch is a
// number). It returns nil, and no error, for a file without one.
func ReadInputShape(path string) ([]int, error) {
	if strings.EqualFold(filepath.Ext(path), ".onnx") {
		mp, err := readONNXFile(path)
		if err != nil {
			return nil, err
		}
		if mp.Graph == nil || len(mp.Graph.Input) == 0 {
			return nil, fmt.Errorf("export: %s: not a valid ONNX model (no graph input)", path)
		}
		dims := valueDims(&mp.Graph.Input[0])
		if len(dims) < 2 {
			return nil, nil
		}
		for _, d := range dims[1:] {
			if d <= 0 {
				return nil, nil
			}
		}
		return dims[1:], nil
	}
	f, err := readSafetensors(path)
	if err != nil {
		return nil, err
	}
	s, ok := f.meta[metaInputShape]
	if !ok {
		return nil, nil
	}
	var shape []int
	if err := json.Unmarshal([]byte(s), &shape); err != nil || len(shape) == 0 {
		return nil, f.errorf("corrupt %s %q", metaInputShape, trim(s, 40))
	}
	for _, d := range shape {
		if d <= 0 || d > 1<<24 {
			return nil, f.errorf("corrupt %s %q", metaInputShape, trim(s, 40))
		}
	}
	return shape, nil
}
