package onnxpb

import (
	"fmt"
	"math"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Values of AttributeProto.type, TensorProto.data_type and
// TensorProto.data_location used by mlstd/export.
const (
	AttributeFloat = 1 // AttributeProto.FLOAT
	AttributeInt   = 2 // AttributeProto.INT
	AttributeInts  = 7 // AttributeProto.INTS

	DataTypeFloat = 1 // TensorProto.FLOAT
	DataTypeInt64 = 7 // TensorProto.INT64

	DataLocationExternal = 1 // TensorProto.EXTERNAL
)

// Model is an ONNX ModelProto: ir_version (1), producer_name (2),
// producer_version (3), graph (7), opset_import (8), metadata_props (14).
type Model struct {
	IRVersion       int64
	ProducerName    string
	ProducerVersion string
	Graph           *Graph
	OpsetImport     []OperatorSetID
	MetadataProps   []StringStringEntry
}

// Graph is an ONNX GraphProto: node (1), name (2), initializer (5),
// input (11), output (12).
type Graph struct {
	Node        []Node
	Name        string
	Initializer []Tensor
	Input       []ValueInfo
	Output      []ValueInfo
}

// Node is an ONNX NodeProto: input (1), output (2), name (3),
// op_type (4), attribute (5), domain (7).
type Node struct {
	Input     []string
	Output    []string
	Name      string
	OpType    string
	Attribute []Attribute
	Domain    string
}

// Attribute is an ONNX AttributeProto: name (1), f (2), i (3), t (5, a
// Constant node's value), ints (8), type (20).
type Attribute struct {
	Name string
	F    float32
	I    int64
	T    *Tensor
	Ints []int64
	Type int32
}

// Tensor is an ONNX TensorProto: dims (1), data_type (2), float_data (4),
// name (8), raw_data (9), data_location (14).
type Tensor struct {
	Dims         []int64
	DataType     int32
	FloatData    []float32
	Name         string
	RawData      []byte
	DataLocation int32
}

// ValueInfo is an ONNX ValueInfoProto: name (1), type (2).
type ValueInfo struct {
	Name string
	Type *Type
}

// Type is an ONNX TypeProto with one member of its value oneof:
// tensor_type (1). A file whose type is another member (sequence, map,
// optional, sparse tensor) decodes with Tensor nil.
type Type struct {
	Tensor *TensorType
}

// TensorType is an ONNX TypeProto.Tensor: elem_type (1), shape (2).
type TensorType struct {
	ElemType int32
	Shape    *Shape
}

// Shape is an ONNX TensorShapeProto: dim (1).
type Shape struct {
	Dim []Dimension
}

// DimKind says which member of a Dimension's value oneof is set.
type DimKind uint8

// The members of TensorShapeProto.Dimension's value oneof.
const (
	DimUnset DimKind = iota // neither: an unknown dimension
	DimValue                // dim_value (1)
	DimParam                // dim_param (2), a symbolic dimension
)

// Dimension is an ONNX TensorShapeProto.Dimension: the oneof of
// dim_value (1) and dim_param (2).
type Dimension struct {
	Kind  DimKind
	Value int64  // when Kind is DimValue
	Param string // when Kind is DimParam
}

// OperatorSetID is an ONNX OperatorSetIdProto: domain (1), version (2).
type OperatorSetID struct {
	Domain  string
	Version int64
}

// StringStringEntry is an ONNX StringStringEntryProto: key (1), value (2).
type StringStringEntry struct {
	Key   string
	Value string
}

// Marshal returns the canonical encoding of m.
func (m *Model) Marshal() []byte { return marshal(m) }

// Marshal returns the canonical encoding of g, the bytes that Model.Marshal
// embeds as the graph field.
func (g *Graph) Marshal() []byte { return marshal(g) }

// Unmarshal decodes an ONNX ModelProto. The RawData of its tensors share
// memory with b.
func Unmarshal(b []byte) (*Model, error) {
	m := &Model{}
	if err := m.unmarshal(b); err != nil {
		return nil, err
	}
	return m, nil
}

// --- encoding

type message interface{ encode(*encoder) }

// encoder appends fields to b, or, when sizing, only counts their bytes
// in n (to prefix an embedded message with its length).
type encoder struct {
	b      []byte
	n      int
	sizing bool
}

func marshal(m message) []byte {
	s := encoder{sizing: true}
	m.encode(&s)
	e := encoder{b: make([]byte, 0, s.n)}
	m.encode(&e)
	return e.b
}

func (e *encoder) tag(num protowire.Number, typ protowire.Type) {
	e.uvarint(protowire.EncodeTag(num, typ))
}

func (e *encoder) uvarint(v uint64) {
	if e.sizing {
		e.n += protowire.SizeVarint(v)
	} else {
		e.b = protowire.AppendVarint(e.b, v)
	}
}

func (e *encoder) raw(p []byte) {
	e.uvarint(uint64(len(p)))
	if e.sizing {
		e.n += len(p)
	} else {
		e.b = append(e.b, p...)
	}
}

// varint writes a non-zero int64 or int32 (sign-extended, as protobuf does).
func (e *encoder) varint(num protowire.Number, v int64) {
	if v != 0 {
		e.tag(num, protowire.VarintType)
		e.uvarint(uint64(v))
	}
}

func (e *encoder) float(num protowire.Number, v float32) {
	if v == 0 && !math.Signbit(float64(v)) {
		return
	}
	e.tag(num, protowire.Fixed32Type)
	if e.sizing {
		e.n += 4
	} else {
		e.b = protowire.AppendFixed32(e.b, math.Float32bits(v))
	}
}

func (e *encoder) bytes(num protowire.Number, p []byte) {
	if len(p) > 0 {
		e.tag(num, protowire.BytesType)
		e.raw(p)
	}
}

func (e *encoder) string(num protowire.Number, s string) {
	if s != "" {
		e.tag(num, protowire.BytesType)
		e.uvarint(uint64(len(s)))
		if e.sizing {
			e.n += len(s)
		} else {
			e.b = append(e.b, s...)
		}
	}
}

func (e *encoder) strings(num protowire.Number, ss []string) {
	for _, s := range ss {
		e.tag(num, protowire.BytesType)
		e.uvarint(uint64(len(s)))
		if e.sizing {
			e.n += len(s)
		} else {
			e.b = append(e.b, s...)
		}
	}
}

func (e *encoder) packedVarints(num protowire.Number, vs []int64) {
	if len(vs) == 0 {
		return
	}
	n := 0
	for _, v := range vs {
		n += protowire.SizeVarint(uint64(v))
	}
	e.tag(num, protowire.BytesType)
	e.uvarint(uint64(n))
	for _, v := range vs {
		e.uvarint(uint64(v))
	}
}

func (e *encoder) packedFloats(num protowire.Number, vs []float32) {
	if len(vs) == 0 {
		return
	}
	e.tag(num, protowire.BytesType)
	e.uvarint(uint64(4 * len(vs)))
	if e.sizing {
		e.n += 4 * len(vs)
		return
	}
	for _, v := range vs {
		e.b = protowire.AppendFixed32(e.b, math.Float32bits(v))
	}
}

// message writes an embedded message (also when it is empty: its presence
// is what a set message field or oneof member means).
func (e *encoder) message(num protowire.Number, m message) {
	e.tag(num, protowire.BytesType)
	if e.sizing {
		n0 := e.n
		m.encode(e)
		e.n += protowire.SizeVarint(uint64(e.n - n0))
		return
	}
	s := encoder{sizing: true}
	m.encode(&s)
	e.uvarint(uint64(s.n))
	m.encode(e)
}

func (m *Model) encode(e *encoder) {
	e.varint(1, m.IRVersion)
	e.string(2, m.ProducerName)
	e.string(3, m.ProducerVersion)
	if m.Graph != nil {
		e.message(7, m.Graph)
	}
	for i := range m.OpsetImport {
		e.message(8, &m.OpsetImport[i])
	}
	for i := range m.MetadataProps {
		e.message(14, &m.MetadataProps[i])
	}
}

func (g *Graph) encode(e *encoder) {
	for i := range g.Node {
		e.message(1, &g.Node[i])
	}
	e.string(2, g.Name)
	for i := range g.Initializer {
		e.message(5, &g.Initializer[i])
	}
	for i := range g.Input {
		e.message(11, &g.Input[i])
	}
	for i := range g.Output {
		e.message(12, &g.Output[i])
	}
}

func (n *Node) encode(e *encoder) {
	e.strings(1, n.Input)
	e.strings(2, n.Output)
	e.string(3, n.Name)
	e.string(4, n.OpType)
	for i := range n.Attribute {
		e.message(5, &n.Attribute[i])
	}
	e.string(7, n.Domain)
}

func (a *Attribute) encode(e *encoder) {
	e.string(1, a.Name)
	e.float(2, a.F)
	e.varint(3, a.I)
	if a.T != nil {
		e.message(5, a.T)
	}
	e.packedVarints(8, a.Ints)
	e.varint(20, int64(a.Type))
}

func (t *Tensor) encode(e *encoder) {
	e.packedVarints(1, t.Dims)
	e.varint(2, int64(t.DataType))
	e.packedFloats(4, t.FloatData)
	e.string(8, t.Name)
	e.bytes(9, t.RawData)
	e.varint(14, int64(t.DataLocation))
}

func (v *ValueInfo) encode(e *encoder) {
	e.string(1, v.Name)
	if v.Type != nil {
		e.message(2, v.Type)
	}
}

func (t *Type) encode(e *encoder) {
	if t.Tensor != nil {
		e.message(1, t.Tensor)
	}
}

func (t *TensorType) encode(e *encoder) {
	e.varint(1, int64(t.ElemType))
	if t.Shape != nil {
		e.message(2, t.Shape)
	}
}

func (s *Shape) encode(e *encoder) {
	for i := range s.Dim {
		e.message(1, &s.Dim[i])
	}
}

func (d *Dimension) encode(e *encoder) {
	switch d.Kind {
	case DimValue:
		e.tag(1, protowire.VarintType)
		e.uvarint(uint64(d.Value))
	case DimParam:
		e.tag(2, protowire.BytesType)
		e.uvarint(uint64(len(d.Param)))
		if e.sizing {
			e.n += len(d.Param)
		} else {
			e.b = append(e.b, d.Param...)
		}
	}
}

func (o *OperatorSetID) encode(e *encoder) {
	e.string(1, o.Domain)
	e.varint(2, o.Version)
}

func (s *StringStringEntry) encode(e *encoder) {
	e.string(1, s.Key)
	e.string(2, s.Value)
}

// --- decoding

// fieldFunc decodes the value of one field from the start of b and returns
// how many bytes it used; 0 means the field is not one it keeps (unknown
// number or unexpected wire type), and the caller skips it.
type fieldFunc func(num protowire.Number, typ protowire.Type, b []byte) (int, error)

// fields calls f for each field of the message encoded in b.
func fields(what string, b []byte, f fieldFunc) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%s: field tag: %v", what, protowire.ParseError(n))
		}
		b = b[n:]
		n, err := f(num, typ, b)
		if err != nil {
			return fmt.Errorf("%s field %d: %w", what, num, err)
		}
		if n == 0 {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return fmt.Errorf("%s field %d: %v", what, num, protowire.ParseError(n))
			}
		}
		b = b[n:]
	}
	return nil
}

