//go:build !purego

#include "textflag.h"

// The dot-product kernels of the x·Bᵀ path (dot.go). Every element they
// compute is reduced in one order, whichever kernel computes it: lane l of
// a vector accumulator sums x[p]·w[p] for p ≡ l (mod lanes) in increasing p
// (one FMA chain per lane, starting from +0), a last partial step loads x
// and w zero-filled past k, and the lanes are summed by one tree: with 16
// lanes first s[l] = v[l] + v[l+8] (FOLD16), then with 8 lanes
// ((s0+s1)+(s2+s3)) + ((s4+s5)+(s6+s7)) (REDUCE8). So a row's result does
// not depend on which kernel, tile or batch computed it.

// FOLD16 sets the low 8 lanes of z to z[l] + z[l+8]; zt is a scratch zmm,
// yt its low half.
#define FOLD16(z, yt, zt) \
	VEXTRACTF64X4 $1, z, yt; \
	VADDPS        z, zt, z

// REDUCE8 sums the 8 lanes of each of a, b, c, d (ymm) and stores the four
// sums at off(DX); xa and xb are the xmm halves of a and b.
#define REDUCE8(a, b, c, d, xa, xb, off) \
	VHADDPS      b, a, a; \
	VHADDPS      d, c, c; \
	VHADDPS      c, a, a; \
	VEXTRACTF128 $1, a, xb; \
	VADDPS       xb, xa, xa; \
	VMOVUPS      xa, off(DX)

// func dotRowAVX512(k int, x *float32, w *[8]*float32, d *[8]float32)
//
// d[r] = Σ_{p<k} x[p]·w[r][p] for r < 8, 16 lanes. Z0..Z7 accumulate,
// Z16 holds x, Z17 a tail of w; K1 masks the tail.
TEXT ·dotRowAVX512(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), CX
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), AX
	MOVQ 0(AX), DI
	MOVQ 8(AX), DX
	MOVQ 16(AX), R8
	MOVQ 24(AX), R9
	MOVQ 32(AX), R10
	MOVQ 40(AX), R11
	MOVQ 48(AX), R12
	MOVQ 56(AX), R13
	MOVQ CX, BX
	ANDQ $15, CX         // floats in the partial step
	SUBQ CX, BX
	SHLQ $2, BX          // bytes in whole steps
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	XORQ AX, AX

	CMPQ AX, BX
	JGE  rowtail

rowloop:
	VMOVUPS (SI)(AX*1), Z16
	VFMADD231PS (DI)(AX*1), Z16, Z0
	VFMADD231PS (DX)(AX*1), Z16, Z1
	VFMADD231PS (R8)(AX*1), Z16, Z2
	VFMADD231PS (R9)(AX*1), Z16, Z3
	VFMADD231PS (R10)(AX*1), Z16, Z4
	VFMADD231PS (R11)(AX*1), Z16, Z5
	VFMADD231PS (R12)(AX*1), Z16, Z6
	VFMADD231PS (R13)(AX*1), Z16, Z7
	ADDQ $64, AX
	CMPQ AX, BX
	JLT  rowloop

rowtail:
	TESTQ CX, CX
	JEQ   rowreduce
	VMOVUPS.Z (SI)(AX*1), K1, Z16
	VMOVUPS.Z (DI)(AX*1), K1, Z17
	VFMADD231PS Z17, Z16, Z0
	VMOVUPS.Z (DX)(AX*1), K1, Z17
	VFMADD231PS Z17, Z16, Z1
	VMOVUPS.Z (R8)(AX*1), K1, Z17
	VFMADD231PS Z17, Z16, Z2
	VMOVUPS.Z (R9)(AX*1), K1, Z17
	VFMADD231PS Z17, Z16, Z3
	VMOVUPS.Z (R10)(AX*1), K1, Z17
	VFMADD231PS Z17, Z16, Z4
	VMOVUPS.Z (R11)(AX*1), K1, Z17
	VFMADD231PS Z17, Z16, Z5
	VMOVUPS.Z (R12)(AX*1), K1, Z17
	VFMADD231PS Z17, Z16, Z6
	VMOVUPS.Z (R13)(AX*1), K1, Z17
	VFMADD231PS Z17, Z16, Z7

