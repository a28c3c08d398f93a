package export

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"github.com/gokernel/gokernel/mlstd/export/internal/onnxpb"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// LoadONNX rebuilds an nn.Sequential from an ONNX file exported by
// ExportONNX (or any opset-13 graph that is a plain chain of Gemm,
// MatMul(+Add), Relu, Sigmoid, Tanh, Softmax, LogSoftmax, Flatten, Dropout
// and Identity nodes over float initializers). Other graphs are refused
// with an error naming the file and the node. The model is in evaluation
// mode. For files written by ExportONNX the graph's checksum is verified,
// so a flipped byte in the weights or the structure is detected.
func LoadONNX(path string) (nn.Module, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	m, err := parseONNX(b)
	if err != nil {
		return nil, fmt.Errorf("export: %s: %v", path, err)
	}
	return m, nil
}

// onnxReader walks a graph's node chain.
type onnxReader struct {
	inits  map[string]*tensor.Tensor
	consts map[string]*tensor.Tensor // transposed initializers
	layers []nn.Module
	cur    string
	dims   []int // shape of cur, -1 where unknown
}

func parseONNX(b []byte) (nn.Module, error) {
	mp, err := onnxpb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("not a valid ONNX protobuf (truncated or corrupt): %v", err)
	}
	g := mp.Graph
	if g == nil {
		return nil, fmt.Errorf("ONNX model has no graph (truncated or not an ONNX file)")
	}
	if err := checkOpset(mp); err != nil {
		return nil, err
	}
	r := &onnxReader{inits: map[string]*tensor.Tensor{}, consts: map[string]*tensor.Tensor{}}
	for i := range g.Initializer {
		t := &g.Initializer[i]
		v, err := onnxTensor(t)
		if err != nil {
			return nil, err
		}
		r.inits[t.Name] = v
	}
	for _, kv := range mp.MetadataProps {
		if kv.Key == metaChecksum {
			if got := graphHash(g); got != kv.Value {
				return nil, fmt.Errorf("graph checksum mismatch (file corrupt): sha256 %s…, file says %s…", trim(got, 12), trim(kv.Value, 12))
			}
		}
	}
	var inputs []string
	for _, in := range g.Input {
		if _, ok := r.inits[in.Name]; !ok {
			inputs = append(inputs, in.Name)
		}
	}
	if len(inputs) != 1 || len(g.Output) != 1 {
		return nil, fmt.Errorf("graph has %d inputs and %d outputs; want one of each", len(inputs), len(g.Output))
	}
	r.cur = inputs[0]
	for i := range g.Input {
		if g.Input[i].Name == r.cur {
			r.dims = valueDims(&g.Input[i])
		}
	}
	if r.dims == nil {
		r.dims = []int{-1, -1} // undeclared: assume [batch, features]
	}
	nodes := g.Node
	for i := 0; i < len(nodes); i++ {
		skip, err := r.node(nodes, i)
		if err != nil {
			return nil, fmt.Errorf("node %d (%s %q): %v", i, nodes[i].OpType, nodes[i].Name, err)
		}
		i += skip
	}
	if out := g.Output[0].Name; r.cur != out {
		return nil, fmt.Errorf("graph output %q is not the end of the node chain (%q)", out, r.cur)
	}
	s := nn.NewSequentialFrom(r.layers)
	nn.Eval(s)
	return s, nil
}

func checkOpset(mp *onnxpb.Model) error {
	for _, o := range mp.OpsetImport {
		if o.Domain == "" || o.Domain == "ai.onnx" {
			if v := o.Version; v < 13 {
				return fmt.Errorf("opset %d: LoadONNX reads opset 13 and later", v)
			}
			return nil
		}
	}
	return fmt.Errorf("no default-domain opset import")
}

