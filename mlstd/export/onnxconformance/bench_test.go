package onnxconformance

import (
	"testing"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/export/internal/exporttest"
	"github.com/gokernel/gokernel/mlstd/export/internal/onnxpb"
)

// The decoding of the 784-128-10 MNIST MLP's ONNX file (407 kB) by the hand
// codec, whose tensors' RawData share the input, and by protobuf driving
// generated types (gonnx's), which copies them.

func mlpONNX(b *testing.B) []byte {
	raw, err := export.ONNXBytes(exporttest.MLP(1, 128, nil), export.ONNXOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	return raw
}

func BenchmarkDecodeHandCodec(b *testing.B) {
	raw := mlpONNX(b)
	for b.Loop() {
		if _, err := onnxpb.Unmarshal(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGenerated(b *testing.B) {
	raw := mlpONNX(b)
	for b.Loop() {
		var m onnx.ModelProto
		if err := proto.Unmarshal(raw, &m); err != nil {
			b.Fatal(err)
		}
	}
}
