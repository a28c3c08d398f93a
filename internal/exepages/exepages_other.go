//go:build !linux

package exepages

// Release does nothing outside Linux (see the Linux version).
func Release() {}
