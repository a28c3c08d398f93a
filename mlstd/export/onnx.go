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
	// Empty means [in] of a model that starts with a Linear layer; models
	// that start with Flatten or a convolution need it, e.g. []int{1, 28,
	// 28} for MNIST images (NCHW).
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
// input "input" of shape [batch, in] (or [batch, …InputShape]) and one
// output "output", the batch dimension dynamic. Linear becomes Gemm with
// transB=1, so weights keep PyTorch's (out, in) layout and their names
// ("0.weight"); Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and
// BatchNorm1d/2d map to Conv, MaxPool, AveragePool, GlobalAveragePool and
// BatchNormalization (inference form); activations to Relu, Sigmoid, Tanh,
// Softmax, LogSoftmax and Flatten; Dropout and Dropout2d are omitted
// (inference). A model that does not start with a Linear needs
// ExportONNXOptions with InputShape. Weights are stored bit for bit, so
// pruned zeros stay exact. The write is atomic.
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

func intsAttr(name string, v []int) onnxpb.Attribute {
	a := onnxpb.Attribute{Name: name, Type: onnxpb.AttributeInts}
	for _, x := range v {
		a.Ints = append(a.Ints, int64(x))
	}
	return a
}

// padsAttr is ONNX's pads for a (height, width) padding on both sides:
// [top, left, bottom, right].
func padsAttr(p [2]int) onnxpb.Attribute {
	return intsAttr("pads", []int{p[0], p[1], p[0], p[1]})
}

