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

// func addScalarAVX2(dst, x *float32, n int, c float32)
// dst[i] = x[i] + c.
TEXT ·addScalarAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS c+24(FP), Y4

adds8:
	CMPQ CX, $8
	JLT  adds1
	VADDPS (SI), Y4, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  adds8

adds1:
	TESTQ CX, CX
	JEQ   addsdone
	VADDSS (SI), X4, X0
	VMOVSS X0, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  adds1

addsdone:
	VZEROUPPER
	RET

// func sumAVX2(acc *[32]float32, x *float32, n int)
// acc[l] = Σ x[i] over i ≡ l (mod 32), n a multiple of 32: Sum's lanes.
TEXT ·sumAVX2(SB), NOSPLIT, $0-24
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
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
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VZEROUPPER
	RET

// Offsets 2j of the top-left inputs of outputs j in the order VSHUFPS
// leaves them (outputs 0 1 4 5 | 2 3 6 7), and a mask table: k leading
// all-ones lanes are the 8 lanes from poolMask<>+4·(8−k).
DATA poolOffsets<>+0(SB)/4, $0
DATA poolOffsets<>+4(SB)/4, $2
DATA poolOffsets<>+8(SB)/4, $8
DATA poolOffsets<>+12(SB)/4, $10
DATA poolOffsets<>+16(SB)/4, $4
DATA poolOffsets<>+20(SB)/4, $6
DATA poolOffsets<>+24(SB)/4, $12
DATA poolOffsets<>+28(SB)/4, $14
GLOBL poolOffsets<>(SB), RODATA|NOPTR, $32

DATA poolMask<>+0(SB)/8, $-1
DATA poolMask<>+8(SB)/8, $-1
DATA poolMask<>+16(SB)/8, $-1
DATA poolMask<>+24(SB)/8, $-1
DATA poolMask<>+32(SB)/8, $0
DATA poolMask<>+40(SB)/8, $0
DATA poolMask<>+48(SB)/8, $0
DATA poolMask<>+56(SB)/8, $0
GLOBL poolMask<>(SB), RODATA|NOPTR, $64

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

// func maxPool2x2AVX2(out *float32, arg *int32, r0, r1 *float32, n int, base, w int32)
// Eight windows per iteration: VSHUFPS splits 16 inputs of a row into
// the windows' left (even) and right (odd) columns, in the lane order of
// poolOffsets; each row's pair is compared (right wins if greater or
// NaN), then the two rows (bottom wins if greater or NaN), which is
// torch's sequential scan; VPERMPD restores the output order. The last
// n mod 8 windows use masked loads and stores. arg may be nil.
TEXT ·maxPool2x2AVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ arg+8(FP), DX
	MOVQ r0+16(FP), SI
	MOVQ r1+24(FP), BX
	MOVQ n+32(FP), CX
	MOVL base+40(FP), AX
	MOVL AX, X15
	VPBROADCASTD X15, Y15
	VPADDD poolOffsets<>(SB), Y15, Y15 // input offsets of the 8 windows
	MOVL w+44(FP), AX
	MOVL AX, X13
	VPBROADCASTD X13, Y13
	MOVL $16, AX
	MOVL AX, X14
	VPBROADCASTD X14, Y14
	MOVL $1, AX
	MOVL AX, X12
	VPBROADCASTD X12, Y12

pool8:
	CMPQ CX, $8
	JLT  pooltail
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (BX), Y2
	VMOVUPS 32(BX), Y3
	POOLCORE
	VMOVUPS Y4, (DI)
	TESTQ DX, DX
	JEQ   pool8next
	VMOVDQU Y10, (DX)
	ADDQ $32, DX

pool8next:
	VPADDD Y14, Y15, Y15
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  pool8

pooltail:
	TESTQ CX, CX
	JEQ   pooldone
	// inputs: 2n floats, lanes min(2n, 8) of the first register and
	// 2n−8 (if positive) of the second
	LEAQ poolMask<>(SB), R8
	MOVQ CX, R9
	SHLQ $1, R9  // 2n
	MOVQ R9, R10
	CMPQ R10, $8
	JLE  tailfirst
	MOVQ $8, R10

tailfirst:
	MOVQ $8, R11
	SUBQ R10, R11
	VMOVDQU (R8)(R11*4), Y8
	VMASKMOVPS (SI), Y8, Y0
	VMASKMOVPS (BX), Y8, Y2
	SUBQ $8, R9
	JGT  tailsecond
	VXORPS Y1, Y1, Y1
	VXORPS Y3, Y3, Y3
	JMP  tailcore

tailsecond:
	MOVQ $8, R11
	SUBQ R9, R11
	VMOVDQU (R8)(R11*4), Y8
	VMASKMOVPS 32(SI), Y8, Y1
	VMASKMOVPS 32(BX), Y8, Y3

tailcore:
	POOLCORE
	MOVQ $8, R11
	SUBQ CX, R11
	VMOVDQU (R8)(R11*4), Y8
	VMASKMOVPS Y4, Y8, (DI)
	TESTQ DX, DX
	JEQ   pooldone
	VPMASKMOVD Y10, Y8, (DX)

pooldone:
	VZEROUPPER
	RET

