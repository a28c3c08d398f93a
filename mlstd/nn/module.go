// Package nn holds neural-network layers, containers and losses built on
// package tensor, named after PyTorch's torch.nn.
package nn

import "github.com/gokernel/gokernel/mlstd/tensor"

// Module is a layer or a model: it maps an input batch to an output batch
// and owns zero or more trainable parameters.
type Module interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
	Parameters() []*tensor.Tensor
}

// Param is a parameter with its PyTorch-style state-dict name, such as
// "0.weight" for the weight of the first layer of a Sequential.
type Param struct {
	Name   string
	Tensor *tensor.Tensor
}

// Named is implemented by modules that can name their parameters; export
// and checkpointing rely on it.
type Named interface {
	NamedParameters() []Param
}

// Buffered is implemented by modules with buffers: state that is saved and
// loaded with the parameters but not trained (torch's register_buffer),
// such as BatchNorm's running statistics. Loading copies into the buffer
// tensors in place, so they keep their identity.
type Buffered interface {
	NamedBuffers() []Param
}
