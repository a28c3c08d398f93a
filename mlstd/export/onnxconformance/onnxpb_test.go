package onnxconformance

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/gokernel/gokernel/mlstd/export/internal/onnxpb"
)

// The reference for this codec is google.golang.org/protobuf driving the
// generated ONNX types of gonnx (a test-only dependency): toGonnx and
// fromGonnx convert between the two field by field.

func toGonnx(m *onnxpb.Model) *onnx.ModelProto {
	r := &onnx.ModelProto{IrVersion: m.IRVersion, ProducerName: m.ProducerName, ProducerVersion: m.ProducerVersion}
	if g := m.Graph; g != nil {
		rg := &onnx.GraphProto{Name: g.Name}
		for _, n := range g.Node {
			rn := &onnx.NodeProto{Input: n.Input, Output: n.Output, Name: n.Name, OpType: n.OpType, Domain: n.Domain}
			for _, a := range n.Attribute {
				rn.Attribute = append(rn.Attribute, &onnx.AttributeProto{Name: a.Name, F: a.F, I: a.I, Ints: a.Ints, Type: onnx.AttributeProto_AttributeType(a.Type)})
			}
			rg.Node = append(rg.Node, rn)
		}
		for _, t := range g.Initializer {
			rg.Initializer = append(rg.Initializer, &onnx.TensorProto{Dims: t.Dims, DataType: t.DataType, FloatData: t.FloatData,
				Name: t.Name, RawData: t.RawData, DataLocation: onnx.TensorProto_DataLocation(t.DataLocation)})
		}
		vi := func(vs []onnxpb.ValueInfo) (out []*onnx.ValueInfoProto) {
			for _, v := range vs {
				rv := &onnx.ValueInfoProto{Name: v.Name}
				if v.Type != nil {
					rv.Type = &onnx.TypeProto{}
					if tt := v.Type.Tensor; tt != nil {
						rt := &onnx.TypeProto_Tensor{ElemType: tt.ElemType}
						if tt.Shape != nil {
							rt.Shape = &onnx.TensorShapeProto{}
							for _, d := range tt.Shape.Dim {
								rd := &onnx.TensorShapeProto_Dimension{}
								switch d.Kind {
								case onnxpb.DimValue:
									rd.Value = &onnx.TensorShapeProto_Dimension_DimValue{DimValue: d.Value}
								case onnxpb.DimParam:
									rd.Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: d.Param}
								}
								rt.Shape.Dim = append(rt.Shape.Dim, rd)
							}
						}
						rv.Type.Value = &onnx.TypeProto_TensorType{TensorType: rt}
					}
				}
				out = append(out, rv)
			}
			return out
		}
		rg.Input, rg.Output = vi(g.Input), vi(g.Output)
		r.Graph = rg
	}
	for _, o := range m.OpsetImport {
		r.OpsetImport = append(r.OpsetImport, &onnx.OperatorSetIdProto{Domain: o.Domain, Version: o.Version})
	}
	for _, kv := range m.MetadataProps {
		r.MetadataProps = append(r.MetadataProps, &onnx.StringStringEntryProto{Key: kv.Key, Value: kv.Value})
	}
	return r
}

