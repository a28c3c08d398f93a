//go:build !purego

#include "textflag.h"

// func reluAVX2(dst, x *float32, n int)
// dst[i] = max(0, x[i]); MAXPS returns its second source (x) when either
// is NaN, so NaN propagates.
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0

relu16:
	CMPQ CX, $16
	JLT  relu1
	VMOVUPS (SI), Y1
	VMOVUPS 32(SI), Y2
	VMAXPS Y1, Y0, Y1
	VMAXPS Y2, Y0, Y2
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  relu16

relu1:
	TESTQ CX, CX
	JEQ   reludone
	VMOVSS (SI), X1
	VMAXSS X1, X0, X1
	VMOVSS X1, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  relu1

reludone:
	VZEROUPPER
	RET

// func reluBackwardAVX2(dst, grad, y *float32, n int)
// dst[i] = y[i] > 0 ? grad[i] : 0.
TEXT ·reluBackwardAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VXORPS Y0, Y0, Y0

back16:
	CMPQ CX, $16
	JLT  back1
	VMOVUPS (DX), Y1
	VMOVUPS 32(DX), Y2
	VCMPPS $0x0e, Y0, Y1, Y1 // y > 0
	VCMPPS $0x0e, Y0, Y2, Y2
	VANDPS (SI), Y1, Y1
	VANDPS 32(SI), Y2, Y2
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP  back16

back1:
	TESTQ CX, CX
	JEQ   backdone
	VMOVSS (DX), X1
	VCMPSS $0x0e, X0, X1, X1
	VANDPS (SI), X1, X1
	VMOVSS X1, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	ADDQ $4, DX
	DECQ CX
	JMP  back1

backdone:
	VZEROUPPER
	RET

// func addAVX2(dst, x *float32, n int)
// dst[i] += x[i].
TEXT ·addAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX

add32:
	CMPQ CX, $32
	JLT  add8
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  add32

add8:
	CMPQ CX, $8
	JLT  add1
	VMOVUPS (DI), Y0
	VADDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  add8

add1:
	TESTQ CX, CX
	JEQ   adddone
	VMOVSS (DI), X0
	VADDSS (SI), X0, X0
	VMOVSS X0, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  add1

adddone:
	VZEROUPPER
	RET

// func mulAVX2(dst, x, y *float32, n int)
// dst[i] = x[i]·y[i].
TEXT ·mulAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX

mul32:
	CMPQ CX, $32
	JLT  mul8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMULPS  (DX), Y0, Y0
	VMULPS  32(DX), Y1, Y1
	VMULPS  64(DX), Y2, Y2
	VMULPS  96(DX), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  mul32

mul8:
	CMPQ CX, $8
	JLT  mul1
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  mul8

mul1:
	TESTQ CX, CX
	JEQ   muldone
	VMOVSS (SI), X0
	VMULSS (DX), X0, X0
	VMOVSS X0, (DI)
	ADDQ $4, SI
	ADDQ $4, DX
	ADDQ $4, DI
	DECQ CX
	JMP  mul1

muldone:
	VZEROUPPER
	RET

// func addScalarRowsAVX2(dst, src *float32, rows, n, stride int, c float32)
// dst[r·n+i] = src[r·stride+i] + c.
TEXT ·addScalarRowsAVX2(SB), NOSPLIT, $0-44
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), DX
	MOVQ n+24(FP), R8
	MOVQ stride+32(FP), R9
	SHLQ $2, R9
	VBROADCASTSS c+40(FP), Y4

addsrow:
	MOVQ R8, CX
	MOVQ SI, R10

adds8:
	CMPQ CX, $8
	JLT  adds1
	VADDPS (R10), Y4, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, R10
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  adds8

adds1:
	TESTQ CX, CX
	JEQ   addsnext
	VADDSS (R10), X4, X0
	VMOVSS X0, (DI)
	ADDQ $4, R10
	ADDQ $4, DI
	DECQ CX
	JMP  adds1

addsnext:
	ADDQ R9, SI
	DECQ DX
	JNZ  addsrow
	VZEROUPPER
	RET

// func sumAVX2(acc *[32]float32, x *float32, n int)
// func sumAVX2(x *float32, n int) float32
// Σ x[i] for n a multiple of 32 as Sum's lanes: 32 sums over i ≡ l (mod
// 32), four ymm, then added pairwise in reduceLanes' order (lane l and
// l+16, then l and l+8, …, each the same IEEE add as its Go form).
TEXT ·sumAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

