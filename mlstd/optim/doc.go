// Package optim holds optimizers and learning-rate schedules named after
// torch.optim, with PyTorch's update rules so that trajectories compare.
//
// An optimizer holds the parameter list given at construction, reads each
// parameter's Grad on Step and updates its Data in place; ZeroGrad zeroes
// the gradients in place (torch 1.13's default, set_to_none=False), so
// their memory is reused from step to step. The training loop is the usual
// one:
//
//	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
//	opt.ZeroGrad()
//	loss := nn.CrossEntropy(model.Forward(x), y)
//	loss.Backward()
//	opt.Step()
//
// SGD and Adam/AdamW follow torch's single-tensor code paths operation by
// operation in float32, including where torch's vectorised kernels fuse a
// multiply-add, so 100 steps from the same weights agree with torch's
// within 1e-5 relative (measured worst: 3e-6; see torch_test.go). The SGD
// update runs as whole-tensor vector kernels (AVX2/FMA assembly on amd64,
// one fused pass for plain momentum) with torch's roundings.
//
// Checkpoints: StateDict returns the optimizer state as named float32
// tensors with torch's keys ("lr", "step", "state.<i>.momentum_buffer",
// "state.<i>.exp_avg", …, i being the parameter's position; "lr_residual"
// holds the bits of the float64 rate that float32 drops) and LoadStateDict
// restores it, so that 50 steps + save + load + 50 steps equal 100 steps bit
// for bit; package export stores them beside the model.
//
// Schedulers (StepLR, CosineAnnealingLR) change an optimizer's rate through
// the Optimizer interface; call their Step once per epoch.
package optim
