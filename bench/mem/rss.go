package mem

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrNoRSS is returned by RSS where the resident set size cannot be read
// (everywhere but Linux, which has /proc/PID/status).
var ErrNoRSS = errors.New("mem: reading a process's RSS needs Linux (/proc/PID/status)")

// ParseVmRSS returns the VmRSS field of a /proc/PID/status file, in
// bytes. The kernel writes it as "VmRSS:\t  12345 kB" (kB = 1024 bytes).
func ParseVmRSS(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("mem: unexpected VmRSS line %q", line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 {
			return 0, fmt.Errorf("mem: unexpected VmRSS line %q", line)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	// Kernel threads and zombies have no VmRSS line.
	return 0, errors.New("mem: no VmRSS line (a kernel thread or an exited process?)")
}
