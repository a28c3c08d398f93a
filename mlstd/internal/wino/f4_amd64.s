//go:build !purego

#include "textflag.h"

// F(4×4, 3×3) in AVX2: 8 tiles per vector, lane j being tile j0+j of the
// group. Every function makes two passes over a group: the first writes
// its 1-D transforms to a scratch frame, the second reads them back, so
// that no pass needs more than the 16 vector registers.

// Vectors of 8 constants for the products (memory operands: the
// transforms need all 16 registers), then the lane numbers 0…7 (the mask
// of the tiles left), the rotation 7, 0, 1, …, 6 (lane j takes lane j−1:
// the carry to the next tile) and the sign bit.
#define VEC8(name, bits) \
	DATA name<>+0(SB)/8, $bits; \
	DATA name<>+8(SB)/8, $bits; \
	DATA name<>+16(SB)/8, $bits; \
	DATA name<>+24(SB)/8, $bits; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

VEC8(k0125, 0x3e0000003e000000)
VEC8(k025, 0x3e8000003e800000)
VEC8(k05, 0x3f0000003f000000)
VEC8(k15, 0x3fc000003fc00000)
VEC8(k25, 0x4020000040200000)
VEC8(k4, 0x4080000040800000)
VEC8(k8, 0x4100000041000000)
VEC8(sign, 0x8000000080000000)
DATA lanes<>+0(SB)/8, $0x0000000100000000
DATA lanes<>+8(SB)/8, $0x0000000300000002
DATA lanes<>+16(SB)/8, $0x0000000500000004
DATA lanes<>+24(SB)/8, $0x0000000700000006
GLOBL lanes<>(SB), RODATA|NOPTR, $32
DATA rot<>+0(SB)/8, $0x0000000000000007
DATA rot<>+8(SB)/8, $0x0000000200000001
DATA rot<>+16(SB)/8, $0x0000000400000003
DATA rot<>+24(SB)/8, $0x0000000600000005
GLOBL rot<>(SB), RODATA|NOPTR, $32

// BT is bt (f4.go) of Y0…Y5: r0…r5 in Y10, Y12, Y13, Y9, Y8, Y11;
// clobbers Y6, Y7.
#define BT \
	VSUBPS Y3, Y1, Y6; \
	VSUBPS Y2, Y4, Y7; \
	VMULPS k05<>(SB), Y6, Y8; \
	VSUBPS Y8, Y7, Y9; \
	VADDPS Y8, Y6, Y8; \
	VSUBPS Y2, Y0, Y10; \
	VADDPS Y7, Y10, Y10; \
	VADDPS Y8, Y10, Y10; \
	VADDPS Y6, Y6, Y8; \
	VADDPS Y8, Y7, Y8; \
	VSUBPS Y3, Y5, Y11; \
	VADDPS Y6, Y11, Y11; \
	VMULPS k05<>(SB), Y7, Y6; \
	VADDPS Y6, Y7, Y6; \
	VSUBPS Y6, Y11, Y11; \
	VMULPS k25<>(SB), Y2, Y6; \
	VMULPS k05<>(SB), Y3, Y7; \
	VADDPS Y7, Y6, Y6; \
	VSUBPS Y1, Y4, Y12; \
	VSUBPS Y6, Y12, Y12; \
	VMULPS k05<>(SB), Y2, Y6; \
	VMULPS k25<>(SB), Y3, Y7; \
	VSUBPS Y7, Y6, Y6; \
	VADDPS Y1, Y4, Y13; \
	VADDPS Y6, Y13, Y13

