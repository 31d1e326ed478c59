package persist_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/persist"
)

// The crash test re-executes the test binary as a child that writes and
// reports each acknowledged key on stdout; the parent SIGKILLs it.
const (
	crashDirEnv  = "PERSIST_CRASH_CHILD_DIR"
	crashModeEnv = "PERSIST_CRASH_CHILD_MODE"
)

const crashSyncInterval = 50 * time.Millisecond

func crashValue(key string) []byte {
	return []byte(strings.Repeat(key+";", 20))
}

// crashChild writes until killed: 4 goroutines, one key per PutBatch,
// "ack <key> <unix-nanos>" printed after PutBatch returned nil.
func crashChild(dir, mode string) {
	d, err := persist.ParseDurability(mode)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	s, err := persist.Open(dir, persist.Options{Durability: d, SyncInterval: crashSyncInterval})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				k := fmt.Sprintf("g%d-%07d", g, i)
				if err := s.Put(engine.L2Entry{Key: k, Value: crashValue(k), CAS: uint64(i)}); err != nil {
					mu.Lock()
					fmt.Fprintln(w, "error", err)
					w.Flush()
					mu.Unlock()
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintln(w, "ack", k, time.Now().UnixNano())
				w.Flush() // before the next write: the parent sees every ack
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestCrash(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashChild(dir, os.Getenv(crashModeEnv))
		return
	}
	if testing.Short() {
		t.Skip("crash test in -short mode")
	}
	for _, mode := range []string{"sync", "interval"} {
		t.Run(mode, func(t *testing.T) { runCrash(t, mode) })
	}
}

func runCrash(t *testing.T, mode string) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashModeEnv+"="+mode)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]int64{}
	sc := bufio.NewScanner(out)
	var killedAt time.Time
	deadline := time.Now().Add(20 * time.Second)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "ack" {
			ns, _ := strconv.ParseInt(f[2], 10, 64)
			acked[f[1]] = ns
		} else if len(f) > 0 && f[0] == "error" {
			t.Errorf("child: %s", sc.Text())
		}
		if killedAt.IsZero() && (len(acked) >= 2000 || time.Now().After(deadline)) {
			killedAt = time.Now()
			_ = cmd.Process.Kill() // SIGKILL on Unix, TerminateProcess on Windows
		}
	}
	_ = cmd.Wait() // acks printed before the kill were read up to EOF
	if killedAt.IsZero() {
		t.Fatalf("child exited by itself after %d acks", len(acked))
	}
	if len(acked) < 50 {
		t.Fatalf("only %d acks before the kill", len(acked))
	}

	s := open(t, dir, persist.Options{})
	missing, beyondBound := 0, 0
	bound := killedAt.Add(-crashSyncInterval).UnixNano()
	for k, ns := range acked {
		e, ok, err := s.Get(k)
		if err != nil {
			t.Fatalf("Get(%s): %v", k, err)
		}
		if !ok || string(e.Value) != string(crashValue(k)) {
			missing++
			if ns < bound {
				beyondBound++
			}
		}
	}
	st := s.Stats()
	t.Logf("%s: %d writes acknowledged before SIGKILL, %d missing after reopen; store holds %d items",
		mode, len(acked), missing, st.Items)
	switch mode {
	case "sync":
		if missing > 0 {
			t.Errorf("sync mode lost %d acknowledged writes", missing)
		}
	case "interval":
		// Documented: a write acknowledged more than SyncInterval before a
		// crash is on disk; and a process kill loses nothing committed.
		if beyondBound > 0 {
			t.Errorf("interval mode lost %d writes acknowledged more than %v before the kill", beyondBound, crashSyncInterval)
		}
		if missing > 0 {
			t.Errorf("interval mode lost %d acknowledged writes to a process kill", missing)
		}
	}
	if st.Items < int64(len(acked)) {
		t.Errorf("store holds %d items, fewer than %d acknowledged", st.Items, len(acked))
	}
}
