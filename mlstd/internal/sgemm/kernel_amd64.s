//go:build !purego

#include "textflag.h"

// The AVX2+FMA 6×16 micro-kernels. Y0..Y11 accumulate the tile (two ymm
// per row); Y12, Y13 hold a row of B; Y14, Y15 take broadcasts of A,
// whose rows are SI + r·aRow (R8 = aRow, R11 = 3·aRow, R12 = 5·aRow, in
// bytes), stepped by R9 = aStep. The two kernels differ only in where B's
// next row is: bStride further (R10), or at the next offset of a table
// (R10 walks it). The FMAs are the same, in the same order, so both give
// the same bits.

// K2_FMA multiplies the row of B in Y12, Y13 by the column of A at SI into the tile.
#define K2_FMA \
	VBROADCASTSS (SI), Y14; \
	VFMADD231PS Y12, Y14, Y0; \
	VFMADD231PS Y13, Y14, Y1; \
	VBROADCASTSS (SI)(R8*1), Y15; \
	VFMADD231PS Y12, Y15, Y2; \
	VFMADD231PS Y13, Y15, Y3; \
	VBROADCASTSS (SI)(R8*2), Y14; \
	VFMADD231PS Y12, Y14, Y4; \
	VFMADD231PS Y13, Y14, Y5; \
	VBROADCASTSS (SI)(R11*1), Y15; \
	VFMADD231PS Y12, Y15, Y6; \
	VFMADD231PS Y13, Y15, Y7; \
	VBROADCASTSS (SI)(R8*4), Y14; \
	VFMADD231PS Y12, Y14, Y8; \
	VFMADD231PS Y13, Y14, Y9; \
	VBROADCASTSS (SI)(R12*1), Y15; \
	VFMADD231PS Y12, Y15, Y10; \
	VFMADD231PS Y13, Y15, Y11;

// K2_LOADB loads B's row at DI; K2_LOADT the one at DI + 4·(R10).
#define K2_LOADB \
	VMOVUPS (DI), Y12; \
	VMOVUPS 32(DI), Y13;

#define K2_LOADT \
	MOVQ (R10), AX; \
	VMOVUPS (DI)(AX*4), Y12; \
	VMOVUPS 32(DI)(AX*4), Y13;

// K2_NEXTB steps A and B by a stride; K2_NEXTT steps A and the table.
#define K2_NEXTB \
	ADDQ R9, SI; \
	ADDQ R10, DI;

#define K2_NEXTT \
	ADDQ R9, SI; \
	ADDQ $8, R10;

// K2_ADD adds alpha (Y15) times the accumulators z0, z1 to the row of C
// at DX and steps DX to the next row (BX bytes on); K2_SET stores them
// without reading C, as the same FMAs onto zeros, so that the tile gets
// the bits (the sign of zero too) of a C cleared first and added to.
#define K2_ADD(z0, z1) \
	VMOVUPS (DX), Y12; \
	VMOVUPS 32(DX), Y13; \
	VFMADD231PS z0, Y15, Y12; \
	VFMADD231PS z1, Y15, Y13; \
	VMOVUPS Y12, (DX); \
	VMOVUPS Y13, 32(DX); \
	ADDQ BX, DX;

#define K2_SET(z0, z1) \
	VXORPS Y12, Y12, Y12; \
	VXORPS Y13, Y13, Y13; \
	VFMADD231PS z0, Y15, Y12; \
	VFMADD231PS z1, Y15, Y13; \
	VMOVUPS Y12, (DX); \
	VMOVUPS Y13, 32(DX); \
	ADDQ BX, DX;

// K2_EPILOGUE(row) applies row (K2_ADD or K2_SET) to the tile's
// 6 rows: the end of both kernels.
#define K2_EPILOGUE(row) \
	row(Y0, Y1) \
	row(Y2, Y3) \
	row(Y4, Y5) \
	row(Y6, Y7) \
	row(Y8, Y9) \
	row(Y10, Y11) \
	VZEROUPPER

// func kernel6x16AVX2(kc int, a *float32, aRow, aStep int, b *float32, bStride int, c *float32, ldc int, alpha float32, set bool)
//
// C[0:6, 0:16] += alpha·A·B (= when set: C not read), where row r of A at step p is a[r*aRow+p*aStep]
// and B's row p is b[p*bStride:][:16] (a packed panel or B itself).
TEXT ·kernel6x16AVX2(SB), NOSPLIT, $0-69
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ aRow+16(FP), R8
	MOVQ aStep+24(FP), R9
	MOVQ b+32(FP), DI
	MOVQ bStride+40(FP), R10
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), BX
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, R10
	SHLQ $2, BX
	LEAQ (R8)(R8*2), R11 // 3·aRow
	LEAQ (R8)(R8*4), R12 // 5·aRow

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	CMPQ CX, $4
	JLT tail

loop4:
	K2_LOADB
	K2_FMA
	K2_NEXTB
	K2_LOADB
	K2_FMA
	K2_NEXTB
	K2_LOADB
	K2_FMA
	K2_NEXTB
	K2_LOADB
	K2_FMA
	K2_NEXTB
	SUBQ $4, CX
	CMPQ CX, $4
	JGE loop4

tail:
	TESTQ CX, CX
	JEQ store

loop1:
	K2_LOADB
	K2_FMA
	K2_NEXTB
	DECQ CX
	JNE loop1

store:
	VBROADCASTSS alpha+64(FP), Y15
	MOVBLZX set+68(FP), AX
	TESTL AX, AX
	JNE store_set
	K2_EPILOGUE(K2_ADD)
	RET

store_set:
	K2_EPILOGUE(K2_SET)
	RET

// func kernel6x16RowsAVX2(kc int, a *float32, aRow, aStep int, b *float32, boff *int, c *float32, ldc int, alpha float32, set bool)
//
// C[0:6, 0:16] += (or = when set) alpha·A·B as kernel6x16AVX2, but B's row p is
// b[boff[p]:][:16]: rows anywhere, read in place (GemmRows).
TEXT ·kernel6x16RowsAVX2(SB), NOSPLIT, $0-69
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ aRow+16(FP), R8
	MOVQ aStep+24(FP), R9
	MOVQ b+32(FP), DI
	MOVQ boff+40(FP), R10
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), BX
	SHLQ $2, R8
	SHLQ $2, R9
	SHLQ $2, BX
	LEAQ (R8)(R8*2), R11 // 3·aRow
	LEAQ (R8)(R8*4), R12 // 5·aRow

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	CMPQ CX, $4
	JLT rows_tail

rows_loop4:
	K2_LOADT
	K2_FMA
	K2_NEXTT
	K2_LOADT
	K2_FMA
	K2_NEXTT
	K2_LOADT
	K2_FMA
	K2_NEXTT
	K2_LOADT
	K2_FMA
	K2_NEXTT
	SUBQ $4, CX
	CMPQ CX, $4
	JGE rows_loop4

rows_tail:
	TESTQ CX, CX
	JEQ rows_store

rows_loop1:
	K2_LOADT
	K2_FMA
	K2_NEXTT
	DECQ CX
	JNE rows_loop1

rows_store:
	VBROADCASTSS alpha+64(FP), Y15
	MOVBLZX set+68(FP), AX
	TESTL AX, AX
	JNE rows_store_set
	K2_EPILOGUE(K2_ADD)
	RET

rows_store_set:
	K2_EPILOGUE(K2_SET)
	RET
