// Package scratch lets mlstd's own packages tell package tensor that an
// intermediate result can be recycled: a hidden activation that a model
// computes and hands only to one of its own layers, so that nothing but
// the autograd graph will ever read it. Backward then puts its storage
// back into tensor's buffer pool when it frees the graph, and a training
// step leaves next to no garbage (the Go heap otherwise grows by as much
// as its live size, a whole data set, between collections). Without a
// graph (inference: nn.Infer, or under NoGrad) Done recycles it as soon
// as that layer has run, so evaluating a CNN on a large batch holds two activations at a
// time rather than leaving every layer's behind.
//
// It is internal, not a tensor method, because a wrong call corrupts data
// that a caller still holds: cells and outside code cannot reach it.
// Package tensor installs the implementation at init; without it Mark
// and Done do nothing.
package scratch
