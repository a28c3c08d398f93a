//go:build !purego

#include "textflag.h"

// func dot4AVX2(k int, x, w *float32, ldw int, d *[4]float32)
//
// d[r] = Σ_{p<k} x[p]·w[r*ldw+p] for r = 0..3; k is a multiple of 8.
// Y0..Y3 accumulate the even 8-float steps of the four rows, Y4..Y7 the
// odd ones (two independent FMA chains per row); Y8, Y9 hold x.
TEXT ·dot4AVX2(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), CX
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), DI
	MOVQ ldw+24(FP), DX
	MOVQ d+32(FP), R8
	SHLQ $2, DX
	SHLQ $2, CX          // k in bytes
	LEAQ (DI)(DX*1), R9  // row 1
	LEAQ (DI)(DX*2), R10 // row 2
	LEAQ (R9)(DX*2), R11 // row 3

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-64, BX        // bytes in whole 16-float steps

loop16:
	CMPQ AX, BX
	JGE  tail8
	VMOVUPS (SI)(AX*1), Y8
	VMOVUPS 32(SI)(AX*1), Y9
	VFMADD231PS (DI)(AX*1), Y8, Y0
	VFMADD231PS 32(DI)(AX*1), Y9, Y4
	VFMADD231PS (R9)(AX*1), Y8, Y1
	VFMADD231PS 32(R9)(AX*1), Y9, Y5
	VFMADD231PS (R10)(AX*1), Y8, Y2
	VFMADD231PS 32(R10)(AX*1), Y9, Y6
	VFMADD231PS (R11)(AX*1), Y8, Y3
	VFMADD231PS 32(R11)(AX*1), Y9, Y7
	ADDQ $64, AX
	JMP  loop16

tail8:
	CMPQ AX, CX
	JGE  reduce
	VMOVUPS (SI)(AX*1), Y8
	VFMADD231PS (DI)(AX*1), Y8, Y0
	VFMADD231PS (R9)(AX*1), Y8, Y1
	VFMADD231PS (R10)(AX*1), Y8, Y2
	VFMADD231PS (R11)(AX*1), Y8, Y3

reduce:
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	VHADDPS Y1, Y0, Y0   // row0 pairs, row1 pairs (per 128-bit lane)
	VHADDPS Y3, Y2, Y2   // row2 pairs, row3 pairs
	VHADDPS Y2, Y0, Y0   // rows 0..3, one lane's half each
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVUPS X0, (R8)
	VZEROUPPER
	RET

// func dot4AVX512(k int, x, w *float32, ldw int, d *[4]float32)
//
// dot4AVX2 with 16-float zmm steps; k is a multiple of 16. Z0..Z3
// accumulate the even steps of the four rows, Z4..Z7 the odd ones.
TEXT ·dot4AVX512(SB), NOSPLIT, $0-40
	MOVQ k+0(FP), CX
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), DI
	MOVQ ldw+24(FP), DX
	MOVQ d+32(FP), R8
	SHLQ $2, DX
	SHLQ $2, CX          // k in bytes
	LEAQ (DI)(DX*1), R9  // row 1
	LEAQ (DI)(DX*2), R10 // row 2
	LEAQ (R9)(DX*2), R11 // row 3

	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-128, BX       // bytes in whole 32-float steps

loop32:
	CMPQ AX, BX
	JGE  tail16
	VMOVUPS (SI)(AX*1), Z8
	VMOVUPS 64(SI)(AX*1), Z9
	VFMADD231PS (DI)(AX*1), Z8, Z0
	VFMADD231PS 64(DI)(AX*1), Z9, Z4
	VFMADD231PS (R9)(AX*1), Z8, Z1
	VFMADD231PS 64(R9)(AX*1), Z9, Z5
	VFMADD231PS (R10)(AX*1), Z8, Z2
	VFMADD231PS 64(R10)(AX*1), Z9, Z6
	VFMADD231PS (R11)(AX*1), Z8, Z3
	VFMADD231PS 64(R11)(AX*1), Z9, Z7
	ADDQ $128, AX
	JMP  loop32

tail16:
	CMPQ AX, CX
	JGE  reduce
	VMOVUPS (SI)(AX*1), Z8
	VFMADD231PS (DI)(AX*1), Z8, Z0
	VFMADD231PS (R9)(AX*1), Z8, Z1
	VFMADD231PS (R10)(AX*1), Z8, Z2
	VFMADD231PS (R11)(AX*1), Z8, Z3

reduce:
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z1, Z1
	VADDPS Z6, Z2, Z2
	VADDPS Z7, Z3, Z3
	VEXTRACTF64X4 $1, Z0, Y4
	VADDPS Y4, Y0, Y0
	VEXTRACTF64X4 $1, Z1, Y5
	VADDPS Y5, Y1, Y1
	VEXTRACTF64X4 $1, Z2, Y6
	VADDPS Y6, Y2, Y2
	VEXTRACTF64X4 $1, Z3, Y7
	VADDPS Y7, Y3, Y3
	VHADDPS Y1, Y0, Y0
	VHADDPS Y3, Y2, Y2
	VHADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVUPS X0, (R8)
	VZEROUPPER
	RET