// onnxTensor decodes a float initializer.
func onnxTensor(t *onnxpb.Tensor) (*tensor.Tensor, error) {
	if t.DataType != onnxpb.DataTypeFloat {
		return nil, fmt.Errorf("initializer %q has data type %d, want FLOAT", t.Name, t.DataType)
	}
	if t.DataLocation == onnxpb.DataLocationExternal {
		return nil, fmt.Errorf("initializer %q uses external data, which is not supported", t.Name)
	}
	n := int64(1)
	shape := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) || len(shape) > maxDims {
			return nil, fmt.Errorf("initializer %q has invalid dims %v", t.Name, t.Dims)
		}
		n *= d
		shape[i] = int(d)
	}
	raw := t.RawData
	if fd := t.FloatData; len(fd) > 0 {
		raw = make([]byte, 4*len(fd))
		for i, v := range fd {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
	}
	if int64(len(raw)) != 4*n {
		return nil, fmt.Errorf("initializer %q: dims %v need %d bytes, has %d", t.Name, t.Dims, 4*n, len(raw))
	}
	d := make([]float32, n)
	for i := range d {
		d[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return tensor.New(d, shape...), nil
}

// attrs returns a node's attributes by name.
func attrs(n *onnxpb.Node) map[string]*onnxpb.Attribute {
	m := map[string]*onnxpb.Attribute{}
	for i := range n.Attribute {
		m[n.Attribute[i].Name] = &n.Attribute[i]
	}
	return m
}

// node consumes node i (and possibly the Add after a MatMul: it returns
// how many extra nodes it used).
func (r *onnxReader) node(nodes []onnxpb.Node, i int) (int, error) {
	n := &nodes[i]
	ins, outs := n.Input, n.Output
	if len(outs) < 1 {
		return 0, fmt.Errorf("node has no output")
	}
	if n.OpType == "Transpose" { // of an initializer, feeding a MatMul
		if len(ins) != 1 || r.inits[ins[0]] == nil || r.inits[ins[0]].Dims() != 2 {
			return 0, fmt.Errorf("only Transpose of a 2-D initializer is supported")
		}
		if p := attrs(n)["perm"]; p != nil && (len(p.Ints) != 2 || p.Ints[0] != 1 || p.Ints[1] != 0) {
			return 0, fmt.Errorf("unsupported perm %v", p.Ints)
		}
		r.consts[outs[0]] = r.inits[ins[0]].T().Clone()
		return 0, nil
	}
	if len(ins) < 1 || ins[0] != r.cur {
		return 0, fmt.Errorf("input %v does not continue the chain from %q", ins, r.cur)
	}
	a := attrs(n)
	var layer nn.Module
	skip := 0
	switch op := n.OpType; op {
	case "Gemm":
		l, err := r.gemm(ins, a)
		if err != nil {
			return 0, err
		}
		layer = l
	case "MatMul":
		l, extra, err := r.matmul(nodes, i)
		if err != nil {
			return 0, err
		}
		layer, skip, outs = l, extra, nodes[i+extra].Output
		if len(outs) < 1 {
			return 0, fmt.Errorf("Add node has no output")
		}
	case "Relu":
		layer = nn.NewReLU()
	case "Sigmoid":
		layer = nn.NewSigmoid()
	case "Tanh":
		layer = nn.NewTanh()
	case "Softmax", "LogSoftmax":
		axis := -1 // the opset-13 default
		if ax := a["axis"]; ax != nil {
			axis = int(ax.I)
		}
		if op == "Softmax" {
			layer = nn.NewSoftmax(axis)
		} else {
			layer = nn.NewLogSoftmax(axis)
		}
	case "Flatten":
		if ax := a["axis"]; ax != nil && ax.I != 1 {
			return 0, fmt.Errorf("Flatten axis %d: only axis 1 is supported", ax.I)
		}
		layer = nn.NewFlatten()
	case "Dropout", "Identity":
	default:
		return 0, fmt.Errorf("unsupported op %q", op)
	}
	if layer != nil {
		if err := r.track(layer); err != nil {
			return 0, err
		}
		r.layers = append(r.layers, layer)
	}
	r.cur = outs[0]
	return skip, nil
}

func (r *onnxReader) weight(name string) (*tensor.Tensor, error) {
	if t := r.inits[name]; t != nil {
		return t, nil
	}
	if t := r.consts[name]; t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("missing initializer %q", name)
}

func (r *onnxReader) gemm(ins []string, a map[string]*onnxpb.Attribute) (nn.Module, error) {
	if len(ins) < 2 || len(ins) > 3 {
		return nil, fmt.Errorf("Gemm needs 2 or 3 inputs, has %d", len(ins))
	}
	for name, want := range map[string]float32{"alpha": 1, "beta": 1} {
		if v := a[name]; v != nil && v.F != want {
			return nil, fmt.Errorf("Gemm %s=%g is not supported", name, v.F)
		}
	}
	if v := a["transA"]; v != nil && v.I != 0 {
		return nil, fmt.Errorf("Gemm transA=1 is not supported")
	}
	w, err := r.weight(ins[1])
	if err != nil {
		return nil, err
	}
	if w.Dims() != 2 {
		return nil, fmt.Errorf("Gemm weight %q has shape %v, want 2-D", ins[1], w.Shape())
	}
	if v := a["transB"]; v == nil || v.I == 0 {
		w = w.T().Clone() // stored (in, out): make it (out, in)
	}
	l := &nn.Linear{Weight: w.SetRequiresGrad(true)}
	if len(ins) == 3 && ins[2] != "" {
		b, err := r.weight(ins[2])
		if err != nil {
			return nil, err
		}
		if b.Dims() != 1 || b.Dim(0) != w.Dim(0) {
			return nil, fmt.Errorf("Gemm bias %q has shape %v, want [%d]", ins[2], b.Shape(), w.Dim(0))
		}
		l.Bias = b.SetRequiresGrad(true)
	}
	return l, nil
}

// matmul reads MatMul(x, W[in,out]) and an optional following Add(·, b).
func (r *onnxReader) matmul(nodes []onnxpb.Node, i int) (nn.Module, int, error) {
	ins := nodes[i].Input
	if len(ins) != 2 {
		return nil, 0, fmt.Errorf("MatMul needs 2 inputs")
	}
	w, err := r.weight(ins[1])
	if err != nil {
		return nil, 0, err
	}
	if w.Dims() != 2 {
		return nil, 0, fmt.Errorf("MatMul weight %q has shape %v, want 2-D", ins[1], w.Shape())
	}
	l := &nn.Linear{Weight: w.T().Clone().SetRequiresGrad(true)}
	if i+1 < len(nodes) && nodes[i+1].OpType == "Add" {
		add := nodes[i+1].Input
		if len(add) == 2 && add[0] == nodes[i].Output[0] {
			b, err := r.weight(add[1])
			if err != nil {
				return nil, 0, err
			}
			if b.Dims() != 1 || b.Dim(0) != w.Dim(1) {
				return nil, 0, fmt.Errorf("Add bias %q has shape %v, want [%d]", add[1], b.Shape(), w.Dim(1))
			}
			l.Bias = b.SetRequiresGrad(true)
			return l, 1, nil
		}
	}
	return l, 0, nil
}

// valueDims returns the declared shape of a graph input (-1 for symbolic
// dimensions), or nil if it has none.
func valueDims(v *onnxpb.ValueInfo) []int {
	if v.Type == nil || v.Type.Tensor == nil || v.Type.Tensor.Shape == nil || len(v.Type.Tensor.Shape.Dim) == 0 {
		return nil
	}
	sh := v.Type.Tensor.Shape.Dim
	dims := make([]int, len(sh))
	for i, d := range sh {
		dims[i] = -1
		if d.Kind == onnxpb.DimValue && d.Value > 0 {
			dims[i] = int(d.Value)
		}
	}
	return dims
}

// track follows the value's shape through layer, refusing a Linear whose
// input size does not match, so a loaded model cannot panic on its first
// Forward.
func (r *onnxReader) track(layer nn.Module) error {
	last := len(r.dims) - 1
	switch l := layer.(type) {
	case *nn.Linear:
		if r.dims[last] > 0 && r.dims[last] != l.In() {
			return fmt.Errorf("Linear takes %d features, its input has shape %v", l.In(), r.dims)
		}
		r.dims[last] = l.Out()
	case *nn.Flatten:
		if len(r.dims) > 2 {
			n := 1
			for _, d := range r.dims[1:] {
				if d < 0 {
					n = -1
					break
				}
				n *= d
			}
			r.dims = []int{r.dims[0], n}
		}
	case *nn.Softmax, *nn.LogSoftmax:
		axis := 0
		if s, ok := l.(*nn.Softmax); ok {
			axis = s.Dim
		} else {
			axis = l.(*nn.LogSoftmax).Dim
		}
		if axis < -len(r.dims) || axis >= len(r.dims) {
			return fmt.Errorf("axis %d out of range for rank %d", axis, len(r.dims))
		}
	}
	return nil
}
