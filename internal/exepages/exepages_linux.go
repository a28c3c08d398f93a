package exepages

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Release unmaps the pages of the gokernel executable that are
// resident in this process but read-only (code, read-only data, the symbol
// and line tables), so that what stays resident is what the process goes
// on to use.
//
// One binary holds the kernel, the interpreter with the symbol tables of
// the whole standard library, and the server. Go runs every linked
// package's initialisation at start-up, and Linux maps file pages in
// blocks around each fault, so `gokernel serve` starts with ~20 MiB of the
// binary resident although serving touches far less of it. The pages are
// clean copies of the file: MADV_DONTNEED drops them from this process's
// page table only, they stay in the page cache, and a page used later is
// mapped back by a minor fault (no disk read). Writable mappings (data,
// bss, heap) are never touched. This is what the kernel's own reclaim
// would do to these pages under memory pressure, done once, at a moment
// when we know start-up is over.
func Release() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-014bd000 r-xp 00000000 fe:00 9994658   /path/to/gokernel
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || strings.Contains(fields[1], "w") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED)
	}
}
