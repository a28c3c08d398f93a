//go:build !(amd64 || arm64) || purego

package tensor

// goKey returns a key unique among live goroutines: here the goroutine
// id, parsed from a stack trace (there is no assembly for this
// architecture).
func goKey() uintptr { return uintptr(goKeyFromStack()) }