sum32:
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	ADDQ $128, SI
	SUBQ $32, CX
	JGT  sum32
	VADDPS Y2, Y0, Y0 // lanes 0…15 += 16…31
	VADDPS Y3, Y1, Y1
	VADDPS Y1, Y0, Y0 // 0…7 += 8…15
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0 // 0…3 += 4…7
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0 // 0, 1 += 2, 3
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0 // 0 += 1
	VMOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// Offsets 2j of the top-left inputs of outputs j in the order VSHUFPS
// leaves them (outputs 0 1 4 5 | 2 3 6 7), and the lane numbers 0–15
// (k > lane gives a mask of k leading lanes).
DATA poolOffsets<>+0(SB)/4, $0
DATA poolOffsets<>+4(SB)/4, $2
DATA poolOffsets<>+8(SB)/4, $8
DATA poolOffsets<>+12(SB)/4, $10
DATA poolOffsets<>+16(SB)/4, $4
DATA poolOffsets<>+20(SB)/4, $6
DATA poolOffsets<>+24(SB)/4, $12
DATA poolOffsets<>+28(SB)/4, $14
GLOBL poolOffsets<>(SB), RODATA|NOPTR, $32

DATA lanes<>+0(SB)/4, $0
DATA lanes<>+4(SB)/4, $1
DATA lanes<>+8(SB)/4, $2
DATA lanes<>+12(SB)/4, $3
DATA lanes<>+16(SB)/4, $4
DATA lanes<>+20(SB)/4, $5
DATA lanes<>+24(SB)/4, $6
DATA lanes<>+28(SB)/4, $7
DATA lanes<>+32(SB)/4, $8
DATA lanes<>+36(SB)/4, $9
DATA lanes<>+40(SB)/4, $10
DATA lanes<>+44(SB)/4, $11
DATA lanes<>+48(SB)/4, $12
DATA lanes<>+52(SB)/4, $13
DATA lanes<>+56(SB)/4, $14
DATA lanes<>+60(SB)/4, $15
GLOBL lanes<>(SB), RODATA|NOPTR, $64

// POOLCORE pools the 8 windows of rows Y0:Y1 (top) and Y2:Y3 (bottom)
// into values Y4 and positions Y10 (Y15 + 0, 1, w or w+1), in output
// order. Uses Y5–Y11; Y12 = 1s, Y13 = w.
#define POOLCORE \
	VSHUFPS $0x88, Y1, Y0, Y4; \
	VSHUFPS $0xDD, Y1, Y0, Y5; \
	VSHUFPS $0x88, Y3, Y2, Y6; \
	VSHUFPS $0xDD, Y3, Y2, Y7; \
	VCMPPS  $0x0e, Y4, Y5, Y8; \
	VCMPPS  $0x03, Y5, Y5, Y9; \
	VORPS   Y9, Y8, Y8; \
	VBLENDVPS Y8, Y5, Y4, Y4; \
	VPAND   Y12, Y8, Y10; \
	VCMPPS  $0x0e, Y6, Y7, Y8; \
	VCMPPS  $0x03, Y7, Y7, Y9; \
	VORPS   Y9, Y8, Y8; \
	VBLENDVPS Y8, Y7, Y6, Y6; \
	VPAND   Y12, Y8, Y11; \
	VPADDD  Y13, Y11, Y11; \
	VCMPPS  $0x0e, Y4, Y6, Y8; \
	VCMPPS  $0x03, Y6, Y6, Y9; \
	VORPS   Y9, Y8, Y8; \
	VBLENDVPS Y8, Y6, Y4, Y4; \
	VBLENDVPS Y8, Y11, Y10, Y10; \
	VPADDD  Y15, Y10, Y10; \
	VPERMPD $0xD8, Y4, Y4; \
	VPERMQ  $0xD8, Y10, Y10;

