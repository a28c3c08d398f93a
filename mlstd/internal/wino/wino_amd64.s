//go:build !purego

#include "textflag.h"

// maskTab is 8 lanes of ones and then 8 of zeros: the 8 floats from
// maskTab+4·(8−n) have their first n lanes set.
DATA maskTab<>+0(SB)/8, $0xffffffffffffffff
DATA maskTab<>+8(SB)/8, $0xffffffffffffffff
DATA maskTab<>+16(SB)/8, $0xffffffffffffffff
DATA maskTab<>+24(SB)/8, $0xffffffffffffffff
DATA maskTab<>+32(SB)/8, $0
DATA maskTab<>+40(SB)/8, $0
DATA maskTab<>+48(SB)/8, $0
DATA maskTab<>+56(SB)/8, $0
GLOBL maskTab<>(SB), RODATA|NOPTR, $64

// MASK sets y to the mask of the first n lanes, n (a register, clobbered)
// in [0, 8]; t is a scratch register.
#define MASK(n, t, y) \
	LEAQ    maskTab<>+32(SB), t; \
	SHLQ    $2, n; \
	SUBQ    n, t; \
	VMOVUPS (t), y

// MIN8 sets n = min(x, 8) (x is not changed); e holds 8.
#define MIN8(x, n, e) \
	MOVQ    e, n; \
	CMPQ    x, e; \
	CMOVQLT x, n

// DEINT splits the 16 floats a:b into their even elements e and odd o.
#define DEINT(a, b, e, o) \
	VSHUFPS $0x88, b, a, e; \
	VSHUFPS $0xDD, b, a, o; \
	VPERMPD $0xD8, e, e; \
	VPERMPD $0xD8, o, o

// INTER interleaves e and o into the 16 floats lo:hi; t is scratch.
#define INTER(e, o, lo, hi, t) \
	VUNPCKLPS  o, e, t; \
	VUNPCKHPS  o, e, hi; \
	VPERM2F128 $0x20, hi, t, lo; \
	VPERM2F128 $0x31, hi, t, hi

// INROW is one row x = OP(row ra, row rb) of Bᵀ d for 8 windows (OP
// being VSUBPS, ra − rb, or VADDPS), then its four elements x0−x2, x1+x2,
// x2−x1, x1−x3 stored (masked by Y15) in four planes from R12 on, R12
// moved past them. The windows' columns 2j and 2j+1 are the even and odd
// elements of the 16 floats from column 2j0, columns 2j+2 and 2j+3 those
// from 2j0+2.
#define INROW(OP, ra, rb, ST) \
	VMOVUPS    0(ra), Y0; \
	VMOVUPS    32(ra), Y1; \
	VMOVUPS    8(ra), Y2; \
	VMOVUPS    40(ra), Y3; \
	OP         0(rb), Y0, Y0; \
	OP         32(rb), Y1, Y1; \
	OP         8(rb), Y2, Y2; \
	OP         40(rb), Y3, Y3; \
	DEINT(Y0, Y1, Y4, Y5); \
	DEINT(Y2, Y3, Y6, Y7); \
	VSUBPS     Y6, Y4, Y8; \
	VADDPS     Y6, Y5, Y9; \
	VSUBPS     Y5, Y6, Y10; \
	VSUBPS     Y7, Y5, Y11; \
	ST(Y8, (R12)); \
	ST(Y9, (R12)(R8*1)); \
	ST(Y10, (R12)(R8*2)); \
	ST(Y11, (R12)(R11*1)); \
	LEAQ       (R12)(R8*4), R12

// STP stores y at a; STM stores its lanes under the mask Y15. AMD's
// processors take many cycles for a masked store (up to 5× the cost of
// a transform), so only a group of fewer than 8 tiles uses them.
#define STP(y, a) VMOVUPS y, a
#define STM(y, a) VMASKMOVPS y, Y15, a