func fromGonnx(r *onnx.ModelProto) *onnxpb.Model {
	m := &onnxpb.Model{IRVersion: r.IrVersion, ProducerName: r.ProducerName, ProducerVersion: r.ProducerVersion}
	if rg := r.Graph; rg != nil {
		g := &onnxpb.Graph{Name: rg.Name}
		for _, rn := range rg.Node {
			n := onnxpb.Node{Input: rn.Input, Output: rn.Output, Name: rn.Name, OpType: rn.OpType, Domain: rn.Domain}
			for _, a := range rn.Attribute {
				n.Attribute = append(n.Attribute, onnxpb.Attribute{Name: a.Name, F: a.F, I: a.I, Ints: a.Ints, Type: int32(a.Type)})
			}
			g.Node = append(g.Node, n)
		}
		for _, t := range rg.Initializer {
			g.Initializer = append(g.Initializer, onnxpb.Tensor{Dims: t.Dims, DataType: t.DataType, FloatData: t.FloatData,
				Name: t.Name, RawData: t.RawData, DataLocation: int32(t.DataLocation)})
		}
		vi := func(rvs []*onnx.ValueInfoProto) (out []onnxpb.ValueInfo) {
			for _, rv := range rvs {
				v := onnxpb.ValueInfo{Name: rv.Name}
				if rv.Type != nil {
					v.Type = &onnxpb.Type{}
					if rt := rv.Type.GetTensorType(); rt != nil {
						v.Type.Tensor = &onnxpb.TensorType{ElemType: rt.ElemType}
						if rt.Shape != nil {
							v.Type.Tensor.Shape = &onnxpb.Shape{}
							for _, rd := range rt.Shape.Dim {
								var d onnxpb.Dimension
								switch x := rd.Value.(type) {
								case *onnx.TensorShapeProto_Dimension_DimValue:
									d = onnxpb.Dimension{Kind: onnxpb.DimValue, Value: x.DimValue}
								case *onnx.TensorShapeProto_Dimension_DimParam:
									d = onnxpb.Dimension{Kind: onnxpb.DimParam, Param: x.DimParam}
								}
								v.Type.Tensor.Shape.Dim = append(v.Type.Tensor.Shape.Dim, d)
							}
						}
					}
				}
				out = append(out, v)
			}
			return out
		}
		g.Input, g.Output = vi(rg.Input), vi(rg.Output)
		m.Graph = g
	}
	for _, o := range r.OpsetImport {
		m.OpsetImport = append(m.OpsetImport, onnxpb.OperatorSetID{Domain: o.Domain, Version: o.Version})
	}
	for _, kv := range r.MetadataProps {
		m.MetadataProps = append(m.MetadataProps, onnxpb.StringStringEntry{Key: kv.Key, Value: kv.Value})
	}
	return m
}

func reference(t testing.TB, r *onnx.ModelProto) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dims(ds ...any) *onnxpb.Type {
	s := &onnxpb.Shape{}
	for _, d := range ds {
		switch x := d.(type) {
		case int:
			s.Dim = append(s.Dim, onnxpb.Dimension{Kind: onnxpb.DimValue, Value: int64(x)})
		case string:
			s.Dim = append(s.Dim, onnxpb.Dimension{Kind: onnxpb.DimParam, Param: x})
		default:
			s.Dim = append(s.Dim, onnxpb.Dimension{})
		}
	}
	return &onnxpb.Type{Tensor: &onnxpb.TensorType{ElemType: onnxpb.DataTypeFloat, Shape: s}}
}

// sampleModels covers every kept field, with the values where protobuf's
// encoding has special cases: zero scalars and empty strings (omitted),
// negative numbers (ten-byte varints), -0 and NaN floats (written),
// zero and empty oneof members (written), empty messages, empty repeated
// strings.
func sampleModels() map[string]*onnxpb.Model {
	full := &onnxpb.Model{
		IRVersion: 7, ProducerName: "gokernel-mlstd", ProducerVersion: "1",
		Graph: &onnxpb.Graph{
			Name: "g",
			Node: []onnxpb.Node{
				{Input: []string{"input", "w", ""}, Output: []string{"h"}, Name: "/0/Gemm", OpType: "Gemm", Domain: "ai.onnx",
					Attribute: []onnxpb.Attribute{{Name: "transB", Type: onnxpb.AttributeInt, I: 1}, {Name: "alpha", Type: 1, F: 0.5}}},
				{Input: []string{"h"}, Output: []string{"output"}, OpType: "Softmax",
					Attribute: []onnxpb.Attribute{{Name: "axis", Type: onnxpb.AttributeInt, I: 0}, {Name: "neg", I: -3, F: float32(math.Copysign(0, -1))},
						{Name: "perm", Type: onnxpb.AttributeInts, Ints: []int64{1, 0, -1, 1 << 40}}, {Name: "nan", F: float32(math.NaN())}}},
				{},
			},
			Initializer: []onnxpb.Tensor{
				{Name: "w", Dims: []int64{2, 3}, DataType: onnxpb.DataTypeFloat, RawData: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}},
				{Name: "b", Dims: []int64{2}, DataType: onnxpb.DataTypeFloat, FloatData: []float32{1.5, -2}},
				{Name: "scalar", DataType: onnxpb.DataTypeFloat, FloatData: []float32{0}},
				{Name: "ext", Dims: []int64{0}, DataType: onnxpb.DataTypeFloat, DataLocation: onnxpb.DataLocationExternal},
			},
			Input: []onnxpb.ValueInfo{
				{Name: "input", Type: dims("batch", 3, 0, nil, "")},
				{Name: "untyped"},
				{Name: "empty type", Type: &onnxpb.Type{}},
				{Name: "no shape", Type: &onnxpb.Type{Tensor: &onnxpb.TensorType{ElemType: 7}}},
				{Name: "rank 0", Type: &onnxpb.Type{Tensor: &onnxpb.TensorType{Shape: &onnxpb.Shape{}}}},
			},
			Output: []onnxpb.ValueInfo{{Name: "output", Type: dims("batch", -1)}},
		},
		OpsetImport:   []onnxpb.OperatorSetID{{Version: 13}, {Domain: "com.example", Version: 1}, {}},
		MetadataProps: []onnxpb.StringStringEntry{{Key: "mlstd.sha256", Value: strings.Repeat("ab", 32)}, {Key: "k"}, {Value: "v"}},
	}
	return map[string]*onnxpb.Model{
		"full":        full,
		"empty model": {},
		"empty graph": {Graph: &onnxpb.Graph{}},
		"large":       {IRVersion: -1, Graph: &onnxpb.Graph{Initializer: []onnxpb.Tensor{{Dims: []int64{1 << 20}, RawData: make([]byte, 1<<20)}}}},
	}
}