rowreduce:
	MOVQ d+24(FP), DX
	FOLD16(Z0, Y16, Z16)
	FOLD16(Z1, Y17, Z17)
	FOLD16(Z2, Y18, Z18)
	FOLD16(Z3, Y19, Z19)
	FOLD16(Z4, Y20, Z20)
	FOLD16(Z5, Y21, Z21)
	FOLD16(Z6, Y22, Z22)
	FOLD16(Z7, Y23, Z23)
	REDUCE8(Y0, Y1, Y2, Y3, X0, X1, 0)
	REDUCE8(Y4, Y5, Y6, Y7, X4, X5, 16)
	VZEROUPPER
	RET

// FMA4x16 multiplies w (a zmm) by the vectors of x in Z16..Z19 into the
// accumulators a0..a3 (column j of the tile).
#define FMA4x16(w, a0, a1, a2, a3) \
	VFMADD231PS w, Z16, a0; \
	VFMADD231PS w, Z17, a1; \
	VFMADD231PS w, Z18, a2; \
	VFMADD231PS w, Z19, a3

// func dotTileAVX512(k int, x *[4]*float32, w *[4]*float32, d *[16]float32)
//
// d[4i+j] = Σ_{p<k} x[i][p]·w[j][p] for i, j < 4, 16 lanes. Z(4i+j)
// accumulates element (i, j); Z16..Z19 hold x, Z20..Z23 w.
TEXT ·dotTileAVX512(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), CX
	MOVQ x+8(FP), AX
	MOVQ 0(AX), SI
	MOVQ 8(AX), DI
	MOVQ 16(AX), R8
	MOVQ 24(AX), R9
	MOVQ w+16(FP), AX
	MOVQ 0(AX), R10
	MOVQ 8(AX), R11
	MOVQ 16(AX), R12
	MOVQ 24(AX), R13
	MOVQ CX, BX
	ANDQ $15, CX
	SUBQ CX, BX
	SHLQ $2, BX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	XORQ AX, AX

	CMPQ AX, BX
	JGE  tiletail

tileloop:
	VMOVUPS (SI)(AX*1), Z16
	VMOVUPS (DI)(AX*1), Z17
	VMOVUPS (R8)(AX*1), Z18
	VMOVUPS (R9)(AX*1), Z19
	VMOVUPS (R10)(AX*1), Z20
	FMA4x16(Z20, Z0, Z4, Z8, Z12)
	VMOVUPS (R11)(AX*1), Z21
	FMA4x16(Z21, Z1, Z5, Z9, Z13)
	VMOVUPS (R12)(AX*1), Z22
	FMA4x16(Z22, Z2, Z6, Z10, Z14)
	VMOVUPS (R13)(AX*1), Z23
	FMA4x16(Z23, Z3, Z7, Z11, Z15)
	ADDQ $64, AX
	CMPQ AX, BX
	JLT  tileloop

tiletail:
	TESTQ CX, CX
	JEQ   tilereduce
	VMOVUPS.Z (SI)(AX*1), K1, Z16
	VMOVUPS.Z (DI)(AX*1), K1, Z17
	VMOVUPS.Z (R8)(AX*1), K1, Z18
	VMOVUPS.Z (R9)(AX*1), K1, Z19
	VMOVUPS.Z (R10)(AX*1), K1, Z20
	FMA4x16(Z20, Z0, Z4, Z8, Z12)
	VMOVUPS.Z (R11)(AX*1), K1, Z21
	FMA4x16(Z21, Z1, Z5, Z9, Z13)
	VMOVUPS.Z (R12)(AX*1), K1, Z22
	FMA4x16(Z22, Z2, Z6, Z10, Z14)
	VMOVUPS.Z (R13)(AX*1), K1, Z23
	FMA4x16(Z23, Z3, Z7, Z11, Z15)

