#include "textflag.h"

// func axpyAVX2(y, x *float32, n int, a float32)
// y[i] = x[i]*a + y[i], rounded once (VFMADD231PS).
TEXT ·axpyAVX2(SB), NOSPLIT, $0-28
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS a+24(FP), Y0

loop32:
	CMPQ        CX, $32
	JL          loop8
	VMOVUPS     (DI), Y1
	VMOVUPS     32(DI), Y2
	VMOVUPS     64(DI), Y3
	VMOVUPS     96(DI), Y4
	VFMADD231PS (SI), Y0, Y1
	VFMADD231PS 32(SI), Y0, Y2
	VFMADD231PS 64(SI), Y0, Y3
	VFMADD231PS 96(SI), Y0, Y4
	VMOVUPS     Y1, (DI)
	VMOVUPS     Y2, 32(DI)
	VMOVUPS     Y3, 64(DI)
	VMOVUPS     Y4, 96(DI)
	ADDQ        $128, DI
	ADDQ        $128, SI
	SUBQ        $32, CX
	JMP         loop32

loop8:
	CMPQ        CX, $8
	JL          tail
	VMOVUPS     (DI), Y1
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	SUBQ        $8, CX
	JMP         loop8

tail:
	CMPQ        CX, $0
	JE          done
	VMOVSS      (DI), X1
	VFMADD231SS (SI), X0, X1
	VMOVSS      X1, (DI)
	ADDQ        $4, DI
	ADDQ        $4, SI
	DECQ        CX
	JMP         tail

done:
	VZEROUPPER
	RET

// func scalAVX2(x *float32, n int, a float32)
// x[i] *= a.
TEXT ·scalAVX2(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS a+16(FP), Y0

sloop32:
	CMPQ    CX, $32
	JL      sloop8
	VMULPS  (DI), Y0, Y1
	VMULPS  32(DI), Y0, Y2
	VMULPS  64(DI), Y0, Y3
	VMULPS  96(DI), Y0, Y4
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     sloop32

sloop8:
	CMPQ    CX, $8
	JL      stail
	VMULPS  (DI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     sloop8

stail:
	CMPQ   CX, $0
	JE     sdone
	VMULSS (DI), X0, X1
	VMOVSS X1, (DI)
	ADDQ   $4, DI
	DECQ   CX
	JMP    stail

sdone:
	VZEROUPPER
	RET

// func momentumAVX2(w, buf, d *float32, n int, mom, c, nlr float32)
// buf[i] = fma(d[i], c, buf[i]*mom); w[i] = fma(buf[i], nlr, w[i]).
TEXT ·momentumAVX2(SB), NOSPLIT, $0-44
	MOVQ         w+0(FP), DI
	MOVQ         buf+8(FP), SI
	MOVQ         d+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS mom+32(FP), Y0
	VBROADCASTSS c+36(FP), Y1
	VBROADCASTSS nlr+40(FP), Y2

mloop16:
	CMPQ        CX, $16
	JL          mloop8
	VMULPS      (SI), Y0, Y3
	VMULPS      32(SI), Y0, Y4
	VFMADD231PS (DX), Y1, Y3
	VFMADD231PS 32(DX), Y1, Y4
	VMOVUPS     Y3, (SI)
	VMOVUPS     Y4, 32(SI)
	VMOVUPS     (DI), Y5
	VMOVUPS     32(DI), Y6
	VFMADD231PS Y3, Y2, Y5
	VFMADD231PS Y4, Y2, Y6
	VMOVUPS     Y5, (DI)
	VMOVUPS     Y6, 32(DI)
	ADDQ        $64, DI
	ADDQ        $64, SI
	ADDQ        $64, DX
	SUBQ        $16, CX
	JMP         mloop16

mloop8:
	CMPQ        CX, $8
	JL          mtail
	VMULPS      (SI), Y0, Y3
	VFMADD231PS (DX), Y1, Y3
	VMOVUPS     Y3, (SI)
	VMOVUPS     (DI), Y5
	VFMADD231PS Y3, Y2, Y5
	VMOVUPS     Y5, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, DX
	SUBQ        $8, CX
	JMP         mloop8

mtail:
	CMPQ        CX, $0
	JE          mdone
	VMULSS      (SI), X0, X3
	VFMADD231SS (DX), X1, X3
	VMOVSS      X3, (SI)
	VMOVSS      (DI), X5
	VFMADD231SS X3, X2, X5
	VMOVSS      X5, (DI)
	ADDQ        $4, DI
	ADDQ        $4, SI
	ADDQ        $4, DX
	DECQ        CX
	JMP         mtail

mdone:
	VZEROUPPER
	RET

// func adamAVX2(w, m, v, grad *float32, n int, b1, c1, b2, c2, bc2, eps, nss float32)
// m = fma(g, c1, m*b1); v = v*b2 + (c2*g)*g; w = w + nss*(m/(sqrt(v)/bc2 + eps)).
TEXT ·adamAVX2(SB), NOSPLIT, $0-68
	MOVQ         w+0(FP), DI
	MOVQ         m+8(FP), SI
	MOVQ         v+16(FP), R8
	MOVQ         grad+24(FP), DX
	MOVQ         n+32(FP), CX
	VBROADCASTSS b1+40(FP), Y0
	VBROADCASTSS c1+44(FP), Y1
	VBROADCASTSS b2+48(FP), Y2
	VBROADCASTSS c2+52(FP), Y3
	VBROADCASTSS bc2+56(FP), Y4
	VBROADCASTSS eps+60(FP), Y5
	VBROADCASTSS nss+64(FP), Y6

aloop8:
	CMPQ        CX, $8
	JL          atail
	VMOVUPS     (DX), Y7
	VMULPS      (SI), Y0, Y8
	VFMADD231PS Y7, Y1, Y8
	VMOVUPS     Y8, (SI)
	VMULPS      Y7, Y3, Y9
	VMULPS      Y7, Y9, Y9
	VMULPS      (R8), Y2, Y10
	VADDPS      Y9, Y10, Y10
	VMOVUPS     Y10, (R8)
	VSQRTPS     Y10, Y11
	VDIVPS      Y4, Y11, Y11
	VADDPS      Y5, Y11, Y11
	VDIVPS      Y11, Y8, Y12
	VMULPS      Y6, Y12, Y12
	VADDPS      (DI), Y12, Y12
	VMOVUPS     Y12, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, R8
	ADDQ        $32, DX
	SUBQ        $8, CX
	JMP         aloop8

atail:
	CMPQ        CX, $0
	JE          adone
	VMOVSS      (DX), X7
	VMULSS      (SI), X0, X8
	VFMADD231SS X7, X1, X8
	VMOVSS      X8, (SI)
	VMULSS      X7, X3, X9
	VMULSS      X7, X9, X9
	VMULSS      (R8), X2, X10
	VADDSS      X9, X10, X10
	VMOVSS      X10, (R8)
	VSQRTSS     X10, X10, X11
	VDIVSS      X4, X11, X11
	VADDSS      X5, X11, X11
	VDIVSS      X11, X8, X12
	VMULSS      X6, X12, X12
	VADDSS      (DI), X12, X12
	VMOVSS      X12, (DI)
	ADDQ        $4, DI
	ADDQ        $4, SI
	ADDQ        $4, R8
	ADDQ        $4, DX
	DECQ        CX
	JMP         atail

adone:
	VZEROUPPER
	RET
