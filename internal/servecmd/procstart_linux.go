package servecmd

import (
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// processAge returns how long ago this process started, from its start
// time in /proc/self/stat (clock ticks since boot, USER_HZ = 100: 10 ms
// resolution) and the boot-time clock. This includes the exec and the Go
// runtime's and every package's initialisation, which a clock started in
// main would miss.
func processAge() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	// Fields after "(comm) ": state is field 3, starttime field 22.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, false
	}
	ticks, err := strconv.ParseInt(f[19], 10, 64)
	if err != nil {
		return 0, false
	}
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts) != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()) - time.Duration(ticks)*(time.Second/100), true
}
