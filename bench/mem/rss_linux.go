package mem

import (
	"fmt"
	"os"
	"strconv"
)

// RSS returns the resident set size of process pid in bytes, from
// /proc/PID/status.
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("mem: RSS of pid %d: %w", pid, err)
	}
	n, err := ParseVmRSS(b)
	if err != nil {
		return 0, fmt.Errorf("mem: RSS of pid %d: %w", pid, err)
	}
	return n, nil
}