tilereduce:
	MOVQ d+24(FP), DX
	FOLD16(Z0, Y16, Z16)
	FOLD16(Z1, Y17, Z17)
	FOLD16(Z2, Y18, Z18)
	FOLD16(Z3, Y19, Z19)
	FOLD16(Z4, Y20, Z20)
	FOLD16(Z5, Y21, Z21)
	FOLD16(Z6, Y22, Z22)
	FOLD16(Z7, Y23, Z23)
	FOLD16(Z8, Y24, Z24)
	FOLD16(Z9, Y25, Z25)
	FOLD16(Z10, Y26, Z26)
	FOLD16(Z11, Y27, Z27)
	FOLD16(Z12, Y28, Z28)
	FOLD16(Z13, Y29, Z29)
	FOLD16(Z14, Y30, Z30)
	FOLD16(Z15, Y31, Z31)
	REDUCE8(Y0, Y1, Y2, Y3, X0, X1, 0)
	REDUCE8(Y4, Y5, Y6, Y7, X4, X5, 16)
	REDUCE8(Y8, Y9, Y10, Y11, X8, X9, 32)
	REDUCE8(Y12, Y13, Y14, Y15, X12, X13, 48)
	VZEROUPPER
	RET

// dotMask<>+32-4r holds r all-ones lanes followed by zeros: the mask of a
// partial AVX2 step of r floats.
DATA dotMask<>+0(SB)/8, $-1
DATA dotMask<>+8(SB)/8, $-1
DATA dotMask<>+16(SB)/8, $-1
DATA dotMask<>+24(SB)/8, $-1
DATA dotMask<>+32(SB)/8, $0
DATA dotMask<>+40(SB)/8, $0
DATA dotMask<>+48(SB)/8, $0
DATA dotMask<>+56(SB)/8, $0
GLOBL dotMask<>(SB), RODATA|NOPTR, $64

// DOTMASK8 leaves in BX the bytes of k's whole 8-float steps, in CX the
// floats of its partial step and in Y15 that step's load mask; it uses AX.
#define DOTMASK8 \
	MOVQ k+0(FP), CX; \
	MOVQ CX, BX; \
	ANDQ $7, CX; \
	SUBQ CX, BX; \
	SHLQ $2, BX; \
	LEAQ dotMask<>+32(SB), AX; \
	SUBQ CX, AX; \
	SUBQ CX, AX; \
	SUBQ CX, AX; \
	SUBQ CX, AX; \
	VMOVDQU (AX), Y15

// func dotRowAVX2(k int, x *float32, w *[8]*float32, d *[8]float32)
//
// dotRowAVX512 with 8 lanes: Y0..Y7 accumulate, Y8 holds x, Y9 a tail of
// w, Y15 the tail mask.
TEXT ·dotRowAVX2(SB), NOSPLIT, $0-32
	DOTMASK8
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), AX
	MOVQ 0(AX), DI
	MOVQ 8(AX), DX
	MOVQ 16(AX), R8
	MOVQ 24(AX), R9
	MOVQ 32(AX), R10
	MOVQ 40(AX), R11
	MOVQ 48(AX), R12
	MOVQ 56(AX), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ AX, AX

	CMPQ AX, BX
	JGE  row2tail

row2loop:
	VMOVUPS (SI)(AX*1), Y8
	VFMADD231PS (DI)(AX*1), Y8, Y0
	VFMADD231PS (DX)(AX*1), Y8, Y1
	VFMADD231PS (R8)(AX*1), Y8, Y2
	VFMADD231PS (R9)(AX*1), Y8, Y3
	VFMADD231PS (R10)(AX*1), Y8, Y4
	VFMADD231PS (R11)(AX*1), Y8, Y5
	VFMADD231PS (R12)(AX*1), Y8, Y6
	VFMADD231PS (R13)(AX*1), Y8, Y7
	ADDQ $32, AX
	CMPQ AX, BX
	JLT  row2loop

