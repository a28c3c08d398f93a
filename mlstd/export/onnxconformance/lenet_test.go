package onnxconformance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/advancedclimatesystems/gonnx/ops/opset13"
	"google.golang.org/protobuf/proto"
	gtensor "gorgonia.org/tensor"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/export/internal/exporttest"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestONNXGonnxLeNet5 checks the ONNX export of a LeNet-5 trained on MNIST
// (exporttest.TrainedCNN: conv 1→6 5×5 pad 2, batch norm, ReLU, max pool;
// conv 6→16 5×5, ReLU, average pool; fc 400→120→84→10) with gonnx on
// 1,000 test images. gonnx v1.1.0 (opset 13) has no BatchNormalization,
// MaxPool or AveragePool operator, so the whole file cannot run there:
// that subtest skips naming the missing operators. The chained subtest
// runs every other node of the exported file in gonnx — both Conv nodes
// (padding, bias), Relu, Flatten and the Gemm layers — in the file's own
// order, cut into sub-graphs at the missing operators, whose nodes mlstd's
// own layer (named by the node, "/3/MaxPool" is layer 3) computes on
// gonnx's output; the final logits must equal mlstd's within float32
// rounding, with the same argmax on every image.
func TestONNXGonnxLeNet5(t *testing.T) {
	fx := exporttest.TrainedCNN(t)
	b, err := export.ONNXBytes(fx.Model, export.ONNXOptions{InputShape: []int{1, 28, 28}})
	if err != nil {
		t.Fatal(err)
	}
	mp, err := gonnx.ModelProtoFromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	var missing, present []string
	for _, n := range mp.Graph.Node {
		list := &present
		if _, err := opset13.GetOperator(n.OpType); err != nil {
			list = &missing
		}
		if !slices.Contains(*list, n.OpType) {
			*list = append(*list, n.OpType)
		}
	}
	t.Logf("exported LeNet-5: %d nodes; operators gonnx runs: %s; operators it lacks: %s", len(mp.Graph.Node),
		strings.Join(present, ", "), strings.Join(missing, ", "))
	var want *tensor.Tensor
	tensor.NoGrad(func() { want = fx.Model.Forward(fx.X) })

	t.Run("whole file", func(t *testing.T) {
		if len(missing) > 0 {
			t.Skipf("gonnx v1.1.0 (opset 13) has no operator %s: it cannot run the exported LeNet-5 as one graph", strings.Join(missing, ", "))
		}
		compareLogits(t, runGonnx(t, b, fx.X), want, fx.Accuracy)
	})

	t.Run("chained", func(t *testing.T) {
		cur, curName := fx.X, mp.Graph.Input[0].Name
		var segment []*onnx.NodeProto
		inGonnx, inMlstd := 0, 0
		flush := func() {
			if len(segment) == 0 {
				return
			}
			cur = runSegment(t, mp, segment, curName, cur)
			curName = segment[len(segment)-1].Output[0]
			inGonnx += len(segment)
			segment = nil
		}
		for _, n := range mp.Graph.Node {
			if n.Input[0] != curName && (len(segment) == 0 || n.Input[0] != segment[len(segment)-1].Output[0]) {
				t.Fatalf("node %s reads %s, not the previous node's output: the graph is not a chain", n.Name, n.Input[0])
			}
			if _, err := opset13.GetOperator(n.OpType); err == nil {
				segment = append(segment, n)
				continue
			}
			flush()
			pos, err := strconv.Atoi(strings.Split(n.Name, "/")[1])
			if err != nil || pos >= fx.Model.Len() {
				t.Fatalf("node %q does not name a layer of the model", n.Name)
			}
			tensor.NoGrad(func() { cur = fx.Model.Layer(pos).Forward(cur) })
			curName = n.Output[0]
			inMlstd++
		}
		flush()
		if curName != mp.Graph.Output[0].Name {
			t.Fatalf("the chain ended at %s, not the graph's output %s", curName, mp.Graph.Output[0].Name)
		}
		t.Logf("%d nodes ran in gonnx, %d (%s) in mlstd", inGonnx, inMlstd, strings.Join(missing, ", "))
		compareLogits(t, cur.Data(), want, fx.Accuracy)
	})
}

// runSegment runs the nodes (a chain reading the tensor named in, whose
// value is x) as a graph of their own in gonnx, with the file's
// initializers, and returns the last node's output.
func runSegment(t *testing.T, mp *onnx.ModelProto, nodes []*onnx.NodeProto, in string, x *tensor.Tensor) *tensor.Tensor {
	t.Helper()
	sub := proto.Clone(mp).(*onnx.ModelProto)
	out := nodes[len(nodes)-1].Output[0]
	sub.Graph.Node = nodes
	sub.Graph.Input = []*onnx.ValueInfoProto{valueInfo(in, x.Dims())}
	sub.Graph.Output = []*onnx.ValueInfoProto{valueInfo(out, 0)}
	gm, err := gonnx.NewModel(sub)
	if err != nil {
		t.Fatalf("gonnx, nodes %s…%s: %v", nodes[0].Name, nodes[len(nodes)-1].Name, err)
	}
	res, err := gm.Run(gonnx.Tensors{in: gtensor.New(gtensor.WithShape(x.Shape()...), gtensor.WithBacking(slices.Clone(x.Data())))})
	if err != nil {
		t.Fatalf("gonnx run, nodes %s…%s: %v", nodes[0].Name, nodes[len(nodes)-1].Name, err)
	}
	y := res[out]
	d, ok := y.Data().([]float32)
	if !ok {
		t.Fatalf("gonnx output of %s is %T", out, y.Data())
	}
	return tensor.New(slices.Clone(d), y.Shape()...)
}

// valueInfo declares a float tensor of the given rank with dynamic sizes
// (rank 0: shape not given).
func valueInfo(name string, rank int) *onnx.ValueInfoProto {
	tt := &onnx.TypeProto_Tensor{ElemType: int32(onnx.TensorProto_FLOAT)}
	if rank > 0 {
		tt.Shape = &onnx.TensorShapeProto{}
		for i := range rank {
			tt.Shape.Dim = append(tt.Shape.Dim, &onnx.TensorShapeProto_Dimension{
				Value: &onnx.TensorShapeProto_Dimension_DimParam{DimParam: fmt.Sprintf("d%d", i)}})
		}
	}
	return &onnx.ValueInfoProto{Name: name, Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{TensorType: tt}}}
}

// compareLogits checks gonnx's logits against mlstd's: within float32
// rounding (|diff| ≤ 1e-5 · max(1, |logit|)) and the same argmax on every
// image.
func compareLogits(t *testing.T, got []float32, want *tensor.Tensor, accuracy float64) {
	t.Helper()
	d := exporttest.MaxDiff(t, got, want.Data())
	worst := 0.0
	for i, v := range want.Data() {
		worst = max(worst, abs(float64(got[i])-float64(v))/max(1, abs(float64(v))))
	}
	n, agree := want.Dim(0), 0
	for i, p := range tensor.New(got, want.Shape()...).Argmax(1) {
		if p == want.Argmax(1)[i] {
			agree++
		}
	}
	t.Logf("gonnx vs mlstd on %d MNIST test images: max |diff| %.3g (relative to max(1, |logit|): %.3g), argmax agree %d/%d; mlstd accuracy %.3f",
		n, d, worst, agree, n, accuracy)
	if worst > 1e-5 || agree != n {
		t.Fatalf("gonnx differs: relative diff %g, %d/%d argmax agree", worst, agree, n)
	}
}

func abs(v float64) float64 { return max(v, -v) }
