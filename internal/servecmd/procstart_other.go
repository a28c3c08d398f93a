//go:build !linux

package servecmd

import "time"

// processAge is not known outside Linux (see the Linux version).
func processAge() (time.Duration, bool) { return 0, false }
