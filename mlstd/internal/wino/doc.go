// Package wino holds the tile transforms of Winograd's minimal filtering
// F(2×2, 3×3), which mlstd/tensor uses for 3×3 convolutions with stride 1
// (tensor/winograd.go has the algorithm, the products and their layout).
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
package wino
