package export

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/export/internal/onnxpb"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/prep"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// ONNX constants of the files this package writes.
const (
	onnxOpset     = 13 // the opset gonnx and ONNX Runtime both run
	onnxIRVersion = 7  // the IR version that introduced opset 13
	onnxInput     = "input"
	onnxOutput    = "output"
	onnxBatch     = "batch"
	onnxProducer  = "gokernel-mlstd"
)

// ONNXOptions tunes ExportONNXOptions.
type ONNXOptions struct {
	// InputShape is the shape of one example, without the batch dimension.
	// Empty means [in] of the first Linear layer; set it for models that
	// start with Flatten on images, e.g. []int{1, 28, 28}.
	InputShape []int
	// GraphName names the ONNX graph; empty means "mlstd".
	GraphName string
	// Data, if set, is the training set whose per-feature statistics are
	// recorded in the model's metadata_props under "mlstd.reference", as
	// Save's WithData does (ReadReference reads them; `gokernel serve`
	// scores input drift against them).
	Data *data.Dataset
	// Pipeline, if set, is the fitted preprocessing that makes the model's
	// input from raw table rows. ONNX has no exact counterpart for its
	// float64 arithmetic and categories, so the graph keeps the numeric
	// part only — the model, whose input is the pipeline's features — and
	// the metadata_props record the pipeline ("mlstd.pipeline", JSON, as
	// Save's WithPipeline does; ReadPipeline reads it) and say in words
	// what the graph leaves out ("mlstd.pipeline_note").
	Pipeline *prep.Pipeline
}

// ExportONNX writes m as an ONNX model (opset 13) to path: a graph with one
// input "input" of shape [batch, in] and one output "output", the batch
// dimension dynamic. Linear becomes Gemm with transB=1, so weights keep
// PyTorch's (out, in) layout and their names ("0.weight"); activations
// map to Relu, Sigmoid, Tanh, Softmax, LogSoftmax and Flatten; Dropout is
// omitted (inference). Weights are stored bit for bit, so pruned zeros stay
// exact. The write is atomic.
func ExportONNX(path string, m nn.Module) error {
	return ExportONNXOptions(path, m, ONNXOptions{})
}