func wireErr(n int) error { return protowire.ParseError(n) }

func getVarint(b []byte, dst *int64) (int, error) {
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, wireErr(n)
	}
	*dst = int64(v)
	return n, nil
}

func getInt32(b []byte, dst *int32) (int, error) {
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, wireErr(n)
	}
	*dst = int32(v)
	return n, nil
}

func getBytes(b []byte) ([]byte, int, error) {
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, 0, wireErr(n)
	}
	return v, n, nil
}

func getString(b []byte, dst *string) (int, error) {
	v, n, err := getBytes(b)
	if err != nil {
		return 0, err
	}
	if !utf8.Valid(v) {
		return 0, fmt.Errorf("string is not valid UTF-8")
	}
	*dst = string(v)
	return n, nil
}

func appendString(b []byte, dst *[]string) (int, error) {
	var s string
	n, err := getString(b, &s)
	if err == nil {
		*dst = append(*dst, s)
	}
	return n, err
}

// getVarints appends a repeated int64 field's value, packed (BytesType)
// or a single varint.
func getVarints(typ protowire.Type, b []byte, dst *[]int64) (int, error) {
	if typ == protowire.VarintType {
		var v int64
		n, err := getVarint(b, &v)
		if err == nil {
			*dst = append(*dst, v)
		}
		return n, err
	}
	p, n, err := getBytes(b)
	if err != nil {
		return 0, err
	}
	for len(p) > 0 {
		v, k := protowire.ConsumeVarint(p)
		if k < 0 {
			return 0, wireErr(k)
		}
		*dst = append(*dst, int64(v))
		p = p[k:]
	}
	return n, nil
}

