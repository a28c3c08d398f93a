// Package parallel splits mlstd's work across cores. Run is the one loop
// in which the calling goroutine and up to GOMAXPROCS−1 helpers take
// indices from a shared counter; the matrix products use it (sgemm, by
// stripes of panels), the convolutions (tensor's forChunks, by ranges of
// samples, each with a scratch no concurrent range shares) and For, which
// cuts element-wise loops into ranges: max pooling (forward and backward,
// by plane) in package tensor.
//
// A loop over n indices is cut into a number of ranges that depends only
// on n and the work per index (Parts), never on GOMAXPROCS or timing; the
// calling goroutine and up to GOMAXPROCS−1 helper goroutines take ranges
// from a shared counter until none is left. A loop whose ranges write
// disjoint outputs, or that keeps one partial result per range and
// combines them in range order, so gives the same bits on one core or
// many, however the ranges were scheduled. The caller runs ranges too and
// For returns when every range is done, without waiting for a helper the
// OS has not scheduled yet: when the other cores are busy the caller
// simply runs the ranges itself, at the cost of a goroutine start.
//
// Small loops are not split: waking an idle core costs tens of
// microseconds on a loaded machine, so a range holds at least Grain
// elements' work (0.1–0.3 ms of a simple loop). With a grain of 2¹⁵
// LeNet-5's poolings (64×6×28×28 and 64×16×10×10, forward and backward)
// got slower on two cores, 145 to 157 µs and 46 to 69 µs (best of 8);
// with 2¹⁸ they stay on one. At most MaxParts ranges are made: enough
// that when one core is taken by another process the others take over
// its share, few enough that per-range partial results stay cheap.
//
// Only loops with arithmetic per byte gain. On the 2-core machine of issue
// 17, splitting the MNIST CNN's 2×2 max pooling with ReLU (64×64×24×24,
// forward and backward) took it from 2.0–2.1 ms to 1.3–1.5 ms (best of 8
// runs) at about the same CPU time. Dropout on its 64×9216 activations
// (mask and product split, backward not) went from 1.13 to 0.87 ms with
// the Go loop, but since its AVX2 kernel (0.31 ms for both passes) it
// gains nothing: 303 to 310 µs for 17 % more CPU time. The memory-bound
// passes gain little or nothing for much more CPU time, so they stay on
// one core: SGD's momentum update with ZeroGrad's clear over 1.2 M
// weights no faster for 20–90 % more CPU, Adam's update 0–15 % faster for
// 25–55 % more, dropout's backward product no faster. (BenchmarkStepSGDCNN and BenchmarkStepAdamCNN in
// mlstd/optim, BenchmarkDropoutCNN and BenchmarkMaxPoolReLUCNNStep in
// mlstd/tensor, with GOMAXPROCS 1 and 2 alternated.)
package parallel