// TestMarshalMatchesProtobuf checks that the encoding is byte for byte
// protobuf's deterministic encoding of the same message, and that
// decoding gives back the same message.
func TestMarshalMatchesProtobuf(t *testing.T) {
	for name, m := range sampleModels() {
		t.Run(name, func(t *testing.T) {
			got, want := m.Marshal(), reference(t, toGonnx(m))
			if !bytes.Equal(got, want) {
				t.Fatalf("encoding differs from protobuf's (%d vs %d bytes)\n got %x\nwant %x", len(got), len(want), trim(got), trim(want))
			}
			if m.Graph != nil {
				g, gw := m.Graph.Marshal(), reference(t, &onnx.ModelProto{Graph: toGonnx(m).Graph})
				if !bytes.Contains(gw, g) || len(gw)-len(g) > 6 {
					t.Fatalf("graph encoding is not the embedded graph field")
				}
			}
			back, err := onnxpb.Unmarshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if again := back.Marshal(); !bytes.Equal(again, got) {
				t.Fatalf("decode+encode changed the bytes")
			}
			if ref := fromGonnx(toGonnx(m)); !bytes.Equal(ref.Marshal(), got) {
				t.Fatalf("converters lose fields")
			}
		})
	}
}

func trim(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}

// handEncoded are encodings protobuf's Marshal does not write but a
// decoder must accept: unpacked repeated numbers (proto2, as PyTorch and
// the onnx Python package write them), explicit zeros, fields twice
// (merged), unknown fields and groups, a oneof member replaced.
func handEncoded() map[string][]byte {
	msg := func(num protowire.Number, body []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), body)
	}
	vint := func(num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
	}
	f32 := func(num protowire.Number, v float32) []byte {
		return protowire.AppendFixed32(protowire.AppendTag(nil, num, protowire.Fixed32Type), math.Float32bits(v))
	}
	str := func(num protowire.Number, s string) []byte { return msg(num, []byte(s)) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tensor := cat(vint(1, 2), vint(1, 3), vint(2, 1), f32(4, 1), f32(4, 2), msg(4, cat(f32(0, 3)[1:], f32(0, 4)[1:], f32(0, 5)[1:], f32(0, 6)[1:])), str(8, "w"),
		vint(14, 0), str(12, "doc"), vint(3, 7))
	dim := func(v uint64) []byte { return msg(1, vint(1, v)) }
	typ := msg(1, cat(vint(1, 1), msg(2, cat(msg(1, cat(vint(1, 5), str(2, "batch"))), dim(0), dim(3)))))
	group := cat(protowire.AppendTag(nil, 99, protowire.StartGroupType), vint(1, 1), protowire.AppendTag(nil, 99, protowire.EndGroupType))
	node := cat(str(1, "x"), str(1, "w"), str(2, "y"), str(4, "Gemm"), msg(5, cat(str(1, "transB"), vint(3, 1), vint(20, 2), vint(8, 1), vint(8, 0))), str(6, "doc"), vint(4, 9))
	graph := cat(msg(1, node), msg(5, tensor), msg(11, cat(str(1, "x"), msg(2, typ))), msg(12, cat(str(1, "y"), msg(2, cat(typ, msg(4, nil))))), group)
	return map[string][]byte{
		"proto2 style": cat(vint(1, 7), msg(8, cat(str(1, ""), vint(2, 13))), msg(7, graph), str(6, "doc"), msg(14, cat(str(1, "k"), str(2, "v")))),
		"graph twice":  cat(msg(7, cat(str(2, "a"), msg(1, node))), vint(1, 0), msg(7, cat(str(2, "b"), msg(1, node)))),
		"type twice":   cat(msg(7, msg(11, cat(msg(2, typ), msg(2, msg(1, msg(2, dim(9)))))))),
		"wrong wire":   cat(str(1, "x"), f32(2, 1), msg(7, cat(vint(2, 3), f32(1, 2), msg(5, cat(str(1, "t"), vint(9, 4), str(14, "z"))))), vint(8, 1)),
	}
}