// func inputRowAVX2(v *float32, vs int, p *float32, wp, tw int)
TEXT ·inputRowAVX2(SB), NOSPLIT, $0-40
	MOVQ v+0(FP), DI
	MOVQ vs+8(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R11
	MOVQ p+16(FP), SI
	MOVQ wp+24(FP), R9
	SHLQ $2, R9
	MOVQ tw+32(FP), CX
	MOVQ $8, R10

inloop:
	TESTQ CX, CX
	JLE   indone
	LEAQ  (SI)(R9*1), R13
	LEAQ  (SI)(R9*2), R14
	LEAQ  (R14)(R9*1), DX
	MOVQ  DI, R12
	CMPQ  CX, R10
	JLT   inpart
	INROW(VSUBPS, SI, R14, STP)
	INROW(VADDPS, R13, R14, STP)
	INROW(VSUBPS, R14, R13, STP)
	INROW(VSUBPS, R13, DX, STP)
	JMP   innext

inpart:
	MOVQ CX, AX
	MASK(AX, BX, Y15)
	INROW(VSUBPS, SI, R14, STM)
	INROW(VADDPS, R13, R14, STM)
	INROW(VSUBPS, R14, R13, STM)
	INROW(VSUBPS, R13, DX, STM)

innext:
	ADDQ  $64, SI
	ADDQ  $32, DI
	SUBQ  $8, CX
	JMP   inloop

indone:
	VZEROUPPER
	RET

// COLMASKS sets Y12 and Y13 to the masks of the first min(DX, 16)
// columns of 16 (DX is the columns left, ≥ 1); uses AX, BX, R13, R14.
#define COLMASKS \
	MOVQ    $8, R14; \
	MIN8(DX, AX, R14); \
	MASK(AX, BX, Y12); \
	MOVQ    DX, AX; \
	SUBQ    $8, AX; \
	XORQ    R13, R13; \
	CMPQ    AX, R13; \
	CMOVQLT R13, AX; \
	CMPQ    AX, R14; \
	CMOVQGT R14, AX; \
	MASK(AX, BX, Y13)

// func outputRowAVX2(y0, y1 *float32, ow int, m *float32, ms, tw int, bias float32)
TEXT ·outputRowAVX2(SB), NOSPLIT, $0-52
	MOVQ         y0+0(FP), DI
	MOVQ         y1+8(FP), SI
	MOVQ         ow+16(FP), DX
	MOVQ         m+24(FP), R10
	MOVQ         ms+32(FP), R8
	SHLQ         $2, R8
	LEAQ         (R8)(R8*2), R11
	MOVQ         tw+40(FP), CX
	VBROADCASTSS bias+48(FP), Y14

outloop:
	TESTQ   CX, CX
	JLE     outdone
	MOVQ    R10, R12
	VMOVUPS (R12), Y0
	VMOVUPS (R12)(R8*1), Y1
	VMOVUPS (R12)(R8*2), Y2
	VMOVUPS (R12)(R11*1), Y3
	LEAQ    (R12)(R8*4), R12
	VMOVUPS (R12), Y4
	VMOVUPS (R12)(R8*1), Y5
	VMOVUPS (R12)(R8*2), Y6
	VMOVUPS (R12)(R11*1), Y7
	LEAQ    (R12)(R8*4), R12

	// Y0–Y3: s = m0+m1+m2; Y4–Y7: d = m1−m2−m3 (by columns).
	VADDPS  Y4, Y0, Y0
	VADDPS  Y5, Y1, Y1
	VADDPS  Y6, Y2, Y2
	VADDPS  Y7, Y3, Y3
	VMOVUPS (R12), Y8
	VADDPS  Y8, Y0, Y0
	VSUBPS  Y8, Y4, Y4
	VMOVUPS (R12)(R8*1), Y8
	VADDPS  Y8, Y1, Y1
	VSUBPS  Y8, Y5, Y5
	VMOVUPS (R12)(R8*2), Y8
	VADDPS  Y8, Y2, Y2
	VSUBPS  Y8, Y6, Y6
	VMOVUPS (R12)(R11*1), Y8
	VADDPS  Y8, Y3, Y3
	VSUBPS  Y8, Y7, Y7
	LEAQ    (R12)(R8*4), R12
	VSUBPS  (R12), Y4, Y4
	VSUBPS  (R12)(R8*1), Y5, Y5
	VSUBPS  (R12)(R8*2), Y6, Y6
	VSUBPS  (R12)(R11*1), Y7, Y7

	// The rows: x0+x1+x2 + bias (even columns), x1−x2−x3 + bias (odd).
	VADDPS Y1, Y0, Y8
	VADDPS Y2, Y8, Y8
	VADDPS Y14, Y8, Y8
	VSUBPS Y2, Y1, Y9
	VSUBPS Y3, Y9, Y9
	VADDPS Y14, Y9, Y9
	VADDPS Y5, Y4, Y10
	VADDPS Y6, Y10, Y10
	VADDPS Y14, Y10, Y10
	VSUBPS Y6, Y5, Y11
	VSUBPS Y7, Y11, Y11
	VADDPS Y14, Y11, Y11

	INTER(Y8, Y9, Y0, Y1, Y2)
	INTER(Y10, Y11, Y8, Y9, Y2)
	CMPQ       DX, $16
	JLT        outpart
	VMOVUPS    Y0, (DI)
	VMOVUPS    Y1, 32(DI)
	TESTQ      SI, SI
	JEQ        outnext
	VMOVUPS    Y8, (SI)
	VMOVUPS    Y9, 32(SI)
	ADDQ       $64, SI
	JMP        outnext

outpart:
	COLMASKS
	VMASKMOVPS Y0, Y12, (DI)
	VMASKMOVPS Y1, Y13, 32(DI)
	TESTQ      SI, SI
	JEQ        outnext
	VMASKMOVPS Y8, Y12, (SI)
	VMASKMOVPS Y9, Y13, 32(SI)
	ADDQ       $64, SI

outnext:
	ADDQ $64, DI
	ADDQ $32, R10
	SUBQ $16, DX
	SUBQ $8, CX
	JMP  outloop

outdone:
	VZEROUPPER
	RET

// SPREAD4 stores p, p+q, p−q and −q (masked by Y15) in four planes from
// R12 on and moves R12 past them; Y14 is the sign mask.
#define SPREAD4(p, q, ST) \
	ST(p, (R12)); \
	VADDPS     q, p, Y6; \
	ST(Y6, (R12)(R8*1)); \
	VSUBPS     q, p, Y6; \
	ST(Y6, (R12)(R8*2)); \
	VXORPS     Y14, q, Y6; \
	ST(Y6, (R12)(R11*1)); \
	LEAQ       (R12)(R8*4), R12

// SPROWS stores the four rows of the tiles [a b; c e], a, b, c, e in Y2,
// Y3, Y4, Y5: [a b], [a+c b+e], [a−c b−e], [−c −e], each with ST.
#define SPROWS(ST) \
	MOVQ   DI, R12; \
	SPREAD4(Y2, Y3, ST); \
	VADDPS Y4, Y2, Y8; \
	VADDPS Y5, Y3, Y9; \
	SPREAD4(Y8, Y9, ST); \
	VSUBPS Y4, Y2, Y8; \
	VSUBPS Y5, Y3, Y9; \
	SPREAD4(Y8, Y9, ST); \
	VXORPS Y14, Y4, Y8; \
	VXORPS Y14, Y5, Y9; \
	SPREAD4(Y8, Y9, ST)

// func spreadRowAVX2(m *float32, ms int, d0, d1 *float32, ow, tw int)
TEXT ·spreadRowAVX2(SB), NOSPLIT, $0-48
	MOVQ     m+0(FP), DI
	MOVQ     ms+8(FP), R8
	SHLQ     $2, R8
	LEAQ     (R8)(R8*2), R11
	MOVQ     d0+16(FP), SI
	MOVQ     d1+24(FP), R9
	MOVQ     ow+32(FP), DX
	MOVQ     tw+40(FP), CX
	MOVQ     $8, R10
	VPCMPEQD Y14, Y14, Y14
	VPSLLD   $31, Y14, Y14

sploop:
	TESTQ      CX, CX
	JLE        spdone
	VXORPS     Y4, Y4, Y4
	VXORPS     Y5, Y5, Y5
	CMPQ       DX, $16
	JLT        sppartcols
	VMOVUPS    (SI), Y0
	VMOVUPS    32(SI), Y1
	DEINT(Y0, Y1, Y2, Y3)
	TESTQ      R9, R9
	JEQ        sprows
	VMOVUPS    (R9), Y0
	VMOVUPS    32(R9), Y1
	DEINT(Y0, Y1, Y4, Y5)
	ADDQ       $64, R9
	JMP        sprows

sppartcols:
	COLMASKS
	VMASKMOVPS (SI), Y12, Y0
	VMASKMOVPS 32(SI), Y13, Y1
	DEINT(Y0, Y1, Y2, Y3)
	TESTQ      R9, R9
	JEQ        sprows
	VMASKMOVPS (R9), Y12, Y0
	VMASKMOVPS 32(R9), Y13, Y1
	DEINT(Y0, Y1, Y4, Y5)
	ADDQ       $64, R9

sprows:
	CMPQ CX, R10
	JLT  sppart
	SPROWS(STP)
	JMP  spnext

sppart:
	MOVQ CX, AX
	MASK(AX, BX, Y15)
	SPROWS(STM)

spnext:
	ADDQ   $64, SI
	ADDQ   $32, DI
	SUBQ   $16, DX
	SUBQ   $8, CX
	JMP    sploop

spdone:
	VZEROUPPER
	RET

// LOAD4 loads 8 tiles of the four planes from b on into Y0–Y3 (R8 is
// the plane stride, R11 three of them); OP4 applies OP (VADDPS, VSUBPS)
// with them.
#define LOAD4(b) \
	VMOVUPS (b), Y0; \
	VMOVUPS (b)(R8*1), Y1; \
	VMOVUPS (b)(R8*2), Y2; \
	VMOVUPS (b)(R11*1), Y3

#define OP4(OP, b) \
	OP (b), Y0, Y0; \
	OP (b)(R8*1), Y1, Y1; \
	OP (b)(R8*2), Y2, Y2; \
	OP (b)(R11*1), Y3, Y3

// func inputGradRowAVX2(p *float32, wp int, v *float32, vs, tw int)
//
// Row r of the windows at a time: its four columns z0…z3 of B dV for 8
// tiles (Y0–Y3, zero beyond the tiles), then c0 = z0 and c1 = z1−z2+z3
// interleaved (columns 2j, 2j+1) and c2 = z1+z2−z0 and c3 = −z3
// interleaved (columns 2j+2, 2j+3: shifted by one column pair, the last
// pair carried in Y13 to the next 8 tiles) are added into the row.
TEXT ·inputGradRowAVX2(SB), NOSPLIT, $0-40
	MOVQ     p+0(FP), SI
	MOVQ     wp+8(FP), R9
	SHLQ     $2, R9
	MOVQ     v+16(FP), R10
	MOVQ     vs+24(FP), R8
	SHLQ     $2, R8
	LEAQ     (R8)(R8*2), R11
	XORQ     R13, R13
	MOVQ     $8, R14
	VPCMPEQD Y14, Y14, Y14
	VPSLLD   $31, Y14, Y14

igrow:
	MOVQ   tw+32(FP), CX
	MOVQ   R10, DI
	MOVQ   SI, DX
	VXORPS Y13, Y13, Y13

iggroup:
	TESTQ CX, CX
	JLE   igrowend
	MIN8(CX, AX, R14)
	MASK(AX, BX, Y15)
	MOVQ  DI, R12
	CMPQ  R13, $1
	JLT   igz0
	JEQ   igz1
	CMPQ  R13, $2
	JEQ   igz2

	// r = 3: z = −X3.
	LEAQ    (R12)(R8*8), R12
	LEAQ    (R12)(R8*4), R12
	LOAD4(R12)
	VXORPS  Y14, Y0, Y0
	VXORPS  Y14, Y1, Y1
	VXORPS  Y14, Y2, Y2
	VXORPS  Y14, Y3, Y3
	JMP     igcols

igz0: // z = X0
	LOAD4(R12)
	JMP     igcols

igz1: // z = X1 − X2 + X3
	LEAQ    (R12)(R8*4), R12
	LOAD4(R12)
	LEAQ    (R12)(R8*4), R12
	OP4(VSUBPS, R12)
	LEAQ    (R12)(R8*4), R12
	OP4(VADDPS, R12)
	JMP     igcols

igz2: // z = X1 + X2 − X0
	MOVQ    R12, BX
	LEAQ    (R12)(R8*4), R12
	LOAD4(R12)
	LEAQ    (R12)(R8*4), R12
	OP4(VADDPS, R12)
	OP4(VSUBPS, BX)

igcols:
	VANDPS Y15, Y0, Y0
	VANDPS Y15, Y1, Y1
	VANDPS Y15, Y2, Y2
	VANDPS Y15, Y3, Y3
	VSUBPS Y2, Y1, Y4 // c1 = z1 − z2 + z3
	VADDPS Y3, Y4, Y4
	VADDPS Y2, Y1, Y5 // c2 = z1 + z2 − z0
	VSUBPS Y0, Y5, Y5
	VXORPS Y14, Y3, Y6 // c3 = −z3
	INTER(Y0, Y4, Y9, Y10, Y7)
	INTER(Y5, Y6, Y11, Y12, Y7)

	// Shift c2:c3 by one column pair: Y11:Y12 from carry, lo, hi.
	VPERMQ   $0x93, Y11, Y7
	VPERMQ   $0x93, Y12, Y8
	VPBLENDD $0x03, Y13, Y7, Y11
	VPBLENDD $0x03, Y7, Y8, Y12
	VMOVAPS  Y8, Y13

	VMOVUPS (DX), Y0
	VADDPS  Y9, Y0, Y0
	VADDPS  Y11, Y0, Y0
	VMOVUPS Y0, (DX)
	VMOVUPS 32(DX), Y1
	VADDPS  Y10, Y1, Y1
	VADDPS  Y12, Y1, Y1
	VMOVUPS Y1, 32(DX)
	ADDQ    $64, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     iggroup

igrowend:
	// The last tiles' carried pair.
	VMOVQ  (DX), X0
	VADDPS X13, X0, X0
	VMOVQ  X0, (DX)
	ADDQ   R9, SI
	INCQ   R13
	CMPQ   R13, $4
	JLT    igrow

	VZEROUPPER
	RET
