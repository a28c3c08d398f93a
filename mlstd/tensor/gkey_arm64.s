//go:build !purego

#include "textflag.h"

// func goKey() uintptr
TEXT ·goKey(SB), NOSPLIT, $0-8
	MOVD g, R0
	MOVD R0, ret+0(FP)
	RET
