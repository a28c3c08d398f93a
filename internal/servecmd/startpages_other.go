//go:build !linux

package servecmd

// releaseStartupPages does nothing outside Linux (see the Linux version).
func releaseStartupPages() {}