// AT is at of Y0…Y5: y0…y3 in Y0, Y8, Y6, Y7; clobbers Y9, Y10.
#define AT \
	VADDPS Y2, Y1, Y6; \
	VSUBPS Y2, Y1, Y7; \
	VADDPS Y4, Y3, Y8; \
	VADDPS Y6, Y0, Y0; \
	VADDPS Y8, Y0, Y0; \
	VADDPS Y3, Y3, Y8; \
	VMULPS k05<>(SB), Y4, Y9; \
	VSUBPS Y9, Y8, Y8; \
	VADDPS Y8, Y7, Y8; \
	VMULPS k4<>(SB), Y3, Y9; \
	VMULPS k025<>(SB), Y4, Y10; \
	VADDPS Y10, Y9, Y9; \
	VADDPS Y9, Y6, Y6; \
	VMULPS k8<>(SB), Y3, Y9; \
	VMULPS k0125<>(SB), Y4, Y10; \
	VSUBPS Y10, Y9, Y9; \
	VADDPS Y5, Y7, Y7; \
	VADDPS Y9, Y7, Y7

// A4 is a4 of Y0…Y3: o0…o5 in Y0, Y6, Y7, Y4, Y5, Y3; clobbers Y8, Y9.
#define A4 \
	VADDPS Y2, Y0, Y4; \
	VADDPS Y3, Y1, Y5; \
	VADDPS Y5, Y4, Y6; \
	VSUBPS Y5, Y4, Y7; \
	VMULPS k4<>(SB), Y2, Y4; \
	VADDPS Y4, Y0, Y4; \
	VADDPS Y1, Y1, Y5; \
	VMULPS k8<>(SB), Y3, Y8; \
	VADDPS Y8, Y5, Y5; \
	VADDPS Y5, Y4, Y4; \
	VMULPS k025<>(SB), Y2, Y5; \
	VADDPS Y5, Y0, Y5; \
	VMULPS k05<>(SB), Y1, Y8; \
	VMULPS k0125<>(SB), Y3, Y9; \
	VADDPS Y9, Y8, Y8; \
	VSUBPS Y8, Y5, Y5

// B6 is b6 of Y0…Y5: w0…w5 in Y0, Y7, Y11, Y8, Y10, Y5; clobbers Y6,
// Y9, Y12.
#define B6 \
	VMULPS k15<>(SB), Y0, Y6; \
	VMULPS k05<>(SB), Y3, Y7; \
	VSUBPS Y7, Y6, Y6; \
	VADDPS Y4, Y4, Y7; \
	VADDPS Y5, Y7, Y7; \
	VADDPS Y7, Y6, Y6; \
	VSUBPS Y1, Y2, Y7; \
	VADDPS Y7, Y6, Y7; \
	VADDPS Y4, Y3, Y8; \
	VMULPS k15<>(SB), Y5, Y9; \
	VADDPS Y1, Y0, Y10; \
	VADDPS Y8, Y2, Y11; \
	VADDPS Y11, Y10, Y10; \
	VSUBPS Y9, Y10, Y10; \
	VMULPS k05<>(SB), Y2, Y11; \
	VADDPS Y9, Y11, Y11; \
	VADDPS Y0, Y0, Y9; \
	VMULPS k25<>(SB), Y1, Y12; \
	VADDPS Y12, Y9, Y9; \
	VADDPS Y8, Y9, Y9; \
	VSUBPS Y9, Y11, Y11; \
	VMULPS k05<>(SB), Y1, Y8; \
	VMULPS k25<>(SB), Y2, Y9; \
	VADDPS Y9, Y8, Y8; \
	VADDPS Y5, Y8, Y8; \
	VADDPS Y8, Y6, Y8; \
	VXORPS sign<>(SB), Y8, Y8

// TILES turns the columns k0…k3 of 8 tiles (lane j: tile j's column k)
// into the tiles' 32 floats o0:o1:o2:o3, tile by tile; clobbers t0…t3.
// (Within each 128-bit half it is a 4×4 transpose, which leaves tiles j
// and j+4 in the halves of one register; the VPERM2F128s pair them.)
#define TILES(k0, k1, k2, k3, o0, o1, o2, o3, t0, t1, t2, t3) \
	VUNPCKLPS  k1, k0, t0; \
	VUNPCKHPS  k1, k0, t1; \
	VUNPCKLPS  k3, k2, t2; \
	VUNPCKHPS  k3, k2, t3; \
	VUNPCKLPD  t2, t0, k0; \
	VUNPCKHPD  t2, t0, k1; \
	VUNPCKLPD  t3, t1, k2; \
	VUNPCKHPD  t3, t1, k3; \
	VPERM2F128 $0x20, k1, k0, o0; \
	VPERM2F128 $0x20, k3, k2, o1; \
	VPERM2F128 $0x31, k1, k0, o2; \
	VPERM2F128 $0x31, k3, k2, o3

