//go:build !purego

#include "textflag.h"

// The AVX-512F 8×32 micro-kernels. Z0..Z15 accumulate the tile (two zmm
// per row); Z16, Z17 hold a row of B; Z18..Z25 take broadcasts of A,
// whose rows are SI + r·aRow (R8 = aRow, R11 = 3·aRow, R12 = 5·aRow,
// R13 = 7·aRow, in bytes), stepped by R9 = aStep. The two kernels differ
// only in where B's next row is: bStride further (R10), or at the next
// offset of a table (R10 walks it). The FMAs are the same, in the same
// order, so both give the same bits.

// K512_FMA multiplies the row of B in Z16, Z17 by the column of A at SI into the tile.
#define K512_FMA \
	VBROADCASTSS (SI), Z18; \
	VFMADD231PS Z16, Z18, Z0; \
	VFMADD231PS Z17, Z18, Z1; \
	VBROADCASTSS (SI)(R8*1), Z19; \
	VFMADD231PS Z16, Z19, Z2; \
	VFMADD231PS Z17, Z19, Z3; \
	VBROADCASTSS (SI)(R8*2), Z20; \
	VFMADD231PS Z16, Z20, Z4; \
	VFMADD231PS Z17, Z20, Z5; \
	VBROADCASTSS (SI)(R11*1), Z21; \
	VFMADD231PS Z16, Z21, Z6; \
	VFMADD231PS Z17, Z21, Z7; \
	VBROADCASTSS (SI)(R8*4), Z22; \
	VFMADD231PS Z16, Z22, Z8; \
	VFMADD231PS Z17, Z22, Z9; \
	VBROADCASTSS (SI)(R12*1), Z23; \
	VFMADD231PS Z16, Z23, Z10; \
	VFMADD231PS Z17, Z23, Z11; \
	VBROADCASTSS (SI)(R11*2), Z24; \
	VFMADD231PS Z16, Z24, Z12; \
	VFMADD231PS Z17, Z24, Z13; \
	VBROADCASTSS (SI)(R13*1), Z25; \
	VFMADD231PS Z16, Z25, Z14; \
	VFMADD231PS Z17, Z25, Z15;

// K512_LOADB loads B's row at DI; K512_LOADT the one at DI + 4·(R10).
#define K512_LOADB \
	VMOVUPS (DI), Z16; \
	VMOVUPS 64(DI), Z17;

#define K512_LOADT \
	MOVQ (R10), AX; \
	VMOVUPS (DI)(AX*4), Z16; \
	VMOVUPS 64(DI)(AX*4), Z17;

// K512_NEXTB steps A and B by a stride; K512_NEXTT steps A and the table.
#define K512_NEXTB \
	ADDQ R9, SI; \
	ADDQ R10, DI;

#define K512_NEXTT \
	ADDQ R9, SI; \
	ADDQ $8, R10;

// K512_ADD adds alpha (Z26) times the accumulators z0, z1 to the row of C
// at DX and steps DX to the next row (BX bytes on); K512_SET stores them
// without reading C, as the same FMAs onto zeros, so that the tile gets
// the bits (the sign of zero too) of a C cleared first and added to.
#define K512_ADD(z0, z1) \
	VMOVUPS (DX), Z16; \
	VMOVUPS 64(DX), Z17; \
	VFMADD231PS z0, Z26, Z16; \
	VFMADD231PS z1, Z26, Z17; \
	VMOVUPS Z16, (DX); \
	VMOVUPS Z17, 64(DX); \
	ADDQ BX, DX;

#define K512_SET(z0, z1) \
	VPXORD Z16, Z16, Z16; \
	VPXORD Z17, Z17, Z17; \
	VFMADD231PS z0, Z26, Z16; \
	VFMADD231PS z1, Z26, Z17; \
	VMOVUPS Z16, (DX); \
	VMOVUPS Z17, 64(DX); \
	ADDQ BX, DX;

// K512_EPILOGUE(row) applies row (K512_ADD or K512_SET) to the tile's
// 8 rows: the end of both kernels.
#define K512_EPILOGUE(row) \
	row(Z0, Z1) \
	row(Z2, Z3) \
	row(Z4, Z5) \
	row(Z6, Z7) \
	row(Z8, Z9) \
	row(Z10, Z11) \
	row(Z12, Z13) \
	row(Z14, Z15) \
	VZEROUPPER

// K512_ARGS loads the kernels' arguments but B's stride or offsets (R10):
// CX = kc, SI = a, R8 and R9 = aRow and aStep in bytes, DI = b, DX = c,
// BX = ldc in bytes, R11, R12, R13 = 3, 5 and 7·aRow.
#define K512_ARGS \
	MOVQ kc+0(FP), CX; \
	MOVQ a+8(FP), SI; \
	MOVQ aRow+16(FP), R8; \
	MOVQ aStep+24(FP), R9; \
	MOVQ b+32(FP), DI; \
	MOVQ c+48(FP), DX; \
	MOVQ ldc+56(FP), BX; \
	SHLQ $2, R8; \
	SHLQ $2, R9; \
	SHLQ $2, BX; \
	LEAQ (R8)(R8*2), R11; \
	LEAQ (R8)(R8*4), R12; \
	LEAQ (R11)(R8*4), R13

// K512_ZERO8 clears Z0..Z7, the half kernel's tile; K512_ZERO16 also
// Z8..Z15, the full one's.
#define K512_ZERO8 \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7

#define K512_ZERO16 \
	K512_ZERO8; \
	VPXORD Z8, Z8, Z8; \
	VPXORD Z9, Z9, Z9; \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	VPXORD Z12, Z12, Z12; \
	VPXORD Z13, Z13, Z13; \
	VPXORD Z14, Z14, Z14; \
	VPXORD Z15, Z15, Z15

