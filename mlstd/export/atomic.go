package export

import (
	"fmt"
	"io"

	"github.com/gokernel/gokernel/internal/atomicfile"
)

// writeAtomic writes a file through write with atomicfile, so readers see
// either the old file or the complete new one, never a partial write, and
// a crashed save leaves no temporary file behind for long.
func writeAtomic(path string, write func(w io.Writer) error) error {
	if err := atomicfile.WriteFunc(path, 0o644, write); err != nil {
		return fmt.Errorf("export: write %s: %w", path, err)
	}
	return nil
}