// getFloats appends a repeated float field's value, packed or a single
// fixed32.
func getFloats(typ protowire.Type, b []byte, dst *[]float32) (int, error) {
	if typ == protowire.Fixed32Type {
		v, n := protowire.ConsumeFixed32(b)
		if n < 0 {
			return 0, wireErr(n)
		}
		*dst = append(*dst, math.Float32frombits(v))
		return n, nil
	}
	p, n, err := getBytes(b)
	if err != nil {
		return 0, err
	}
	if len(p)%4 != 0 {
		return 0, fmt.Errorf("packed floats: %d bytes is not a multiple of 4", len(p))
	}
	for i := 0; i < len(p); i += 4 {
		v, _ := protowire.ConsumeFixed32(p[i:])
		*dst = append(*dst, math.Float32frombits(v))
	}
	return n, nil
}

// getMessage decodes an embedded message into m (merging, as protobuf does
// when a message field appears more than once).
func getMessage(b []byte, m interface{ unmarshal([]byte) error }) (int, error) {
	p, n, err := getBytes(b)
	if err != nil {
		return 0, err
	}
	return n, m.unmarshal(p)
}

// is reports whether a field is number num with wire type want.
func is(num protowire.Number, typ protowire.Type, wantNum protowire.Number, want protowire.Type) bool {
	return num == wantNum && typ == want
}