// HALVES loads 4 floats from lo(b) and 4 from hi(b) into the halves of y.
#define HALVES(lo, hi, b, x, y) \
	VMOVUPS     lo b, x; \
	VINSERTF128 $1, hi b, y, y

// COLS turns the vectors q0…q3 of halves [tile j | tile j+4] (j = 0…3)
// into the tiles' columns 0…3 in c0…c3, lane j: tile j's column;
// clobbers t0…t3.
#define COLS(q0, q1, q2, q3, c0, c1, c2, c3, t0, t1, t2, t3) \
	VUNPCKLPS q1, q0, t0; \
	VUNPCKHPS q1, q0, t1; \
	VUNPCKLPS q3, q2, t2; \
	VUNPCKHPS q3, q2, t3; \
	VUNPCKLPD t2, t0, c0; \
	VUNPCKHPD t2, t0, c1; \
	VUNPCKLPD t3, t1, c2; \
	VUNPCKHPD t3, t1, c3

// VERT loads the halves [tile q | tile q+4] of the six image rows from SI
// (lo, hi: the halves' byte offsets; R9 is a row, R11 three, R12 five),
// applies BT, and stores r0…r5 160 bytes apart from R10.
#define VERT(lo, hi) \
	HALVES(lo, hi, (SI), X0, Y0); \
	HALVES(lo, hi, (SI)(R9*1), X1, Y1); \
	HALVES(lo, hi, (SI)(R9*2), X2, Y2); \
	HALVES(lo, hi, (SI)(R11*1), X3, Y3); \
	HALVES(lo, hi, (SI)(R9*4), X4, Y4); \
	HALVES(lo, hi, (SI)(R12*1), X5, Y5); \
	BT; \
	VMOVUPS Y10, (R10); \
	VMOVUPS Y12, 160(R10); \
	VMOVUPS Y13, 320(R10); \
	VMOVUPS Y9, 480(R10); \
	VMOVUPS Y8, 640(R10); \
	VMOVUPS Y11, 800(R10); \
	ADDQ    $32, R10

// func inputRow4AVX2(v *float32, vs int, p *float32, wp, tw int)
//
// Per group of 8 tiles, pass 1 applies Bᵀ down the six rows to the
// vectors [tile q | tile q+4], q = 0…4 (a window's columns 4…5 are the
// next tile's 0…1, whence tile 8), storing T (6 rows × 5 vectors) at
// 0(SP); pass 2 turns each row of T into columns 0…5 of the 8 windows and
// stores Bᵀ of them in the row's six planes.
TEXT ·inputRow4AVX2(SB), 0, $960-40
	MOVQ         v+0(FP), DI
	MOVQ         vs+8(FP), R8
	SHLQ         $2, R8
	LEAQ         (R8)(R8*2), DX
	LEAQ         (R8)(R8*4), R13
	MOVQ         p+16(FP), SI
	MOVQ         wp+24(FP), R9
	SHLQ         $2, R9
	LEAQ         (R9)(R9*2), R11
	LEAQ         (R9)(R9*4), R12
	MOVQ         tw+32(FP), CX

in4group:
	MOVQ SP, R10
	VERT(0, 64)
	VERT(16, 80)
	VERT(32, 96)
	VERT(48, 112)
	VERT(64, 128)

	MOVQ SP, R10
	MOVQ DI, R14
	MOVQ $6, AX