// func maxPool2x2AVX2(out *float32, arg *int32, x *float32, planes, oh, ow, w, hw, nout int)
// Eight windows per block: VSHUFPS splits 16 inputs of a row into the
// windows' left (even) and right (odd) columns, in the lane order of
// poolOffsets; each row's pair is compared (right wins if greater or
// NaN), then the two rows (bottom wins if greater or NaN), which is
// torch's sequential scan; VPERMPD restores the output order. A row's
// last block may read past the row and write past the row's outputs:
// into the next rows' inputs and outputs, which are written after. Only
// where that would pass the end of out does a block use masked loads and
// stores of just its own windows; it cannot read past the end of x
// otherwise, since the eighth window from the block's first lies at least
// as far into x as the block's reads (TestMaxPool2x2StopsAtEnd puts x
// before an unmapped page). arg may be nil.
//
// Registers: SI plane, AX 2·oy·w (row offset in the plane), BX top row of
// the block (bottom row at BX + 4w), R13 output index of the block, R9
// output index after the row, R8 planes left, R12 rows left, R10 ow, R11 w.
TEXT ·maxPool2x2AVX2(SB), NOSPLIT, $0-72
	MOVQ out+0(FP), DI
	MOVQ arg+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ planes+24(FP), R8
	MOVQ ow+40(FP), R10
	MOVQ w+48(FP), R11
	MOVQ R11, X13
	VPBROADCASTD X13, Y13
	MOVL $16, CX
	MOVQ CX, X14
	VPBROADCASTD X14, Y14
	MOVL $1, CX
	MOVQ CX, X12
	VPBROADCASTD X12, Y12
	XORQ R13, R13

poolplane:
	MOVQ oh+32(FP), R12
	XORQ AX, AX

poolrow:
	LEAQ (SI)(AX*4), BX
	MOVQ AX, X15
	VPBROADCASTD X15, Y15
	VPADDD poolOffsets<>(SB), Y15, Y15 // input offsets of the block's windows
	LEAQ (R13)(R10*1), R9

poolblock:
	LEAQ 8(R13), CX
	CMPQ CX, nout+64(FP)
	JGT  poolmasked
	VMOVUPS (BX), Y0
	VMOVUPS 32(BX), Y1
	VMOVUPS (BX)(R11*4), Y2
	VMOVUPS 32(BX)(R11*4), Y3
	POOLCORE
	VMOVUPS Y4, (DI)(R13*4)
	TESTQ DX, DX
	JEQ   poolnext
	VMOVDQU Y10, (DX)(R13*4)
	JMP   poolnext

poolmasked: // t = min(8, R9 − R13) windows, 2t inputs of each row
	MOVQ R9, CX
	SUBQ R13, CX
	CMPQ CX, $8
	JLE  poolmaskt
	MOVQ $8, CX

poolmaskt:
	SHLQ $1, CX
	MOVQ CX, X8
	VPBROADCASTD X8, Y8
	VPCMPGTD lanes<>+32(SB), Y8, Y9 // 2t > 8…15
	VPCMPGTD lanes<>(SB), Y8, Y8    // 2t > 0…7
	SHRQ $1, CX
	VMASKMOVPS 32(BX), Y9, Y1
	VMASKMOVPS 32(BX)(R11*4), Y9, Y3
	VMASKMOVPS (BX), Y8, Y0
	VMASKMOVPS (BX)(R11*4), Y8, Y2
	POOLCORE
	MOVQ CX, X8
	VPBROADCASTD X8, Y8
	VPCMPGTD lanes<>(SB), Y8, Y8 // t > 0…7
	VMASKMOVPS Y4, Y8, (DI)(R13*4)
	TESTQ DX, DX
	JEQ   poolnext
	VPMASKMOVD Y10, Y8, (DX)(R13*4)

poolnext:
	VPADDD Y14, Y15, Y15
	ADDQ $64, BX
	ADDQ $8, R13
	CMPQ R13, R9
	JLT  poolblock
	MOVQ R9, R13
	LEAQ (AX)(R11*2), AX
	DECQ R12
	JNZ  poolrow
	MOVQ hw+56(FP), CX
	LEAQ (SI)(CX*4), SI
	DECQ R8
	JNZ  poolplane
	VZEROUPPER
	RET