// ExportONNXOptions is ExportONNX with options.
func ExportONNXOptions(path string, m nn.Module, opts ONNXOptions) error {
	b, err := ONNXBytes(m, opts)
	if err != nil {
		return err
	}
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// ONNXBytes returns the serialized ONNX model of m (see ExportONNX).
func ONNXBytes(m nn.Module, opts ONNXOptions) ([]byte, error) {
	mp, err := onnxModel(m, opts)
	if err != nil {
		return nil, err
	}
	return mp.Marshal(), nil
}

// leaf is a non-container layer with the state-dict prefix of its
// parameters ("0", "1.2").
type leaf struct {
	pos string
	m   nn.Module
}

// leaves flattens nested Sequentials.
func leaves(m nn.Module, pos string, out []leaf) []leaf {
	if s, ok := m.(*nn.Sequential); ok {
		for i, l := range s.Layers() {
			out = leaves(l, join(pos, fmt.Sprint(i)), out)
		}
		return out
	}
	return append(out, leaf{pos, m})
}

// graphBuilder accumulates nodes while tracking the current value's name
// and shape (dims[0] is the batch dimension, -1).
type graphBuilder struct {
	g    *onnxpb.Graph
	cur  string
	dims []int
	n    int
}

func (b *graphBuilder) node(op, layer string, inputs []string, attrs ...onnxpb.Attribute) {
	b.n++
	out := fmt.Sprintf("/%s/%s_output_%d", layer, op, b.n)
	b.g.Node = append(b.g.Node, onnxpb.Node{
		Name: fmt.Sprintf("/%s/%s", layer, op), OpType: op, Input: inputs, Output: []string{out}, Attribute: attrs,
	})
	b.cur = out
}

func (b *graphBuilder) initializer(name string, t *tensor.Tensor) {
	raw := make([]byte, 4*t.Len())
	for i, v := range t.Data() {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	dims := make([]int64, t.Dims())
	for i, d := range t.Shape() {
		dims[i] = int64(d)
	}
	b.g.Initializer = append(b.g.Initializer, onnxpb.Tensor{
		Name: name, Dims: dims, DataType: onnxpb.DataTypeFloat, RawData: raw,
	})
}

func intAttr(name string, v int64) onnxpb.Attribute {
	return onnxpb.Attribute{Name: name, Type: onnxpb.AttributeInt, I: v}
}

func onnxModel(m nn.Module, opts ONNXOptions) (*onnxpb.Model, error) {
	if m == nil {
		return nil, fmt.Errorf("export: onnx: model is nil")
	}
	if _, err := describe(m, ""); err != nil {
		return nil, err
	}
	ls := leaves(m, "", nil)
	in := opts.InputShape
	if len(in) == 0 {
		for _, l := range ls {
			if lin, ok := l.m.(*nn.Linear); ok {
				in = []int{lin.In()}
				break
			}
		}
	}
	if len(in) == 0 {
		return nil, fmt.Errorf("export: onnx: model has no Linear layer: set ONNXOptions.InputShape")
	}
	for _, d := range in {
		if d <= 0 {
			return nil, fmt.Errorf("export: onnx: invalid input shape %v", in)
		}
	}
	name := opts.GraphName
	if name == "" {
		name = "mlstd"
	}
	b := &graphBuilder{g: &onnxpb.Graph{Name: name}, cur: onnxInput, dims: append([]int{-1}, in...)}
	b.g.Input = []onnxpb.ValueInfo{valueInfo(onnxInput, b.dims)}
	for _, l := range ls {
		if err := b.layer(l); err != nil {
			return nil, err
		}
	}
	if len(b.g.Node) == 0 { // e.g. a model of Dropout only
		b.node("Identity", "identity", []string{b.cur})
	}
	b.g.Node[len(b.g.Node)-1].Output[0] = onnxOutput
	b.g.Output = []onnxpb.ValueInfo{valueInfo(onnxOutput, b.dims)}
	meta := []onnxpb.StringStringEntry{{Key: metaChecksum, Value: graphHash(b.g)}}
	if opts.Data != nil {
		meta = append(meta, onnxpb.StringStringEntry{Key: metaReference, Value: WithData(opts.Data).ref.encode()})
	}
	if opts.Pipeline != nil {
		pj, err := pipelineJSON(opts.Pipeline, m)
		if err != nil {
			return nil, err
		}
		meta = append(meta, onnxpb.StringStringEntry{Key: metaPipeline, Value: pj},
			onnxpb.StringStringEntry{Key: metaONNXNote, Value: onnxPipelineNote(opts.Pipeline)})
	}
	return &onnxpb.Model{
		IRVersion:       onnxIRVersion,
		OpsetImport:     []onnxpb.OperatorSetID{{Domain: "", Version: onnxOpset}},
		ProducerName:    onnxProducer,
		ProducerVersion: "1",
		Graph:           b.g,
		MetadataProps:   meta,
	}, nil
}

// layer appends the nodes of one leaf layer.
func (b *graphBuilder) layer(l leaf) error {
	rank := len(b.dims)
	tag := l.pos
	if tag == "" {
		tag = "model"
	}
	switch x := l.m.(type) {
	case *nn.Linear:
		if b.dims[rank-1] != x.In() {
			return fmt.Errorf("export: onnx: layer %s: Linear takes %d features, its input has shape %v", where(l.pos), x.In(), b.dims)
		}
		w, bias := join(l.pos, "weight"), join(l.pos, "bias")
		b.initializer(w, x.Weight)
		if x.Bias != nil {
			b.initializer(bias, x.Bias)
		}
		if rank == 2 {
			ins := []string{b.cur, w}
			if x.Bias != nil {
				ins = append(ins, bias)
			}
			b.node("Gemm", tag, ins, intAttr("transB", 1))
		} else { // MatMul needs (in, out): transpose the (out, in) initializer
			x0 := b.cur
			b.node("Transpose", tag, []string{w}, onnxpb.Attribute{Name: "perm", Type: onnxpb.AttributeInts, Ints: []int64{1, 0}})
			b.node("MatMul", tag, []string{x0, b.cur})
			if x.Bias != nil {
				b.node("Add", tag, []string{b.cur, bias})
			}
		}
		b.dims[rank-1] = x.Out()
	case *nn.ReLU:
		b.node("Relu", tag, []string{b.cur})
	case *nn.Sigmoid:
		b.node("Sigmoid", tag, []string{b.cur})
	case *nn.Tanh:
		b.node("Tanh", tag, []string{b.cur})
	case *nn.Softmax, *nn.LogSoftmax:
		op, dim := "Softmax", 0
		if s, ok := x.(*nn.Softmax); ok {
			dim = s.Dim
		} else {
			op, dim = "LogSoftmax", x.(*nn.LogSoftmax).Dim
		}
		if dim < -rank || dim >= rank {
			return fmt.Errorf("export: onnx: layer %s: %s dim %d out of range for rank %d", where(l.pos), op, dim, rank)
		}
		b.node(op, tag, []string{b.cur}, intAttr("axis", int64(dim)))
	case *nn.Flatten:
		if rank > 2 {
			n := 1
			for _, d := range b.dims[1:] {
				n *= d
			}
			b.node("Flatten", tag, []string{b.cur}, intAttr("axis", 1))
			b.dims = []int{-1, n}
		}
	case *nn.Dropout: // identity at inference
	default:
		return fmt.Errorf("export: onnx: layer %s has type %T, which has no ONNX mapping", where(l.pos), l.m)
	}
	return nil
}

// valueInfo declares a float tensor whose first dimension is "batch".
func valueInfo(name string, dims []int) onnxpb.ValueInfo {
	shape := &onnxpb.Shape{}
	for i, d := range dims {
		if i == 0 {
			shape.Dim = append(shape.Dim, onnxpb.Dimension{Kind: onnxpb.DimParam, Param: onnxBatch})
		} else {
			shape.Dim = append(shape.Dim, onnxpb.Dimension{Kind: onnxpb.DimValue, Value: int64(d)})
		}
	}
	return onnxpb.ValueInfo{Name: name, Type: &onnxpb.Type{Tensor: &onnxpb.TensorType{ElemType: onnxpb.DataTypeFloat, Shape: shape}}}
}

// graphHash is the checksum ExportONNX stores in the model's metadata
// ("mlstd.sha256"): the SHA-256 of the graph's canonical protobuf encoding
// (nodes, attributes, initializers, inputs and outputs), so LoadONNX
// detects a flipped byte anywhere in the graph. LoadONNX hashes the
// re-encoding of the graph it decoded, which covers every field the model
// is built from.
func graphHash(g *onnxpb.Graph) string {
	s := sha256.Sum256(g.Marshal())
	return hex.EncodeToString(s[:])
}
