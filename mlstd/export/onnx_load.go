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
// MatMul(+Add), Conv, MaxPool, AveragePool, GlobalAveragePool,
// BatchNormalization (inference form), Relu, Sigmoid, Tanh, Softmax,
// LogSoftmax, Flatten, Reshape to (batch, features), Dropout and Identity
// nodes over float initializers, as torch.onnx.export writes for a
// Sequential CNN such as LeNet-5). Other graphs are refused
// with an error naming the file and the node. The model is in evaluation
// mode. For files written by ExportONNX the graph's checksum is verified,
// so a flipped byte in the weights or the structure is detected; a file
// edited since by a standard tool (onnx's Python API, an optimizer) fails
// that check too, and LoadONNXOptions with AllowModified loads it.
func LoadONNX(path string) (nn.Module, error) {
	return LoadONNXOptions(path, ONNXLoadOptions{})
}

// ONNXLoadOptions tunes LoadONNXOptions.
type ONNXLoadOptions struct {
	// AllowModified loads a file whose graph no longer matches the
	// "mlstd.sha256" checksum ExportONNX recorded, as after an edit by
	// another tool. Corruption that breaks the protobuf encoding, the
	// shapes or the graph's structure is still refused; a changed weight
	// value is not detected.
	AllowModified bool
}

// LoadONNXOptions is LoadONNX with options.
func LoadONNXOptions(path string, opts ONNXLoadOptions) (nn.Module, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	m, err := parseONNX(b, opts)
	if err != nil {
		return nil, fmt.Errorf("export: %s: %v", path, err)
	}
	return m, nil
}

// onnxReader walks a graph's node chain.
type onnxReader struct {
	inits  map[string]*tensor.Tensor
	ints   map[string][]int64        // INT64 initializers (Reshape's shape)
	consts map[string]*tensor.Tensor // transposed initializers
	layers []nn.Module
	cur    string
	dims   []int // shape of cur, -1 where unknown
}