row2tail:
	TESTQ CX, CX
	JEQ   row2reduce
	VMASKMOVPS (SI)(AX*1), Y15, Y8
	VMASKMOVPS (DI)(AX*1), Y15, Y9
	VFMADD231PS Y9, Y8, Y0
	VMASKMOVPS (DX)(AX*1), Y15, Y9
	VFMADD231PS Y9, Y8, Y1
	VMASKMOVPS (R8)(AX*1), Y15, Y9
	VFMADD231PS Y9, Y8, Y2
	VMASKMOVPS (R9)(AX*1), Y15, Y9
	VFMADD231PS Y9, Y8, Y3
	VMASKMOVPS (R10)(AX*1), Y15, Y9
	VFMADD231PS Y9, Y8, Y4
	VMASKMOVPS (R11)(AX*1), Y15, Y9
	VFMADD231PS Y9, Y8, Y5
	VMASKMOVPS (R12)(AX*1), Y15, Y9
	VFMADD231PS Y9, Y8, Y6
	VMASKMOVPS (R13)(AX*1), Y15, Y9
	VFMADD231PS Y9, Y8, Y7

row2reduce:
	MOVQ d+24(FP), DX
	REDUCE8(Y0, Y1, Y2, Y3, X0, X1, 0)
	REDUCE8(Y4, Y5, Y6, Y7, X4, X5, 16)
	VZEROUPPER
	RET

// FMA2x8 multiplies w (a ymm) by the vectors of x in Y8, Y9 into the
// accumulators a0, a1 (column j of the tile).
#define FMA2x8(w, a0, a1) \
	VFMADD231PS w, Y8, a0; \
	VFMADD231PS w, Y9, a1

// func dotTileAVX2(k int, x *[4]*float32, w *[4]*float32, d *[16]float32)
//
// d[4i+j] = Σ_{p<k} x[i][p]·w[j][p] for i < 2, j < 4, 8 lanes (x[2] and
// x[3] are not read). Y(4i+j) accumulates element (i, j); Y8, Y9 hold x,
// Y10..Y13 w, Y15 the tail mask.
TEXT ·dotTileAVX2(SB), NOSPLIT, $0-32
	DOTMASK8
	MOVQ x+8(FP), AX
	MOVQ 0(AX), SI
	MOVQ 8(AX), DI
	MOVQ w+16(FP), AX
	MOVQ 0(AX), R10
	MOVQ 8(AX), R11
	MOVQ 16(AX), R12
	MOVQ 24(AX), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ AX, AX

	CMPQ AX, BX
	JGE  tile2tail

tile2loop:
	VMOVUPS (SI)(AX*1), Y8
	VMOVUPS (DI)(AX*1), Y9
	VMOVUPS (R10)(AX*1), Y10
	FMA2x8(Y10, Y0, Y4)
	VMOVUPS (R11)(AX*1), Y11
	FMA2x8(Y11, Y1, Y5)
	VMOVUPS (R12)(AX*1), Y12
	FMA2x8(Y12, Y2, Y6)
	VMOVUPS (R13)(AX*1), Y13
	FMA2x8(Y13, Y3, Y7)
	ADDQ $32, AX
	CMPQ AX, BX
	JLT  tile2loop

tile2tail:
	TESTQ CX, CX
	JEQ   tile2reduce
	VMASKMOVPS (SI)(AX*1), Y15, Y8
	VMASKMOVPS (DI)(AX*1), Y15, Y9
	VMASKMOVPS (R10)(AX*1), Y15, Y10
	FMA2x8(Y10, Y0, Y4)
	VMASKMOVPS (R11)(AX*1), Y15, Y11
	FMA2x8(Y11, Y1, Y5)
	VMASKMOVPS (R12)(AX*1), Y15, Y12
	FMA2x8(Y12, Y2, Y6)
	VMASKMOVPS (R13)(AX*1), Y15, Y13
	FMA2x8(Y13, Y3, Y7)

tile2reduce:
	MOVQ d+24(FP), DX
	REDUCE8(Y0, Y1, Y2, Y3, X0, X1, 0)
	REDUCE8(Y4, Y5, Y6, Y7, X4, X5, 16)
	VZEROUPPER
	RET
