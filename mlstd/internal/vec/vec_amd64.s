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