// K512_LOOP runs step kc (CX) times, four at a time; l4, tail, l1 and
// done are its labels.
#define K512_LOOP(step, l4, tail, l1, done) \
	CMPQ CX, $4; \
	JLT tail; \
l4: \
	step; \
	step; \
	step; \
	step; \
	SUBQ $4, CX; \
	CMPQ CX, $4; \
	JGE l4; \
tail: \
	TESTQ CX, CX; \
	JEQ done; \
l1: \
	step; \
	DECQ CX; \
	JNE l1; \
done:

// K512_STORE applies epilogue(addrow) to the tile, or epilogue(setrow)
// when the argument set is true (setl is a label), with alpha in Z26.
#define K512_STORE(epilogue, addrow, setrow, setl) \
	VBROADCASTSS alpha+64(FP), Z26; \
	MOVBLZX set+68(FP), AX; \
	TESTL AX, AX; \
	JNE setl; \
	epilogue(addrow); \
	RET; \
setl: \
	epilogue(setrow); \
	RET

// K512_STEPB is one step of B by its stride; K512_STEPT one by the table.
#define K512_STEPB K512_LOADB; K512_FMA; K512_NEXTB
#define K512_STEPT K512_LOADT; K512_FMA; K512_NEXTT

// func kernel8x32AVX512(kc int, a *float32, aRow, aStep int, b *float32, bStride int, c *float32, ldc int, alpha float32, set bool)
//
// C[0:8, 0:32] += alpha·A·B (= when set: C not read), where row r of A at step p is a[r*aRow+p*aStep]
// and B's row p is b[p*bStride:][:32] (a packed panel or B itself).
TEXT ·kernel8x32AVX512(SB), NOSPLIT, $0-69
	K512_ARGS
	MOVQ bStride+40(FP), R10
	SHLQ $2, R10
	K512_ZERO16
	K512_LOOP(K512_STEPB, loop4, tail, loop1, store)
	K512_STORE(K512_EPILOGUE, K512_ADD, K512_SET, store_set)

// func kernel8x32RowsAVX512(kc int, a *float32, aRow, aStep int, b *float32, boff *int, c *float32, ldc int, alpha float32, set bool)
//
// C[0:8, 0:32] += (or = when set) alpha·A·B as kernel8x32AVX512, but B's row p is
// b[boff[p]:][:32]: rows anywhere, read in place (GemmRows).
TEXT ·kernel8x32RowsAVX512(SB), NOSPLIT, $0-69
	K512_ARGS
	MOVQ boff+40(FP), R10
	K512_ZERO16
	K512_LOOP(K512_STEPT, rows_loop4, rows_tail, rows_loop1, rows_store)
	K512_STORE(K512_EPILOGUE, K512_ADD, K512_SET, rows_store_set)

// The 8×16 half kernel for a last panel of at most 16 columns: Z0..Z7
// accumulate the tile (one zmm per row), Z16 holds a row of B, the
// broadcasts of A go to Z18..Z25 as in the 8×32 kernel. Each element gets
// the 8×32 kernel's FMAs in the same order, so the same bits.
#define K16_FMA \
	VBROADCASTSS (SI), Z18; \
	VFMADD231PS Z16, Z18, Z0; \
	VBROADCASTSS (SI)(R8*1), Z19; \
	VFMADD231PS Z16, Z19, Z1; \
	VBROADCASTSS (SI)(R8*2), Z20; \
	VFMADD231PS Z16, Z20, Z2; \
	VBROADCASTSS (SI)(R11*1), Z21; \
	VFMADD231PS Z16, Z21, Z3; \
	VBROADCASTSS (SI)(R8*4), Z22; \
	VFMADD231PS Z16, Z22, Z4; \
	VBROADCASTSS (SI)(R12*1), Z23; \
	VFMADD231PS Z16, Z23, Z5; \
	VBROADCASTSS (SI)(R11*2), Z24; \
	VFMADD231PS Z16, Z24, Z6; \
	VBROADCASTSS (SI)(R13*1), Z25; \
	VFMADD231PS Z16, Z25, Z7;

#define K16_STEP \
	VMOVUPS (DI), Z16; \
	K16_FMA \
	ADDQ R9, SI; \
	ADDQ R10, DI;

#define K16_ADD(z) \
	VMOVUPS (DX), Z16; \
	VFMADD231PS z, Z26, Z16; \
	VMOVUPS Z16, (DX); \
	ADDQ BX, DX;

#define K16_SET(z) \
	VPXORD Z16, Z16, Z16; \
	VFMADD231PS z, Z26, Z16; \
	VMOVUPS Z16, (DX); \
	ADDQ BX, DX;

#define K16_EPILOGUE(row) \
	row(Z0) \
	row(Z1) \
	row(Z2) \
	row(Z3) \
	row(Z4) \
	row(Z5) \
	row(Z6) \
	row(Z7) \
	VZEROUPPER

// func kernel8x16AVX512(kc int, a *float32, aRow, aStep int, b *float32, bStride int, c *float32, ldc int, alpha float32, set bool)
//
// C[0:8, 0:16] += alpha·A·B (= when set: C not read), as kernel8x32AVX512
// on B's first 16 columns.
TEXT ·kernel8x16AVX512(SB), NOSPLIT, $0-69
	K512_ARGS
	MOVQ bStride+40(FP), R10
	SHLQ $2, R10
	K512_ZERO8
	K512_LOOP(K16_STEP, half_loop4, half_tail, half_loop1, half_store)
	K512_STORE(K16_EPILOGUE, K16_ADD, K16_SET, half_store_set)