const (
	varintT = protowire.VarintType
	bytesT  = protowire.BytesType
	fixed32 = protowire.Fixed32Type
)

// repeated reports whether typ is a valid wire type for a repeated number
// field whose elements have wire type elem.
func repeated(typ, elem protowire.Type) bool { return typ == elem || typ == bytesT }

func (m *Model) unmarshal(b []byte) error {
	return fields("ModelProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case is(num, typ, 1, varintT):
			return getVarint(b, &m.IRVersion)
		case is(num, typ, 2, bytesT):
			return getString(b, &m.ProducerName)
		case is(num, typ, 3, bytesT):
			return getString(b, &m.ProducerVersion)
		case is(num, typ, 7, bytesT):
			if m.Graph == nil {
				m.Graph = &Graph{}
			}
			return getMessage(b, m.Graph)
		case is(num, typ, 8, bytesT):
			m.OpsetImport = append(m.OpsetImport, OperatorSetID{})
			return getMessage(b, &m.OpsetImport[len(m.OpsetImport)-1])
		case is(num, typ, 14, bytesT):
			m.MetadataProps = append(m.MetadataProps, StringStringEntry{})
			return getMessage(b, &m.MetadataProps[len(m.MetadataProps)-1])
		}
		return 0, nil
	})
}

func (g *Graph) unmarshal(b []byte) error {
	return fields("GraphProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case is(num, typ, 1, bytesT):
			g.Node = append(g.Node, Node{})
			return getMessage(b, &g.Node[len(g.Node)-1])
		case is(num, typ, 2, bytesT):
			return getString(b, &g.Name)
		case is(num, typ, 5, bytesT):
			g.Initializer = append(g.Initializer, Tensor{})
			return getMessage(b, &g.Initializer[len(g.Initializer)-1])
		case is(num, typ, 11, bytesT):
			g.Input = append(g.Input, ValueInfo{})
			return getMessage(b, &g.Input[len(g.Input)-1])
		case is(num, typ, 12, bytesT):
			g.Output = append(g.Output, ValueInfo{})
			return getMessage(b, &g.Output[len(g.Output)-1])
		}
		return 0, nil
	})
}

func (n *Node) unmarshal(b []byte) error {
	return fields("NodeProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case is(num, typ, 1, bytesT):
			return appendString(b, &n.Input)
		case is(num, typ, 2, bytesT):
			return appendString(b, &n.Output)
		case is(num, typ, 3, bytesT):
			return getString(b, &n.Name)
		case is(num, typ, 4, bytesT):
			return getString(b, &n.OpType)
		case is(num, typ, 5, bytesT):
			n.Attribute = append(n.Attribute, Attribute{})
			return getMessage(b, &n.Attribute[len(n.Attribute)-1])
		case is(num, typ, 7, bytesT):
			return getString(b, &n.Domain)
		}
		return 0, nil
	})
}