func parseONNX(b []byte, opts ONNXLoadOptions) (nn.Module, error) {
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
	r := &onnxReader{inits: map[string]*tensor.Tensor{}, ints: map[string][]int64{}, consts: map[string]*tensor.Tensor{}}
	for i := range g.Initializer {
		t := &g.Initializer[i]
		if v, ok := int64s(t); ok {
			r.ints[t.Name] = v
			continue
		}
		v, err := onnxTensor(t)
		if err != nil {
			return nil, err
		}
		r.inits[t.Name] = v
	}
	for _, kv := range mp.MetadataProps {
		if kv.Key == metaChecksum && !opts.AllowModified {
			if got := graphHash(g); got != kv.Value {
				return nil, fmt.Errorf("graph checksum mismatch: sha256 %s…, the exported file said %s…: the file is corrupt, or was "+
					"edited after export (then load it with LoadONNXOptions and AllowModified)", trim(got, 12), trim(kv.Value, 12))
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
	if n.OpType == "Constant" { // a value for a later node (PyTorch writes Pad's pads so)
		v := attrs(n)["value"]
		if len(ins) != 0 || v == nil || v.T == nil {
			return 0, fmt.Errorf("only a Constant with a tensor value is supported")
		}
		if is, ok := int64s(v.T); ok {
			r.ints[outs[0]] = is
			return 0, nil
		}
		t, err := onnxTensor(v.T)
		if err != nil {
			return 0, err
		}
		r.inits[outs[0]] = t
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
	case "Conv":
		l, err := r.conv(ins, a)
		if err != nil {
			return 0, err
		}
		layer = l
	case "MaxPool", "AveragePool":
		l, err := pool(op, outs, a)
		if err != nil {
			return 0, err
		}
		layer = l
	case "GlobalAveragePool":
		layer = nn.NewAdaptiveAvgPool2d(1, 1)
	case "BatchNormalization":
		l, err := r.batchNorm(ins, outs, a)
		if err != nil {
			return 0, err
		}
		layer = l
	case "Reshape":
		if err := r.reshape(ins); err != nil {
			return 0, err
		}
		layer = nn.NewFlatten()
	case "Pad": // PyTorch puts one, padding nothing, before an AveragePool
		if err := r.noPad(ins, a); err != nil {
			return 0, err
		}
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

// track follows the value's shape through layer (outDims), refusing a
// layer whose input does not fit, so a loaded model cannot panic on its
// first Forward.
func (r *onnxReader) track(layer nn.Module) error {
	d, err := outDims(leaf{fmt.Sprint(len(r.layers)), layer}, r.dims)
	if err != nil {
		return err
	}
	r.dims = d
	return nil
}

// ints2 returns an INTS attribute of two values, def when absent.
func ints2(a map[string]*onnxpb.Attribute, name string, def, min int) ([2]int, error) {
	v := a[name]
	if v == nil {
		return [2]int{def, def}, nil
	}
	if len(v.Ints) != 2 || v.Ints[0] < int64(min) || v.Ints[1] < int64(min) || v.Ints[0] > 1<<16 || v.Ints[1] > 1<<16 {
		return [2]int{}, fmt.Errorf("%s %v: want two values ≥ %d (2-D only)", name, v.Ints, min)
	}
	return [2]int{int(v.Ints[0]), int(v.Ints[1])}, nil
}

// windowAttrs reads the strides, pads (the same on both sides of an axis)
// and dilations of a Conv or pooling node; auto_pad is not supported.
func windowAttrs(a map[string]*onnxpb.Attribute, defStride int) (stride, pad, dil [2]int, err error) {
	if a["auto_pad"] != nil {
		return stride, pad, dil, fmt.Errorf("auto_pad is not supported (give explicit pads)")
	}
	if stride, err = ints2(a, "strides", defStride, 1); err != nil {
		return
	}
	if dil, err = ints2(a, "dilations", 1, 1); err != nil {
		return
	}
	if p := a["pads"]; p != nil {
		if len(p.Ints) != 4 || p.Ints[0] != p.Ints[2] || p.Ints[1] != p.Ints[3] || p.Ints[0] < 0 || p.Ints[1] < 0 || p.Ints[0] > 1<<16 || p.Ints[1] > 1<<16 {
			return stride, pad, dil, fmt.Errorf("pads %v: want [top, left, bottom, right] with top = bottom and left = right", p.Ints)
		}
		pad = [2]int{int(p.Ints[0]), int(p.Ints[1])}
	}
	return
}

func (r *onnxReader) conv(ins []string, a map[string]*onnxpb.Attribute) (nn.Module, error) {
	if len(ins) < 2 || len(ins) > 3 {
		return nil, fmt.Errorf("Conv needs 2 or 3 inputs, has %d", len(ins))
	}
	if g := a["group"]; g != nil && g.I != 1 {
		return nil, fmt.Errorf("Conv group=%d: only group 1 is supported", g.I)
	}
	w, err := r.weight(ins[1])
	if err != nil {
		return nil, err
	}
	if w.Dims() != 4 {
		return nil, fmt.Errorf("Conv weight %q has shape %v, want (out, in, kH, kW)", ins[1], w.Shape())
	}
	if k, err := ints2(a, "kernel_shape", 0, 1); err != nil {
		return nil, err
	} else if a["kernel_shape"] != nil && (k[0] != w.Dim(2) || k[1] != w.Dim(3)) {
		return nil, fmt.Errorf("Conv kernel_shape %v does not match weight %v", k, w.Shape())
	}
	stride, pad, dil, err := windowAttrs(a, 1)
	if err != nil {
		return nil, err
	}
	c := &nn.Conv2d{Weight: w.SetRequiresGrad(true), Stride: stride, Padding: pad, Dilation: dil}
	if len(ins) == 3 && ins[2] != "" {
		b, err := r.weight(ins[2])
		if err != nil {
			return nil, err
		}
		if b.Dims() != 1 || b.Dim(0) != w.Dim(0) {
			return nil, fmt.Errorf("Conv bias %q has shape %v, want [%d]", ins[2], b.Shape(), w.Dim(0))
		}
		c.Bias = b.SetRequiresGrad(true)
	}
	return c, nil
}

// pool reads a MaxPool or AveragePool node (floor rounding; an average
// pool with padding must count the padding, as PyTorch's default does).
func pool(op string, outs []string, a map[string]*onnxpb.Attribute) (nn.Module, error) {
	if len(outs) > 1 && outs[1] != "" {
		return nil, fmt.Errorf("%s with an Indices output is not supported", op)
	}
	if a["kernel_shape"] == nil {
		return nil, fmt.Errorf("%s has no kernel_shape", op)
	}
	k, err := ints2(a, "kernel_shape", 0, 1)
	if err != nil {
		return nil, err
	}
	stride, pad, dil, err := windowAttrs(a, 1)
	if err != nil {
		return nil, err
	}
	if c := a["ceil_mode"]; c != nil && c.I != 0 {
		return nil, fmt.Errorf("%s ceil_mode=1 is not supported", op)
	}
	if dil != [2]int{1, 1} {
		return nil, fmt.Errorf("%s dilations %v: only 1 is supported", op, dil)
	}
	if so := a["storage_order"]; so != nil && so.I != 0 {
		return nil, fmt.Errorf("%s storage_order=%d is not supported", op, so.I)
	}
	if 2*pad[0] > k[0] || 2*pad[1] > k[1] {
		return nil, fmt.Errorf("%s pads %v exceed half the kernel %v", op, pad, k)
	}
	if op == "MaxPool" {
		return &nn.MaxPool2d{Kernel: k, Stride: stride, Padding: pad}, nil
	}
	if c := a["count_include_pad"]; pad != [2]int{} && (c == nil || c.I != 1) {
		return nil, fmt.Errorf("AveragePool with pads and count_include_pad=0 is not supported (mlstd's AvgPool2d counts the padding)")
	}
	return &nn.AvgPool2d{Kernel: k, Stride: stride, Padding: pad}, nil
}

// batchNorm reads a BatchNormalization in inference form into a
// BatchNorm2d (rank-4 input) or BatchNorm1d (rank 2 or 3) in evaluation
// mode.
func (r *onnxReader) batchNorm(ins, outs []string, a map[string]*onnxpb.Attribute) (nn.Module, error) {
	if len(ins) != 5 {
		return nil, fmt.Errorf("BatchNormalization needs 5 inputs (X, scale, B, mean, var), has %d", len(ins))
	}
	if t := a["training_mode"]; (t != nil && t.I != 0) || (len(outs) > 1 && outs[1] != "") {
		return nil, fmt.Errorf("BatchNormalization in training mode (running statistics as outputs) is not supported")
	}
	var ts [4]*tensor.Tensor
	for i := range ts {
		t, err := r.weight(ins[1+i])
		if err != nil {
			return nil, err
		}
		if t.Dims() != 1 || t.Len() == 0 || (i > 0 && t.Dim(0) != ts[0].Len()) {
			return nil, fmt.Errorf("BatchNormalization input %q has shape %v, want one value per channel", ins[1+i], t.Shape())
		}
		ts[i] = t
	}
	eps, momentum := 1e-5, 0.1
	if e := a["epsilon"]; e != nil {
		eps = float64(e.F)
	}
	if m := a["momentum"]; m != nil {
		momentum = 1 - float64(m.F)
	}
	if !(eps >= 0) || !(momentum >= 0 && momentum <= 1) {
		return nil, fmt.Errorf("BatchNormalization epsilon %g or momentum %g out of range", eps, 1-momentum)
	}
	opts := nn.BatchNormOptions{Eps: eps}
	c := ts[0].Len()
	var m nn.Module
	switch len(r.dims) {
	case 4:
		b := nn.NewBatchNorm2d(c, opts)
		b.Weight, b.Bias, b.RunningMean, b.RunningVar, b.Eps, b.Momentum = ts[0], ts[1], ts[2], ts[3], eps, momentum
		m = b
	case 2, 3:
		b := nn.NewBatchNorm1d(c, opts)
		b.Weight, b.Bias, b.RunningMean, b.RunningVar, b.Eps, b.Momentum = ts[0], ts[1], ts[2], ts[3], eps, momentum
		m = b
	default:
		return nil, fmt.Errorf("BatchNormalization of a rank-%d input is not supported", len(r.dims))
	}
	ts[0].SetRequiresGrad(true)
	ts[1].SetRequiresGrad(true)
	return m, nil
}

// reshape accepts a Reshape that flattens (batch, …) to (batch, features):
// a shape initializer [0, -1], [-1, n] or [0, n] with n the product of the
// non-batch dimensions.
func (r *onnxReader) reshape(ins []string) error {
	if len(ins) != 2 {
		return fmt.Errorf("Reshape needs 2 inputs")
	}
	shape, ok := r.ints[ins[1]]
	if !ok {
		return fmt.Errorf("Reshape's shape %q is not an INT64 initializer", ins[1])
	}
	n := 1
	for _, d := range r.dims[1:] {
		if d < 0 {
			n = -1
			break
		}
		n *= d
	}
	if len(shape) == 2 && (shape[0] == 0 || shape[0] == -1) && (shape[1] == -1 || shape[1] == int64(n) && n > 0) && !(shape[0] == -1 && shape[1] == -1) {
		return nil
	}
	return fmt.Errorf("Reshape to %v: only a flattening to (batch, %d) is supported", shape, n)
}

// int64s returns the values of a 1-D INT64 tensor stored as raw data.
func int64s(t *onnxpb.Tensor) ([]int64, bool) {
	if t.DataType != onnxpb.DataTypeInt64 || len(t.Dims) != 1 || t.Dims[0] > 64 || int64(len(t.RawData)) != 8*t.Dims[0] {
		return nil, false
	}
	v := make([]int64, t.Dims[0])
	for k := range v {
		v[k] = int64(binary.LittleEndian.Uint64(t.RawData[8*k:]))
	}
	return v, true
}

// noPad accepts a Pad node that pads nothing (all pads 0), the identity.
func (r *onnxReader) noPad(ins []string, a map[string]*onnxpb.Attribute) error {
	if len(ins) < 2 {
		return fmt.Errorf("Pad needs its pads input")
	}
	pads, ok := r.ints[ins[1]]
	if !ok {
		return fmt.Errorf("Pad's pads %q is not an INT64 constant", ins[1])
	}
	for _, p := range pads {
		if p != 0 {
			return fmt.Errorf("Pad %v: only a Pad of zeros (the identity) is supported; pad in the following Conv or pooling", pads)
		}
	}
	return nil
}