in4row:
	VMOVUPS   (R10), Y0
	VMOVUPS   32(R10), Y1
	VMOVUPS   64(R10), Y2
	VMOVUPS   96(R10), Y3
	VMOVUPS   128(R10), Y4
	VUNPCKLPS Y3, Y1, Y10 // columns 0, 1 of tiles 1, 3 (5, 7)
	VUNPCKLPS Y4, Y2, Y11 // and of tiles 2, 4 (6, 8)
	COLS(Y0, Y1, Y2, Y3, Y0, Y1, Y2, Y3, Y6, Y7, Y8, Y9)
	VUNPCKLPS Y11, Y10, Y4 // columns 4: the next tiles' 0
	VUNPCKHPS Y11, Y10, Y5 // columns 5: their 1
	BT
	VMOVUPS   Y10, (R14)
	VMOVUPS   Y12, (R14)(R8*1)
	VMOVUPS   Y13, (R14)(R8*2)
	VMOVUPS   Y9, (R14)(DX*1)
	VMOVUPS   Y8, (R14)(R8*4)
	VMOVUPS   Y11, (R14)(R13*1)
	LEAQ      (R14)(DX*2), R14
	ADDQ      $160, R10
	DECQ      AX
	JNZ       in4row

	ADDQ $128, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JG   in4group
	VZEROUPPER
	RET

// PART stores the first n < 32 floats of a:b:c:e at d in blocks of 8,
// 4, 2 and 1 (no masked stores, slow on AMD's processors); n, d and a
// (whose lower half is xa) are clobbered, l4…done are labels.
#define PART(n, d, a, b, c, e, xa, l4, l2, l1, done) \
	CMPQ         n, $8; \
	JLT          l4; \
	VMOVUPS      a, (d); \
	VMOVAPS      b, a; \
	ADDQ         $32, d; \
	SUBQ         $8, n; \
	CMPQ         n, $8; \
	JLT          l4; \
	VMOVUPS      a, (d); \
	VMOVAPS      c, a; \
	ADDQ         $32, d; \
	SUBQ         $8, n; \
	CMPQ         n, $8; \
	JLT          l4; \
	VMOVUPS      a, (d); \
	VMOVAPS      e, a; \
	ADDQ         $32, d; \
	SUBQ         $8, n; \
l4: \
	CMPQ         n, $4; \
	JLT          l2; \
	VMOVUPS      xa, (d); \
	VEXTRACTF128 $1, a, xa; \
	ADDQ         $16, d; \
	SUBQ         $4, n; \
l2: \
	CMPQ         n, $2; \
	JLT          l1; \
	VMOVQ        xa, (d); \
	VPSRLDQ      $8, xa, xa; \
	ADDQ         $8, d; \
	SUBQ         $2, n; \
l1: \
	TESTQ        n, n; \
	JZ           done; \
	VMOVSS       xa, (d); \
done:

// func outputRow4AVX2(y0, y1, y2, y3 *float32, ow int, m *float32, ms, tw int, bias float32)
//
// Per group, pass 1 applies Aᵀ down the six rows of M (column b: planes
// b, 6+b, …, 30+b; bias added to M[1][1]), storing T (4 rows × 6
// columns) at 0(SP); pass 2 applies Aᵀ along each row of T, turns the 4
// columns of 8 tiles into 32 consecutive floats and stores them in the
// row (unless its pointer is nil). A last group short of 32 columns
// stores its first ow − 32g (PART).
TEXT ·outputRow4AVX2(SB), 0, $768-68
	MOVQ         m+40(FP), R10
	MOVQ         ms+48(FP), R9
	SHLQ         $2, R9
	LEAQ         (R9)(R9*2), R8
	SHLQ         $1, R8
	LEAQ         (R8)(R8*2), R11
	LEAQ         (R8)(R8*4), R12
	MOVQ         ow+32(FP), DX
	MOVQ         tw+56(FP), CX
	XORQ         R15, R15
	VBROADCASTSS bias+64(FP), Y14