// UNPOOLCORE spreads the eight windows' gradients Y0 (their maxima's
// positions in Y2, the positions of their top left elements in Y15) over
// their 2×2 elements: Y4, Y5 the top row's 16, Y6, Y7 the bottom row's.
// Each of the four compares of the offset with 0, 1, w (Y14) and w+1
// (Y11) masks the gradients into one element of every window;
// VUNPCKL/HPS interleave left and right, VPERM2F128 puts the halves in
// order. Y12 is zero, Y13 ones; uses Y1, Y3, Y9.
#define UNPOOLCORE \
	VADDPS   Y12, Y0, Y0; \
	VPSUBD   Y15, Y2, Y2; \
	VPCMPEQD Y12, Y2, Y3; \
	VANDPS   Y0, Y3, Y3; \
	VPCMPEQD Y13, Y2, Y4; \
	VANDPS   Y0, Y4, Y4; \
	VPCMPEQD Y14, Y2, Y5; \
	VANDPS   Y0, Y5, Y5; \
	VPCMPEQD Y11, Y2, Y6; \
	VANDPS   Y0, Y6, Y6; \
	VUNPCKLPS Y4, Y3, Y1; \
	VUNPCKHPS Y4, Y3, Y3; \
	VUNPCKLPS Y6, Y5, Y9; \
	VUNPCKHPS Y6, Y5, Y2; \
	VPERM2F128 $0x20, Y3, Y1, Y4; \
	VPERM2F128 $0x31, Y3, Y1, Y5; \
	VPERM2F128 $0x20, Y2, Y9, Y6; \
	VPERM2F128 $0x31, Y2, Y9, Y7;

// func maxUnpool2x2AVX2(dx, grad *float32, arg *int32, y *float32, planes, oh, ow, w, hw int)
// Eight windows per block (UNPOOLCORE), a row of windows at a time, ow ≥
// 8: a row's last block, when fewer than 8 windows are left, moves back
// to end at the row's last window, writing again elements of the block
// before it (the same values), so nothing is read or written outside the
// row's windows without masked moves (AMD's masked stores are slow: a
// masked last block made the CNN's pooling backward slower than clearing
// and scattering). y may be nil (no ReLU mask: a gradient is masked where
// y is not greater than 0, NaN included).
//
// Registers: SI plane of dx, AX 2·oy·w (row offset in the plane), BX top
// row of the block (bottom row at BX + 4w), R13 window index of the
// block, R9 window index after the row, R8 planes left, R12 rows left,
// R11 w, R10 scratch; DI grad, CX arg, DX y. Y10 holds 16s (the
// positions' step per block).
TEXT ·maxUnpool2x2AVX2(SB), NOSPLIT, $0-72
	MOVQ dx+0(FP), SI
	MOVQ grad+8(FP), DI
	MOVQ arg+16(FP), CX
	MOVQ y+24(FP), DX
	MOVQ planes+32(FP), R8
	MOVQ w+56(FP), R11
	VPXOR Y12, Y12, Y12
	MOVL $1, R10
	MOVQ R10, X13
	VPBROADCASTD X13, Y13
	MOVQ R11, X14
	VPBROADCASTD X14, Y14
	VPADDD Y13, Y14, Y11
	MOVL $16, R10
	MOVQ R10, X10
	VPBROADCASTD X10, Y10
	XORQ R13, R13

unpoolplane:
	MOVQ oh+40(FP), R12
	XORQ AX, AX

unpoolrow:
	LEAQ (SI)(AX*4), BX
	MOVQ AX, X15
	VPBROADCASTD X15, Y15
	VPADDD lanes<>(SB), Y15, Y15
	VPADDD lanes<>(SB), Y15, Y15 // 2·oy·w + 0, 2, …, 14
	MOVQ ow+48(FP), R9
	ADDQ R13, R9

unpoolblock:
	LEAQ 8(R13), R10
	SUBQ R9, R10 // windows past the row's end
	JLE  unpoolfull
	SUBQ R10, R13 // move back by them
	SHLQ $3, R10
	SUBQ R10, BX
	SHRQ $2, R10
	MOVQ R10, X8
	VPBROADCASTD X8, Y8
	VPSUBD Y8, Y15, Y15

unpoolfull:
	VMOVUPS (DI)(R13*4), Y0
	TESTQ DX, DX
	JEQ   unpoolcore
	VMOVUPS (DX)(R13*4), Y1
	VCMPPS  $0x0e, Y12, Y1, Y1 // y > 0
	VANDPS  Y1, Y0, Y0

