//go:build (amd64 || arm64) && !purego

package tensor

// goKey returns the calling goroutine's runtime descriptor address (its
// g, read from the register or TLS slot the runtime keeps it in; see
// gkey_amd64.s and gkey_arm64.s). It is unique among live goroutines and
// fixed for a goroutine's life, which is all NoGrad needs: an entry keyed
// by it is removed by NoGrad's deferred cleanup before the goroutine can
// exit and its descriptor be reused. It costs about a nanosecond, where
// parsing a stack trace (goKeyFromStack) costs microseconds.
func goKey() uintptr
