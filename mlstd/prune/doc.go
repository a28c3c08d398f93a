// Package prune removes weights from trained models: unstructured
// magnitude pruning by a threshold ε (the rule "remove every θ with
// |θ| < ε") or by a fraction, per tensor or global; structured pruning of
// whole hidden neurons; masks that keep removed weights at zero while the
// model is fine-tuned; and sparsity reports.
//
// # Pruning
//
// Magnitude(model, prune.Config{...}) zeroes the chosen entries at once and
// returns a *Mask; Threshold(model, eps) and Fraction(model, f) are the
// two common configurations. By default only weight matrices are pruned
// (parameters with two or more dimensions), as in most of the literature;
// Config.Biases includes biases and Config.Names picks parameters by name,
// for instance to spare the output layer, which is the most sensitive
// (on MNIST, removing 90% of every weight matrix including the output
// layer's costs far more accuracy than a threshold that removes as much
// overall). With Config.Global the entries of all
// weight tensors compete together, so layers with many small weights lose
// more. A Fraction is the share of entries that will be zero afterwards
// (already-zero entries count as pruned, so pruning 50% and then 80% gives
// 80%, not 90%).
//
// Neurons(model, f) is structured pruning: in each hidden Linear layer it
// removes the fraction f of neurons, and in each Conv2d layer the fraction
// f of output channels, with the smallest incoming weight norm, by zeroing
// the unit's weights (row or filter), its bias and batch-norm entries and
// the next layer's weights on it (a column, a block of columns after a
// Flatten, an input-channel slice of a convolution). Compact then rebuilds
// the Sequential without the dead units, so the model is smaller and
// faster, not just sparser.
//
// # Compacting
//
// Compact finds dead units from the weights alone, whatever pruned them: a
// unit is dead when the next Linear or Conv2d gives it only zero weights,
// or when it computes zero (zero weights and bias, and only layers that
// keep zero at zero up to that next layer). It deletes the unit's weights,
// bias and batch-norm entries (scale, shift, running statistics) and its
// inputs of the next layer; a Flatten after a convolution maps channel c
// to that layer's inputs c·h·w … (c+1)·h·w−1. The compacted model answers
// as the masked one up to float32 rounding, not bit for bit: the removed
// terms were exact zeros, but the next layer's products sum the remaining
// terms in a grouping that depends on how many there are. On MNIST, a
// LeNet-5 with half its channels and neurons removed goes from 61,706 to
// 15,738 parameters, and its logits on the 10,000 test images stay within
// 3e-6 of the masked model's with identical predictions
// (TestCompactLeNet5).
//
// # Keeping masks applied while fine-tuning
//
// PyTorch's torch.nn.utils.prune re-parametrises a pruned weight as
// weight_orig * mask and recomputes it in a forward pre-hook. mlstd keeps
// one tensor per parameter and no hooks instead: the Mask remembers the
// pruned positions, and the training loop calls Apply after each optimizer
// step to put them back to zero:
//
//	mask := prune.Threshold(model, 1e-2)
//	for b := train.Batches(64, true); b.Next(); {
//		opt.ZeroGrad()
//		nn.CrossEntropy(model.Forward(b.X()), b.Y()).Backward()
//		opt.Step()
//		mask.Apply() // pruned weights stay zero
//	}
//
// The forward passes of both schemes see the same effective weights, so
// the results match PyTorch's. Apply must follow Step (not precede it)
// because momentum and weight decay move pruned weights even when their
// gradient is zero. ApplyGrad zeroes the gradients of pruned positions
// for optimizers with adaptive state (Adam) where that matters; call it
// between Backward and Step. Apply costs one store per pruned entry. A
// Mask holds the tensors it was built from: if the optimizer or a loader
// replaces a parameter tensor, build a new mask. Masks combine with Merge.
//
// # Reports
//
// Sparsity(model) and Mask.Report() list per parameter its shape, entry
// count, zeros, sparsity and, for matrices, the all-zero rows (removed
// neurons), as text (String) and as an HTML table with bars (HTML), which
// a notebook shows when the report is a cell's value. One model-level
// figure is named: nn.WeightSparsity, the zeros among the weight tensors
// (biases excluded), which a default Mask's Sparsity and export's
// SaveCompact report both give (TestOneSparsity).
//
// Convolution weights (4-D) are weight tensors like Linear's: Magnitude,
// Fraction and Threshold prune them per tensor or globally, and Apply keeps
// them pruned while fine-tuning (TestPruneConv). Compact takes the
// nn.Module export.Load returns.
//
// Parameters are named with their state-dict names when the model
// implements nn.Named ("0.weight"), else "param0", "param1", ....
package prune