unpoolcore:
	VMOVDQU (CX)(R13*4), Y2
	UNPOOLCORE
	VMOVUPS Y4, (BX)
	VMOVUPS Y5, 32(BX)
	VMOVUPS Y6, (BX)(R11*4)
	VMOVUPS Y7, 32(BX)(R11*4)
	VPADDD Y10, Y15, Y15
	ADDQ $64, BX
	ADDQ $8, R13
	CMPQ R13, R9
	JLT  unpoolblock
	LEAQ (AX)(R11*2), AX
	DECQ R12
	JNZ  unpoolrow
	MOVQ hw+64(FP), R10
	LEAQ (SI)(R10*4), SI
	DECQ R8
	JNZ  unpoolplane
	VZEROUPPER
	RET

// MUL64 sets Z to the low 64 bits of Z·C in each 64-bit lane, C's low and
// high halves being CL and CH (in the low half of each lane): three
// 32×32→64 products, AVX2 having no 64-bit multiply. Uses T1, T2.
#define MUL64(Z, CL, CH, T1, T2) \
	VPSRLQ   $32, Z, T1; \
	VPMULUDQ CL, T1, T1; \
	VPMULUDQ CH, Z, T2; \
	VPADDQ   T2, T1, T1; \
	VPSLLQ   $32, T1, T1; \
	VPMULUDQ CL, Z, Z; \
	VPADDQ   T1, Z, Z

// func dropoutAVX2(out, mask, x *float32, n int, key uint64, first int, threshold, keep uint32)
// n is a multiple of 8: four SplitMix64 outputs per block, whose eight
// 32-bit halves are, in memory order, the decisions of the block's eight
// elements. Unsigned u < threshold is compared as signed after flipping
// both sign bits (AVX2 compares signed only).
//
// Registers: Y15 the four counters key + (j+1)·gamma, Y14 4·gamma, Y13:Y12
// and Y11:Y10 the two multipliers' low:high halves, Y9 the flipped
// threshold, Y8 the sign bits, Y7 keep.
TEXT ·dropoutAVX2(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ mask+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	MOVQ first+40(FP), AX
	MOVQ $0x9e3779b97f4a7c15, BX
	INCQ AX
	IMULQ BX, AX           // (first+1)·gamma
	ADDQ key+32(FP), AX
	MOVQ AX, X0
	VPBROADCASTQ X0, Y15
	MOVQ BX, X1
	VPBROADCASTQ X1, Y14    // gamma
	VPXOR Y0, Y0, Y0
	VPBLENDD $0xfc, Y14, Y0, Y1 // 0, γ, γ, γ
	VPBLENDD $0xf0, Y14, Y0, Y2 // 0, 0, γ, γ
	VPBLENDD $0xc0, Y14, Y0, Y3 // 0, 0, 0, γ
	VPADDQ Y1, Y15, Y15
	VPADDQ Y2, Y15, Y15
	VPADDQ Y3, Y15, Y15     // key + (first+1+k)·γ for k = 0…3
	VPSLLQ $2, Y14, Y14     // 4γ
	MOVQ $0xbf58476d1ce4e5b9, BX
	MOVQ BX, X0
	VPBROADCASTQ X0, Y13
	VPSRLQ $32, Y13, Y12
	MOVQ $0x94d049bb133111eb, BX
	MOVQ BX, X0
	VPBROADCASTQ X0, Y11
	VPSRLQ $32, Y11, Y10
	MOVL $0x80000000, BX
	MOVQ BX, X0
	VPBROADCASTD X0, Y8
	MOVL threshold+48(FP), BX
	MOVQ BX, X0
	VPBROADCASTD X0, Y9
	VPXOR Y8, Y9, Y9
	MOVL keep+52(FP), BX
	MOVQ BX, X0
	VPBROADCASTD X0, Y7

dropblock:
	VMOVDQA Y15, Y0
	VPSRLQ  $30, Y0, Y1
	VPXOR   Y1, Y0, Y0
	MUL64(Y0, Y13, Y12, Y1, Y2)
	VPSRLQ  $27, Y0, Y1
	VPXOR   Y1, Y0, Y0
	MUL64(Y0, Y11, Y10, Y1, Y2)
	VPSRLQ  $31, Y0, Y1
	VPXOR   Y1, Y0, Y0
	VPXOR   Y8, Y0, Y0
	VPCMPGTD Y0, Y9, Y1     // threshold > u: dropped
	VPANDN  Y7, Y1, Y1      // keep where kept, 0 where dropped
	VMOVUPS Y1, (DX)
	VMULPS  (SI), Y1, Y1
	VMOVUPS Y1, (DI)
	VPADDQ  Y14, Y15, Y15
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     dropblock
	VZEROUPPER
	RET