// TestUnmarshalMatchesProtobuf decodes files protobuf's Marshal would not
// write and compares with protobuf's decoding of the kept fields.
func TestUnmarshalMatchesProtobuf(t *testing.T) {
	for name, b := range handEncoded() {
		t.Run(name, func(t *testing.T) {
			if err := compareWithProtobuf(t, b); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// compareWithProtobuf checks onnxpb.Unmarshal against protobuf's decoding: if
// protobuf accepts b, onnxpb.Unmarshal must, with the same kept fields. It returns
// onnxpb.Unmarshal's error if both refuse b.
func compareWithProtobuf(t testing.TB, b []byte) error {
	t.Helper()
	m, err := onnxpb.Unmarshal(b)
	var r onnx.ModelProto
	rerr := proto.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, &r)
	if rerr == nil && err != nil {
		t.Fatalf("protobuf decodes %x, onnxpb.Unmarshal refuses: %v", trim(b), err)
	}
	if err != nil {
		return err
	}
	enc := m.Marshal()
	if rerr == nil {
		if want := reference(t, toGonnx(fromGonnx(&r))); !bytes.Equal(enc, want) {
			t.Fatalf("decoded differently from protobuf: %x\n re-encoded %x\n protobuf   %x", trim(b), trim(enc), trim(want))
		}
	}
	again, err := onnxpb.Unmarshal(enc)
	if err != nil {
		t.Fatalf("re-encoding of %x does not decode: %v", trim(b), err)
	}
	if !bytes.Equal(again.Marshal(), enc) {
		t.Fatalf("re-encoding of %x is not stable", trim(b))
	}
	return nil
}

func TestUnmarshalErrors(t *testing.T) {
	good := sampleModels()["full"].Marshal()
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"truncated", good[:len(good)-3], "ModelProto field 14"},
		{"raw_data past the tensor's end", []byte{0x3a, 0x06, 0x2a, 0x04, 0x4a, 0x05, 1, 2}, "ModelProto field 7: GraphProto field 5: TensorProto field 9: unexpected EOF"},
		{"bad tag", []byte{0x80}, "ModelProto: field tag"},
		{"field 0", []byte{0x00, 0x01}, "ModelProto: field tag"},
		{"stray end group", []byte{0x0c}, "ModelProto"},
		{"varint overflow", append([]byte{0x08}, bytes.Repeat([]byte{0xff}, 11)...), "ModelProto field 1"},
		{"invalid UTF-8", []byte{0x12, 0x01, 0xff}, "UTF-8"},
		{"packed floats of 3 bytes", []byte{0x3a, 0x07, 0x2a, 0x05, 0x22, 0x03, 1, 2, 3}, "not a multiple of 4"},
		{"length past the end", []byte{0x3a, 0x7f}, "ModelProto field 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := onnxpb.Unmarshal(tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("onnxpb.Unmarshal error = %v, want one containing %q", err, tc.want)
			}
			compareWithProtobuf(t, tc.b)
		})
	}
}

// FuzzUnmarshal: no input panics; whatever protobuf (gonnx's generated
// types) decodes, onnxpb.Unmarshal decodes to the same kept fields; whatever
// onnxpb.Unmarshal decodes re-encodes stably.
func FuzzUnmarshal(f *testing.F) {
	for _, m := range sampleModels() {
		if b := m.Marshal(); len(b) < 1<<16 {
			f.Add(b)
		}
	}
	for _, b := range handEncoded() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareWithProtobuf(t, b)
	})
}
