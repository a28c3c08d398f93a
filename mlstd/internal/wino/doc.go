// Package wino holds the tile transforms of Winograd's minimal filtering
// F(2×2, 3×3) and F(4×4, 3×3), which mlstd/tensor uses for 3×3 convolutions with
// stride 1 (tensor/winograd.go has the algorithm, the products and their layout).
//
// Each function transforms one row of tiles. The transformed tiles are
// stored in 16 planes, one per position ξ = 4·row + column of the 4×4
// transformed tile, tile j of the row at element ξ·stride + j: the layout of
// the products' operands, which are the planes' matrices. The images side
// (the padded input, the output, the output gradient and the padded input
// gradient) is ordinary row-major rows, tile j covering columns 2j….
//
//   - InputRow: V = Bᵀ d B of each 4×4 input window d.
//   - OutputRow: Y = Aᵀ M A (+ bias) of each transformed product M, the
//     2×2 output tile.
//   - SpreadRow: Ŷ = A dY Aᵀ of each 2×2 output-gradient tile dY, the
//     adjoint of OutputRow.
//   - InputGradRow: adds B dV Bᵀ into each 4×4 input-gradient window, the
//     adjoint of InputRow (neighbouring windows overlap by two columns).
//
// Every function has a Go form (transform.go) and, on amd64 with AVX2, an
// assembly form that does 8 tiles at once (wino_amd64.s): tiles of a row
// sit side by side in the planes, so the planes' side is vector loads and
// stores, and the images' side, where tile j starts at column 2j, is split
// into even and odd columns with shuffles. A last group of fewer than 8
// tiles is masked. Both forms perform the same operations in the same
// order, so they give the same bits (TestAssemblyMatchesGo). In scalar Go
// a tile took 9–17 ns, which made the transforms cost as much as the
// products they save.
//
// # F(4×4, 3×3)
//
// InputRow4, OutputRow4, SpreadRow4 and InputGradRow4 (f4.go) are the same
// four transforms for F(4×4, 3×3): 6×6 input windows four columns apart,
// 4×4 output tiles, 36 products per tile instead of 4·16 = 64. They
// interpolate at 0, 1, −1, 2, −1/2 and ∞ rather than Lavin and Gray's 0,
// ±1, ±2 and ∞, whose products by 4, 5 and 8 in both B and A make a
// layer's outputs 2.5× less accurate (a float32 simulation of 32 channels:
// at most 2.2·10⁻⁵ of the outputs' rms against 8.7·10⁻⁶), too far from
// PyTorch for mlstd/tensor's tests. The planes are 36, ξ = 6a + b for element
// (a, b) of the transformed tile, and the image side has six rows
// (InputRow4, InputGradRow4) or four (OutputRow4, SpreadRow4; passed as
// [4][]float32, a nil row being outside the image). Each 2-D transform is
// two passes of a 1-D one (bt, at, a4, b6): over the six (four) rows
// first, then within each row of the result.
//
// InputRow4 and SpreadRow4 may fill the lanes tw ≤ j < roundUp(tw, 8) of
// each plane with anything: the caller keeps that room (the planes are at
// least roundUp(tw, 8) apart) and writes the next tile row over it. A
// vectorised form then stores whole groups of 8 tiles, with no masked
// stores, which AMD's processors make slow. The image rows are the
// opposite: OutputRow4 writes exactly columns [0, ow) and SpreadRow4 reads
// exactly those, since the rows are the user's tensor or end a buffer;
// InputRow4 and InputGradRow4 take rows with Slack4 floats past the last
// window, which they may read (InputGradRow4 may also add zero to them).
//
// The assembly (f4_amd64.s) does 8 tiles per vector, like the F(2×2)
// one, in two passes per group of 8 tiles with the 1-D results in between
// in its stack frame (16 registers do not hold them). The image side
// comes in as vectors [tile j | tile j+4] of 4 columns each (two 16-byte
// loads), which a 4×4 transpose within each 128-bit half turns into the
// columns of 8 tiles; the same transpose and a VPERM2F128 go back. A
// window's columns 4 and 5 are the next tile's 0 and 1. InputGradRow4
// carries each tile's last two columns to the next tile's lane with a
// VPERMPS rotation and a blend of the previous group's last lane. A last
// group short of 32 columns is stored in blocks of 8, 4, 2 and 1 floats
// (OutputRow4) and loaded with masked loads (SpreadRow4), which are fast:
// only masked stores are slow.
//
// Accuracy: the products by powers of two are exact and those by 1.5 and
// 2.5 round once; no value enters a sum twice with opposite signs (the
// 1-D transforms are written so), so partial sums stay below the sum of
// the terms' magnitudes. A value passes through at most 10 roundings
// (two passes of at most 4, plus the two sums into the image; OutputRow4's
// bias is added to M[1][1], which reaches every output since column 1 of
// Aᵀ is all ones: one addition per tile instead of 16), so each output is
// within γ₁₀ ≈ 10·2⁻²⁴ times the sum of its terms' magnitudes of the
// exact value (TestF4Definition checks it against the float64
// definition). Go may fuse a product into a sum (FMA) on some GOAMD64
// levels; every product is converted to float32 explicitly, which the
// language specification says prevents fusing, so every build rounds the
// same.
package wino
