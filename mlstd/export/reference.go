package export

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/export/internal/onnxpb"
	"github.com/gokernel/gokernel/mlstd/prep"
)

// metaReference is the metadata key of the training data's statistics.
const metaReference = "mlstd.reference"

// SaveOption adds to what Save writes. Make one with WithData,
// WithPipeline or WithInputShape.
type SaveOption struct {
	ref   *Reference
	pipe  *prep.Pipeline
	shape []int
}

// Reference is the per-feature mean and population standard deviation of
// a model's training inputs, recorded in its file by Save with WithData.
// A server compares the inputs it receives against them to score input
// drift (mlstd/serve's Options.RefMean and RefStd).
type Reference struct {
	Rows      int // training examples the statistics cover
	Mean, Std []float64
}

// WithData makes Save record the per-feature mean and standard deviation
// of d's inputs (d.FeatureStats) in the file's metadata, under
// "mlstd.reference" as JSON ({"rows":N,"mean":[…],"std":[…]}, float32
// precision): `gokernel serve` then scores input drift against them from
// its first request. Pass the training set, before any augmentation the
// served inputs will not have. The tensors, and so PyTorch's view of the
// file, are unchanged.
func WithData(d *data.Dataset) SaveOption {
	if d == nil || d.Len() == 0 {
		panic(fmt.Errorf("export: WithData needs a dataset with examples"))
	}
	mean, std := d.FeatureStats()
	return SaveOption{ref: &Reference{Rows: d.Len(), Mean: mean, Std: std}}
}

// referenceJSON is the metadata form of a Reference: numbers as float32
// shortest representations, which keeps the header small (about 16 kB for
// 784 features) and loses nothing a drift score can see.
type referenceJSON struct {
	Rows int               `json:"rows"`
	Mean []json.RawMessage `json:"mean"`
	Std  []json.RawMessage `json:"std"`
}

func (r *Reference) encode() string {
	f32 := func(v []float64) []json.RawMessage {
		out := make([]json.RawMessage, len(v))
		for i, x := range v {
			out[i] = json.RawMessage(strconv.FormatFloat(float64(float32(x)), 'g', -1, 32))
		}
		return out
	}
	b, _ := json.Marshal(referenceJSON{Rows: r.Rows, Mean: f32(r.Mean), Std: f32(r.Std)})
	return string(b)
}

func decodeReference(s string) (*Reference, error) {
	var j struct {
		Rows      int
		Mean, Std []float64
	}
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", metaReference, err)
	}
	if len(j.Mean) == 0 || len(j.Mean) != len(j.Std) || j.Rows <= 0 {
		return nil, fmt.Errorf("%s has %d means, %d standard deviations over %d rows; want equal, non-zero counts",
			metaReference, len(j.Mean), len(j.Std), j.Rows)
	}
	for i := range j.Mean {
		// The numbers are float32 shortest representations: read them
		// back as the float32 values written.
		j.Mean[i], j.Std[i] = float64(float32(j.Mean[i])), float64(float32(j.Std[i]))
		if math.IsNaN(j.Mean[i]) || math.IsInf(j.Mean[i], 0) || !(j.Std[i] >= 0) || math.IsInf(j.Std[i], 0) {
			return nil, fmt.Errorf("%s: feature %d has mean %v, std %v", metaReference, i, j.Mean[i], j.Std[i])
		}
	}
	return &Reference{Rows: j.Rows, Mean: j.Mean, Std: j.Std}, nil
}

// ReadReference returns the training data statistics recorded by
// Save(path, m, WithData(d)) or by ExportONNXOptions with Data set (a path
// ending in ".onnx"), or nil (and no error) when the file has none. A
// safetensors file is validated whole, as by Metadata.
func ReadReference(path string) (*Reference, error) {
	if strings.EqualFold(filepath.Ext(path), ".onnx") {
		return readONNXReference(path)
	}
	f, err := readSafetensors(path)
	if err != nil {
		return nil, err
	}
	s, ok := f.meta[metaReference]
	if !ok {
		return nil, nil
	}
	r, err := decodeReference(s)
	if err != nil {
		return nil, f.errorf("%v", err)
	}
	return r, nil
}

func readONNXReference(path string) (*Reference, error) {
	mp, err := readONNXFile(path)
	if err != nil {
		return nil, err
	}
	v, ok := onnxMetadata(mp, metaReference)
	if !ok {
		return nil, nil
	}
	r, err := decodeReference(v)
	if err != nil {
		return nil, fmt.Errorf("export: %s: %v", path, err)
	}
	return r, nil
}

// readONNXFile reads and decodes the ONNX file at path (errors name it).
func readONNXFile(path string) (*onnxpb.Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	mp, err := onnxpb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("export: %s: not a valid ONNX protobuf (truncated or corrupt): %v", path, err)
	}
	return mp, nil
}

// onnxMetadata is the value of a metadata_props entry of mp (the last of
// that key), and whether there is one.
func onnxMetadata(mp *onnxpb.Model, key string) (string, bool) {
	v, ok := "", false
	for _, kv := range mp.MetadataProps {
		if kv.Key == key {
			v, ok = kv.Value, true
		}
	}
	return v, ok
}