out4group:
	MOVQ R10, SI
	MOVQ SP, BX
	MOVQ $6, AX

out4col:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R8*1), Y1
	VMOVUPS (SI)(R8*2), Y2
	VMOVUPS (SI)(R11*1), Y3
	VMOVUPS (SI)(R8*4), Y4
	VMOVUPS (SI)(R12*1), Y5
	CMPQ    AX, $5
	JNE     out4at
	VADDPS  Y14, Y1, Y1 // M[1][1] + bias

out4at:
	AT
	VMOVUPS Y0, (BX)
	VMOVUPS Y8, 192(BX)
	VMOVUPS Y6, 384(BX)
	VMOVUPS Y7, 576(BX)
	ADDQ    R9, SI
	ADDQ    $32, BX
	DECQ    AX
	JNZ     out4col

	MOVQ SP, BX
	XORQ AX, AX

out4row:
	VMOVUPS (BX), Y0
	VMOVUPS 32(BX), Y1
	VMOVUPS 64(BX), Y2
	VMOVUPS 96(BX), Y3
	VMOVUPS 128(BX), Y4
	VMOVUPS 160(BX), Y5
	AT
	TILES(Y0, Y8, Y6, Y7, Y1, Y2, Y3, Y4, Y5, Y9, Y10, Y11)
	LEAQ    y0+0(FP), DI
	MOVQ    (DI)(AX*8), DI
	TESTQ   DI, DI
	JZ      out4next
	ADDQ    R15, DI
	CMPQ    DX, $32
	JLT     out4part
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	JMP     out4next

out4part:
	MOVQ DX, R14
	PART(R14, DI, Y1, Y2, Y3, Y4, X1, out4p4, out4p2, out4p1, out4next)

	ADDQ $192, BX
	INCQ AX
	CMPQ AX, $4
	JLT  out4row

	ADDQ $128, R15
	ADDQ $32, R10
	SUBQ $32, DX
	SUBQ $8, CX
	JG   out4group
	VZEROUPPER
	RET

// func spreadRow4AVX2(m *float32, ms int, d0, d1, d2, d3 *float32, ow, tw int)
//
// Per group, pass 1 takes each row of dY (zeros for a nil one), turns it
// into the 4 columns of 8 tiles and stores A of them, U (4 rows × 6
// columns), at 0(SP); pass 2 applies A down each column of U and stores
// the 6 results in their planes. A full group loads each row as halves
// [tile j | tile j+4]; a last group short of 32 columns loads its first
// ow − 32g floats with masked loads (Y10, Y11, Y14, Y15: nothing past
// ow is read), and VPERM2F128 pairs the halves.
TEXT ·spreadRow4AVX2(SB), 0, $768-64
	MOVQ         ms+8(FP), R9
	SHLQ         $2, R9
	LEAQ         (R9)(R9*2), R8
	SHLQ         $1, R8
	LEAQ         (R8)(R8*2), R11
	LEAQ         (R8)(R8*4), R12
	MOVQ         ow+48(FP), DX
	MOVQ         tw+56(FP), CX
	XORQ         R15, R15

sp4group:
	CMPQ         DX, $32
	JGE          sp4rows
	VMOVQ        DX, X12
	VPBROADCASTD X12, Y12
	MOVQ         $8, AX
	VMOVQ        AX, X13
	VPBROADCASTD X13, Y13
	VPCMPGTD     lanes<>(SB), Y12, Y10
	VPSUBD       Y13, Y12, Y12
	VPCMPGTD     lanes<>(SB), Y12, Y11
	VPSUBD       Y13, Y12, Y12
	VPCMPGTD     lanes<>(SB), Y12, Y14
	VPSUBD       Y13, Y12, Y12
	VPCMPGTD     lanes<>(SB), Y12, Y15

sp4rows:
	XORQ R13, R13
	MOVQ SP, BX

