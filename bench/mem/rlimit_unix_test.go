//go:build unix

package mem

import (
	"strings"
	"syscall"
	"testing"
)

func TestRaiseFileLimit(t *testing.T) {
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })
	if orig.Max < 512 {
		t.Skipf("hard file limit %d too low for this test", orig.Max)
	}
	low := orig
	low.Cur = 256
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	if err := RaiseFileLimit(500); err != nil {
		t.Fatal(err)
	}
	var got syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &got); err != nil {
		t.Fatal(err)
	}
	if got.Cur < 500 {
		t.Errorf("soft limit %d after RaiseFileLimit(500)", got.Cur)
	}
	if orig.Max < 1<<40 {
		err := RaiseFileLimit(int(orig.Max) + 1)
		if err == nil || !strings.Contains(err.Error(), "hard limit") {
			t.Errorf("RaiseFileLimit above the hard limit: %v", err)
		}
	}
}
