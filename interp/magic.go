package interp

import "context"

type magicResult struct {
	result map[string]any
	err    error
}

// magic runs a %magic or !command cell; ok is false for ordinary Go.
func (s *Session) magic(ctx context.Context, n int, code string, out Output) (m magicResult, ok bool) {
	return m, false
}