// batchNorm appends a BatchNormalization in its inference form (running
// statistics; ONNX's momentum is 1 − PyTorch's). A layer without affine
// gets scale 1 and shift 0 initializers ("<pos>.ones", "<pos>.zeros").
func (b *graphBuilder) batchNorm(pos, tag string, w, bias, mean, variance *tensor.Tensor, eps, momentum float64) {
	scale, shift := join(pos, "weight"), join(pos, "bias")
	if w == nil {
		scale, shift = join(pos, "ones"), join(pos, "zeros")
		w, bias = tensor.Ones(mean.Len()), tensor.Zeros(mean.Len())
	}
	m, v := join(pos, "running_mean"), join(pos, "running_var")
	b.initializer(scale, w)
	b.initializer(shift, bias)
	b.initializer(m, mean)
	b.initializer(v, variance)
	b.node("BatchNormalization", tag, []string{b.cur, scale, shift, m, v},
		onnxpb.Attribute{Name: "epsilon", Type: onnxpb.AttributeFloat, F: float32(eps)},
		onnxpb.Attribute{Name: "momentum", Type: onnxpb.AttributeFloat, F: float32(1 - momentum)})
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
		var err error
		if in, err = defaultInputShape(ls); err != nil {
			return nil, err
		}
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

// defaultInputShape is the example shape of a model whose first layer
// with a shape of its own is a Linear: [in]. Any other model (one that
// starts with Flatten, a convolution, a pooling or a batch norm) needs the
// shape from the caller, since its input could have many.
func defaultInputShape(ls []leaf) ([]int, error) {
	for _, l := range ls {
		switch x := l.m.(type) {
		case *nn.ReLU, *nn.Sigmoid, *nn.Tanh, *nn.Dropout: // any shape
			continue
		case *nn.Linear:
			return []int{x.In()}, nil
		default:
			return nil, fmt.Errorf("export: the model starts with %T (layer %s), whose input shape the model does not say: "+
				"give the shape of one example, e.g. ONNXOptions{InputShape: []int{1, 28, 28}} or WithInputShape([]int{1, 28, 28})", l.m, where(l.pos))
		}
	}
	return nil, fmt.Errorf("export: the model has no layer that fixes its input shape: give it (ONNXOptions.InputShape, WithInputShape)")
}

// outDims returns the shape of layer l's output for an input of shape
// dims (-1 where a dimension is unknown or dynamic, as the batch), or an
// error naming the layer when it does not take that shape. ExportONNX
// follows the value through the graph with it, LoadONNX checks the graph
// it reads, and Save checks WithInputShape.
func outDims(l leaf, dims []int) ([]int, error) {
	rank := len(dims)
	bad := func(format string, args ...any) ([]int, error) {
		return nil, fmt.Errorf("layer %s: %s", where(l.pos), fmt.Sprintf(format, args...))
	}
	// differ reports a known dimension (not -1) other than want.
	differ := func(d, want int) bool { return d >= 0 && d != want }
	out := append([]int(nil), dims...)
	spatial := func(k, s, p, d [2]int) ([]int, error) {
		for i := 0; i < 2; i++ {
			if dims[2+i] < 0 {
				continue
			}
			span := dims[2+i] + 2*p[i] - d[i]*(k[i]-1) - 1
			if span < 0 {
				return bad("input %v is smaller than the %d×%d window", dims, k[0], k[1])
			}
			out[2+i] = span/s[i] + 1
		}
		return out, nil
	}
	switch x := l.m.(type) {
	case *nn.Linear:
		if differ(dims[rank-1], x.In()) {
			return bad("Linear takes %d features, its input has shape %v", x.In(), dims)
		}
		out[rank-1] = x.Out()
	case *nn.Conv2d:
		if rank != 4 || differ(dims[1], x.Weight.Dim(1)) {
			return bad("Conv2d takes NCHW input with %d channels, its input has shape %v", x.Weight.Dim(1), dims)
		}
		out[1] = x.Weight.Dim(0)
		return spatial([2]int{x.Weight.Dim(2), x.Weight.Dim(3)}, x.Stride, x.Padding, x.Dilation)
	case *nn.MaxPool2d, *nn.AvgPool2d:
		if rank != 4 {
			return bad("%T takes NCHW input, its input has shape %v", x, dims)
		}
		if p, ok := x.(*nn.MaxPool2d); ok {
			return spatial(p.Kernel, p.Stride, p.Padding, [2]int{1, 1})
		}
		p := x.(*nn.AvgPool2d)
		return spatial(p.Kernel, p.Stride, p.Padding, [2]int{1, 1})
	case *nn.AdaptiveAvgPool2d:
		if rank != 4 {
			return bad("AdaptiveAvgPool2d takes NCHW input, its input has shape %v", dims)
		}
		out[2], out[3] = x.Out[0], x.Out[1]
	case *nn.BatchNorm2d:
		if rank != 4 || differ(dims[1], x.RunningMean.Len()) {
			return bad("BatchNorm2d takes NCHW input with %d channels, its input has shape %v", x.RunningMean.Len(), dims)
		}
	case *nn.BatchNorm1d:
		if (rank != 2 && rank != 3) || differ(dims[1], x.RunningMean.Len()) {
			return bad("BatchNorm1d takes (N, %d) or (N, %d, L) input, its input has shape %v", x.RunningMean.Len(), x.RunningMean.Len(), dims)
		}
	case *nn.Dropout2d:
		if rank != 4 {
			return bad("Dropout2d takes NCHW input, its input has shape %v", dims)
		}
	case *nn.Softmax, *nn.LogSoftmax:
		dim := 0
		if s, ok := x.(*nn.Softmax); ok {
			dim = s.Dim
		} else {
			dim = x.(*nn.LogSoftmax).Dim
		}
		if dim < -rank || dim >= rank {
			return bad("%T dim %d out of range for rank %d", x, dim, rank)
		}
	case *nn.Flatten:
		n := 1
		for _, d := range dims[1:] {
			if d < 0 {
				n = -1
				break
			}
			n *= d
		}
		return []int{dims[0], n}, nil
	}
	return out, nil
}

// layer appends the nodes of one leaf layer.
func (b *graphBuilder) layer(l leaf) error {
	next, err := outDims(l, b.dims)
	if err != nil {
		return fmt.Errorf("export: onnx: %v", err)
	}
	defer func() { b.dims = next }()
	rank := len(b.dims)
	tag := l.pos
	if tag == "" {
		tag = "model"
	}
	switch x := l.m.(type) {
	case *nn.Linear:
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
	case *nn.Conv2d:
		w, bias := join(l.pos, "weight"), join(l.pos, "bias")
		b.initializer(w, x.Weight)
		ins := []string{b.cur, w}
		if x.Bias != nil {
			b.initializer(bias, x.Bias)
			ins = append(ins, bias)
		}
		b.node("Conv", tag, ins, intsAttr("dilations", x.Dilation[:]), intAttr("group", 1),
			intsAttr("kernel_shape", []int{x.Weight.Dim(2), x.Weight.Dim(3)}), padsAttr(x.Padding), intsAttr("strides", x.Stride[:]))
	case *nn.MaxPool2d:
		b.node("MaxPool", tag, []string{b.cur}, intAttr("ceil_mode", 0), intsAttr("kernel_shape", x.Kernel[:]),
			padsAttr(x.Padding), intsAttr("strides", x.Stride[:]))
	case *nn.AvgPool2d:
		b.node("AveragePool", tag, []string{b.cur}, intAttr("ceil_mode", 0), intAttr("count_include_pad", 1),
			intsAttr("kernel_shape", x.Kernel[:]), padsAttr(x.Padding), intsAttr("strides", x.Stride[:]))
	case *nn.AdaptiveAvgPool2d:
		h, w := b.dims[2], b.dims[3]
		switch {
		case x.Out == [2]int{1, 1}:
			b.node("GlobalAveragePool", tag, []string{b.cur})
		case h%x.Out[0] == 0 && w%x.Out[1] == 0: // equal windows: a plain average pool
			k := []int{h / x.Out[0], w / x.Out[1]}
			b.node("AveragePool", tag, []string{b.cur}, intAttr("ceil_mode", 0), intsAttr("kernel_shape", k),
				padsAttr([2]int{}), intsAttr("strides", k))
		default:
			return fmt.Errorf("export: onnx: layer %s: AdaptiveAvgPool2d from %d×%d to %d×%d has unequal windows, which ONNX has no operator for", where(l.pos), h, w, x.Out[0], x.Out[1])
		}
	case *nn.BatchNorm1d:
		b.batchNorm(l.pos, tag, x.Weight, x.Bias, x.RunningMean, x.RunningVar, x.Eps, x.Momentum)
	case *nn.BatchNorm2d:
		b.batchNorm(l.pos, tag, x.Weight, x.Bias, x.RunningMean, x.RunningVar, x.Eps, x.Momentum)
	case *nn.Dropout2d: // identity at inference
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
		b.node(op, tag, []string{b.cur}, intAttr("axis", int64(dim)))
	case *nn.Flatten: // kept on a 2-D input too (the identity), as the model has it
		b.node("Flatten", tag, []string{b.cur}, intAttr("axis", 1))
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