func (a *Attribute) unmarshal(b []byte) error {
	return fields("AttributeProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case is(num, typ, 1, bytesT):
			return getString(b, &a.Name)
		case is(num, typ, 2, fixed32):
			v, n := protowire.ConsumeFixed32(b)
			if n < 0 {
				return 0, wireErr(n)
			}
			a.F = math.Float32frombits(v)
			return n, nil
		case is(num, typ, 3, varintT):
			return getVarint(b, &a.I)
		case is(num, typ, 5, bytesT):
			if a.T == nil {
				a.T = &Tensor{}
			}
			return getMessage(b, a.T)
		case num == 8 && repeated(typ, varintT):
			return getVarints(typ, b, &a.Ints)
		case is(num, typ, 20, varintT):
			return getInt32(b, &a.Type)
		}
		return 0, nil
	})
}

func (t *Tensor) unmarshal(b []byte) error {
	return fields("TensorProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case num == 1 && repeated(typ, varintT):
			return getVarints(typ, b, &t.Dims)
		case is(num, typ, 2, varintT):
			return getInt32(b, &t.DataType)
		case num == 4 && repeated(typ, fixed32):
			return getFloats(typ, b, &t.FloatData)
		case is(num, typ, 8, bytesT):
			return getString(b, &t.Name)
		case is(num, typ, 9, bytesT):
			v, n, err := getBytes(b)
			t.RawData = v
			return n, err
		case is(num, typ, 14, varintT):
			return getInt32(b, &t.DataLocation)
		}
		return 0, nil
	})
}

func (v *ValueInfo) unmarshal(b []byte) error {
	return fields("ValueInfoProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case is(num, typ, 1, bytesT):
			return getString(b, &v.Name)
		case is(num, typ, 2, bytesT):
			if v.Type == nil {
				v.Type = &Type{}
			}
			return getMessage(b, v.Type)
		}
		return 0, nil
	})
}

func (t *Type) unmarshal(b []byte) error {
	return fields("TypeProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case is(num, typ, 1, bytesT):
			if t.Tensor == nil {
				t.Tensor = &TensorType{}
			}
			return getMessage(b, t.Tensor)
		case typ == bytesT && (num == 4 || num == 5 || num == 8 || num == 9):
			// sequence_type, map_type, sparse_tensor_type, optional_type:
			// another member of the oneof replaces tensor_type; the field
			// itself is skipped.
			t.Tensor = nil
		}
		return 0, nil
	})
}

func (t *TensorType) unmarshal(b []byte) error {
	return fields("TypeProto.Tensor", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case is(num, typ, 1, varintT):
			return getInt32(b, &t.ElemType)
		case is(num, typ, 2, bytesT):
			if t.Shape == nil {
				t.Shape = &Shape{}
			}
			return getMessage(b, t.Shape)
		}
		return 0, nil
	})
}

func (s *Shape) unmarshal(b []byte) error {
	return fields("TensorShapeProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		if is(num, typ, 1, bytesT) {
			s.Dim = append(s.Dim, Dimension{})
			return getMessage(b, &s.Dim[len(s.Dim)-1])
		}
		return 0, nil
	})
}

func (d *Dimension) unmarshal(b []byte) error {
	return fields("TensorShapeProto.Dimension", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case is(num, typ, 1, varintT):
			n, err := getVarint(b, &d.Value)
			d.Kind, d.Param = DimValue, ""
			return n, err
		case is(num, typ, 2, bytesT):
			n, err := getString(b, &d.Param)
			d.Kind, d.Value = DimParam, 0
			return n, err
		}
		return 0, nil
	})
}

func (o *OperatorSetID) unmarshal(b []byte) error {
	return fields("OperatorSetIdProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case is(num, typ, 1, bytesT):
			return getString(b, &o.Domain)
		case is(num, typ, 2, varintT):
			return getVarint(b, &o.Version)
		}
		return 0, nil
	})
}

func (s *StringStringEntry) unmarshal(b []byte) error {
	return fields("StringStringEntryProto", b, func(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
		switch {
		case is(num, typ, 1, bytesT):
			return getString(b, &s.Key)
		case is(num, typ, 2, bytesT):
			return getString(b, &s.Value)
		}
		return 0, nil
	})
}
