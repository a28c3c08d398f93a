//go:build unix

package vec

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// TestMaxPool2x2StopsAtEnd places x at the very end of readable memory,
// followed by an inaccessible page, so that reading past it faults: the
// kernel's blocks read past a row only while inside x.
func TestMaxPool2x2StopsAtEnd(t *testing.T) {
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 5*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[4*page:], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	floats := unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), page)
	r := rand.New(rand.NewPCG(1, 2))
	for _, hw := range [][2]int{{2, 2}, {2, 3}, {3, 2}, {4, 5}, {10, 10}, {5, 17}, {28, 28}} {
		for planes := 1; planes <= 2; planes++ {
			n := planes * hw[0] * hw[1]
			x := floats[len(floats)-n:]
			poolInput(r, x, true)
			checkMaxPool(t, "MaxPool2x2", MaxPool2x2, x, hw[0], hw[1])
		}
	}
}
