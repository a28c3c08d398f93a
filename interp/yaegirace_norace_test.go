//go:build !race

package interp

// yaegiRaces is empty outside race builds (see yaegirace_race_test.go).
var yaegiRaces map[string]string
