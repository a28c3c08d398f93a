package export

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/prep"
)

// Metadata keys of a model's preprocessing pipeline.
const (
	metaPipeline = "mlstd.pipeline"      // the fitted prep.Pipeline as JSON
	metaONNXNote = "mlstd.pipeline_note" // ONNX: what the graph leaves out
)

// WithPipeline makes Save record the fitted preprocessing pipeline that
// turns raw table rows into m's input (p.MarshalJSON, under
// "mlstd.pipeline"), so the model file carries everything between a raw
// row and a prediction: ReadPipeline restores it, and `gokernel serve`
// then accepts raw rows, one input per column, and applies it. Save fails
// if p is not fitted, holds a step that is not prep's, or makes a number
// of features other than the model's input width.
func WithPipeline(p *prep.Pipeline) SaveOption { return SaveOption{pipe: p} }

// pipelineJSON checks p against m and returns its saved form.
func pipelineJSON(p *prep.Pipeline, m nn.Module) (string, error) {
	b, err := p.MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	if ps := m.Parameters(); len(ps) > 0 && ps[0].Dims() == 2 && ps[0].Dim(1) != len(p.Features()) {
		return "", fmt.Errorf("export: the pipeline makes %d features, the model takes %d", len(p.Features()), ps[0].Dim(1))
	}
	return string(b), nil
}

// onnxPipelineNote says what an ONNX graph exported with a pipeline
// leaves out.
func onnxPipelineNote(p *prep.Pipeline) string {
	var raw []string
	for _, in := range p.Inputs() {
		raw = append(raw, in.Name)
	}
	return fmt.Sprintf("The graph's input %q holds the %d features made by the mlstd/prep pipeline stored under %q (%s), "+
		"not the raw columns (%s): the pipeline is not in the graph; apply it before running it. %s.",
		onnxInput, len(p.Features()), metaPipeline, strings.Join(p.Features(), ", "), strings.Join(raw, ", "),
		strings.ReplaceAll(strings.ReplaceAll(p.String(), "\n  ", "; "), "\n", "; "))
}

// ReadPipeline returns the preprocessing pipeline recorded in a model file
// by Save with WithPipeline, or by ExportONNXOptions with Pipeline set (a
// path ending in ".onnx"), fitted as it was saved; nil (and no error) when
// the file has none. A safetensors file is validated whole, as by Metadata.
func ReadPipeline(path string) (*prep.Pipeline, error) {
	var s string
	if strings.EqualFold(filepath.Ext(path), ".onnx") {
		mp, err := readONNXFile(path)
		if err != nil {
			return nil, err
		}
		s, _ = onnxMetadata(mp, metaPipeline)
	} else {
		f, err := readSafetensors(path)
		if err != nil {
			return nil, err
		}
		s = f.meta[metaPipeline]
	}
	if s == "" {
		return nil, nil
	}
	p := prep.NewPipeline()
	if err := p.UnmarshalJSON([]byte(s)); err != nil {
		return nil, fmt.Errorf("export: %s: %s: %v", path, metaPipeline, err)
	}
	return p, nil
}
