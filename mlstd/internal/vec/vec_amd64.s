//go:build !purego

#include "textflag.h"

// func axpyAVX2(alpha float32, x, y *float32, n int)
// y[i] = fma(alpha, x[i], y[i]); n > 0.
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	MOVQ n+24(FP), CX

loop16:
	CMPQ CX, $16
	JLT  loop1
	VMOVUPS (DI), Y1
	VMOVUPS 32(DI), Y2
	VFMADD231PS (SI), Y0, Y1
	VFMADD231PS 32(SI), Y0, Y2
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP  loop16

loop1:
	TESTQ CX, CX
	JEQ   done
	VMOVSS (DI), X1
	VFMADD231SS (SI), X0, X1
	VMOVSS X1, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  loop1

done:
	VZEROUPPER
	RET

// func momentumStepAVX2(w, grad, buf *float32, n int, lr, momentum float32)
// b = buf[i]*momentum + grad[i] (two roundings); buf[i] = b; w[i] = fma(b, -lr, w[i]).
TEXT ·momentumStepAVX2(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ buf+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS lr+32(FP), Y0
	VBROADCASTSS momentum+36(FP), Y1
	VXORPS Y2, Y2, Y2
	VSUBPS Y0, Y2, Y0 // -lr

loop16:
	CMPQ CX, $16
	JLT  loop1
	VMULPS (DX), Y1, Y3
	VMULPS 32(DX), Y1, Y4
	VADDPS (SI), Y3, Y3
	VADDPS 32(SI), Y4, Y4
	VMOVUPS Y3, (DX)
	VMOVUPS Y4, 32(DX)
	VMOVUPS (DI), Y5
	VMOVUPS 32(DI), Y6
	VFMADD231PS Y3, Y0, Y5
	VFMADD231PS Y4, Y0, Y6
	VMOVUPS Y5, (DI)
	VMOVUPS Y6, 32(DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP  loop16

loop1:
	TESTQ CX, CX
	JEQ   done
	VMULSS (DX), X1, X3
	VADDSS (SI), X3, X3
	VMOVSS X3, (DX)
	VMOVSS (DI), X5
	VFMADD231SS X3, X0, X5
	VMOVSS X5, (DI)
	ADDQ $4, DI
	ADDQ $4, SI
	ADDQ $4, DX
	DECQ CX
	JMP  loop1

done:
	VZEROUPPER
	RET

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
