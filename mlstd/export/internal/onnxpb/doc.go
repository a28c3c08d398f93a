// Package onnxpb encodes and decodes the subset of ONNX's protobuf messages
// that mlstd/export writes and reads, directly on the protobuf wire format
// (google.golang.org/protobuf/encoding/protowire), so that a binary
// importing mlstd/export does not link a generated ONNX schema and its
// dependencies.
//
// The messages and field numbers are those of onnx.proto (as in gonnx
// v1.1.0's onnx.proto3, the reference of the tests: ModelProto,
// GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto,
// TypeProto, TensorShapeProto, OperatorSetIdProto, StringStringEntryProto);
// each Go struct holds only the fields listed in its comment.
//
// Encoding is canonical: fields in field-number order, scalars and strings
// only when not zero, repeated numbers packed, the dimension oneof written
// when set even if zero — byte for byte what google.golang.org/protobuf's
// deterministic Marshal writes for the same message under ONNX's proto3
// schema (the test module mlstd/export/onnxconformance compares the two).
// That makes Graph.Marshal usable for a checksum: decoding a file and
// encoding its graph again gives the bytes the writer hashed.
//
// Decoding follows protobuf's rules for the kept fields: the last value of
// a scalar wins, repeated fields append, a message that appears twice is
// merged, repeated numbers are accepted packed or not, strings must be
// valid UTF-8, and a field with an unexpected wire type is treated as
// unknown. Unknown fields are skipped (and so are not re-encoded).
// Truncated or malformed input is an error naming the message and field;
// decoding never panics (FuzzUnmarshal in mlstd/export/onnxconformance).
package onnxpb