sp4row:
	LEAQ   d0+16(FP), SI
	MOVQ   (SI)(R13*8), SI
	TESTQ  SI, SI
	JZ     sp4nil
	ADDQ   R15, SI
	CMPQ   DX, $32
	JLT    sp4part
	HALVES(0, 64, (SI), X0, Y0)
	HALVES(16, 80, (SI), X1, Y1)
	HALVES(32, 96, (SI), X2, Y2)
	HALVES(48, 112, (SI), X3, Y3)
	JMP    sp4cols

sp4part:
	VMASKMOVPS (SI), Y10, Y4
	VMASKMOVPS 32(SI), Y11, Y5
	VMASKMOVPS 64(SI), Y14, Y6
	VMASKMOVPS 96(SI), Y15, Y7
	VPERM2F128 $0x20, Y6, Y4, Y0
	VPERM2F128 $0x31, Y6, Y4, Y1
	VPERM2F128 $0x20, Y7, Y5, Y2
	VPERM2F128 $0x31, Y7, Y5, Y3
	JMP        sp4cols

sp4nil:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

sp4cols:
	COLS(Y0, Y1, Y2, Y3, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	A4
	VMOVUPS Y0, (BX)
	VMOVUPS Y6, 32(BX)
	VMOVUPS Y7, 64(BX)
	VMOVUPS Y4, 96(BX)
	VMOVUPS Y5, 128(BX)
	VMOVUPS Y3, 160(BX)
	ADDQ    $192, BX
	INCQ    R13
	CMPQ    R13, $4
	JLT     sp4row

	// Pass 2, into the planes from m + R15/4 (the group's first tile).
	MOVQ m+0(FP), SI
	MOVQ R15, AX
	SHRQ $2, AX
	ADDQ AX, SI
	MOVQ SP, BX
	MOVQ $6, AX

sp4col:
	VMOVUPS (BX), Y0
	VMOVUPS 192(BX), Y1
	VMOVUPS 384(BX), Y2
	VMOVUPS 576(BX), Y3
	A4
	VMOVUPS Y0, (SI)
	VMOVUPS Y6, (SI)(R8*1)
	VMOVUPS Y7, (SI)(R8*2)
	VMOVUPS Y4, (SI)(R11*1)
	VMOVUPS Y5, (SI)(R8*4)
	VMOVUPS Y3, (SI)(R12*1)
	ADDQ    R9, SI
	ADDQ    $32, BX
	DECQ    AX
	JNZ     sp4col

	ADDQ $128, R15
	SUBQ $32, DX
	SUBQ $8, CX
	JG   sp4group
	VZEROUPPER
	RET

// func inputGradRow4AVX2(p *float32, wp int, v *float32, vs, tw int)
//
// Per group, pass 1 applies B down the six rows of dV (column b: planes
// b, 6+b, …, 30+b), storing U (6 rows × 6 columns) at 0(SP); pass 2 takes
// each row of U (tiles past tw masked to zero, Y15), applies B along it,
// W0…W5, and adds to the image row W0 + W4' and W1 + W5' (W4', W5': lane
// j takes tile j−1's, lane 0 the previous group's last, carried at
// 1152+64r(SP)), W2 and W3, turned into 32 consecutive floats; a last
// group short of 8 tiles stores only its windows' 4·tiles + 2 columns
// (PART: a store past them would stall the next row's loads, which
// overlap it). After a last group of 8 tiles each row's carry, plus
// zero, goes to the next two columns.
TEXT ·inputGradRow4AVX2(SB), 0, $1536-40
	MOVQ         p+0(FP), SI
	MOVQ         wp+8(FP), R9
	SHLQ         $2, R9
	MOVQ         v+16(FP), DI
	MOVQ         vs+24(FP), R10
	SHLQ         $2, R10
	LEAQ         (R10)(R10*2), R8
	SHLQ         $1, R8
	LEAQ         (R8)(R8*2), R11
	LEAQ         (R8)(R8*4), R12
	MOVQ         tw+32(FP), CX
	VXORPS       Y0, Y0, Y0
	LEAQ         1152(SP), BX
	MOVQ         $12, AX

ig4zero:
	VMOVUPS Y0, (BX)
	ADDQ    $32, BX
	DECQ    AX
	JNZ     ig4zero

ig4group:
	MOVQ DI, DX
	MOVQ SP, BX
	MOVQ $6, AX

ig4col:
	VMOVUPS (DX), Y0
	VMOVUPS (DX)(R8*1), Y1
	VMOVUPS (DX)(R8*2), Y2
	VMOVUPS (DX)(R11*1), Y3
	VMOVUPS (DX)(R8*4), Y4
	VMOVUPS (DX)(R12*1), Y5
	B6
	VMOVUPS Y0, (BX)
	VMOVUPS Y7, 192(BX)
	VMOVUPS Y11, 384(BX)
	VMOVUPS Y8, 576(BX)
	VMOVUPS Y10, 768(BX)
	VMOVUPS Y5, 960(BX)
	ADDQ    R10, DX
	ADDQ    $32, BX
	DECQ    AX
	JNZ     ig4col

	// Y15: the lanes of the tiles left.
	VMOVQ        CX, X15
	VPBROADCASTD X15, Y15
	VPCMPGTD     lanes<>(SB), Y15, Y15
	MOVQ         SP, BX
	LEAQ         1152(SP), R13
	MOVQ         SI, DX
	MOVQ         $6, AX

ig4row:
	VANDPS     (BX), Y15, Y0
	VANDPS     32(BX), Y15, Y1
	VANDPS     64(BX), Y15, Y2
	VANDPS     96(BX), Y15, Y3
	VANDPS     128(BX), Y15, Y4
	VANDPS     160(BX), Y15, Y5
	B6
	VMOVUPS    rot<>(SB), Y2
	VPERMPS    Y10, Y2, Y3
	VPERMPS    Y5, Y2, Y4
	VBLENDPS   $1, (R13), Y3, Y6
	VMOVUPS    Y3, (R13)
	VBLENDPS   $1, 32(R13), Y4, Y9
	VMOVUPS    Y4, 32(R13)
	VADDPS     Y6, Y0, Y0
	VADDPS     Y9, Y7, Y7
	TILES(Y0, Y7, Y11, Y8, Y1, Y2, Y3, Y4, Y5, Y6, Y9, Y10)
	VADDPS     (DX), Y1, Y1
	VADDPS     32(DX), Y2, Y2
	VADDPS     64(DX), Y3, Y3
	VADDPS     96(DX), Y4, Y4
	CMPQ       CX, $8
	JLT        ig4part
	VMOVUPS    Y1, (DX)
	VMOVUPS    Y2, 32(DX)
	VMOVUPS    Y3, 64(DX)
	VMOVUPS    Y4, 96(DX)
	JMP        ig4next

ig4part:
	LEAQ (CX*4), R14
	ADDQ $2, R14
	MOVQ DX, R15
	PART(R14, R15, Y1, Y2, Y3, Y4, X1, ig4p4, ig4p2, ig4p1, ig4next)
	ADDQ       $192, BX
	ADDQ       $64, R13
	ADDQ       R9, DX
	DECQ       AX
	JNZ        ig4row

	ADDQ $128, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JG   ig4group

	// The carries of the last tiles, unless the last group was short (its
	// lane tw took them).
	MOVQ tw+32(FP), CX
	ANDQ $7, CX
	JNZ  ig4done
	LEAQ 1152(SP), R13
	MOVQ $6, AX

ig4carry:
	VXORPS    X0, X0, X0
	VMOVSS    (R13), X1
	VMOVSS    32(R13), X2
	VUNPCKLPS X2, X1, X1
	VADDPS    X1, X0, X1
	VMOVQ     (SI), X2
	VADDPS    X1, X2, X2
	VMOVQ     X2, (SI)
	ADDQ      $64, R13
	ADDQ      R9, SI
	DECQ      AX
	JNZ       ig4carry

ig4done:
	VZEROUPPER
	RET
