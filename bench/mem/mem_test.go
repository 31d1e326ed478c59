package mem

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/bench/compare"
	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

func TestParseVmRSS(t *testing.T) {
	status := "Name:\tcat\nUmask:\t0022\nState:\tR (running)\nVmPeak:\t    8000 kB\nVmRSS:\t    1904 kB\nRssAnon:\t  88 kB\nThreads:\t1\n"
	n, err := ParseVmRSS([]byte(status))
	if err != nil || n != 1904*1024 {
		t.Fatalf("ParseVmRSS = %d, %v; want %d", n, err, 1904*1024)
	}
	for _, bad := range []string{
		"Name:\tkthreadd\nState:\tS\n", // kernel thread: no VmRSS
		"VmRSS:\t 12 MB\n",
		"VmRSS:\t x kB\n",
		"VmRSS:\t -1 kB\n",
		"VmRSS:\n",
	} {
		if n, err := ParseVmRSS([]byte(bad)); err == nil {
			t.Errorf("ParseVmRSS(%q) = %d, want an error", bad, n)
		}
	}
}

// TestRSSOfThisProcess checks RSS against the kernel's other report of
// the same number, /proc/self/statm (resident pages), and against memory
// this test touches.
func TestRSSOfThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		if _, err := RSS(os.Getpid()); err != ErrNoRSS {
			t.Fatalf("RSS on %s: %v, want ErrNoRSS", runtime.GOOS, err)
		}
		return
	}
	before, err := RSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := strconv.ParseInt(strings.Fields(string(b))[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	statm := pages * int64(os.Getpagesize())
	if d := before - statm; d < -1<<20 || d > 1<<20 {
		t.Errorf("VmRSS %d bytes, statm resident %d bytes: differ by more than 1 MiB", before, statm)
	}
	const size = 64 << 20
	buf := make([]byte, size)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	after, err := RSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(buf)
	// The upper bound allows for the race detector's shadow memory,
	// which doubles what touching the buffer costs.
	if grow := after - before; grow < size*9/10 || grow > size*4 {
		t.Errorf("RSS grew by %d bytes after touching %d", grow, size)
	}
	if _, err := RSS(1 << 30); err == nil {
		t.Error("RSS of a missing pid succeeded")
	}
}

func TestKey(t *testing.T) {
	k, err := Key(42, 16)
	if err != nil || k != "k000000000000042" {
		t.Fatalf("Key(42, 16) = %q, %v", k, err)
	}
	if _, err := Key(1000, 4); err == nil {
		t.Error("Key(1000, 4) fits?")
	}
	if _, err := Key(1, 251); err == nil {
		t.Error("251-byte key accepted")
	}
}

// memcachedCmd is a command template for the installed memcached; the
// test skips (or fails, with RATMEMCACHE_REQUIRE_MEMCACHED set) without
// one, as memcachedtest does.
func memcachedCmd(t *testing.T, extra string) string {
	t.Helper()
	bin := memcachedtest.Binary()
	if bin == "" {
		if os.Getenv(memcachedtest.RequireEnv) != "" {
			t.Fatalf("memcached not found and %s is set", memcachedtest.RequireEnv)
		}
		t.Skipf("memcached not found: skipping (set %s=1 to make this a failure)", memcachedtest.RequireEnv)
	}
	cmd := bin + " -p {port} -l 127.0.0.1 -t 1 -U 0 " + extra
	if os.Geteuid() == 0 {
		cmd += " -u root"
	}
	return cmd
}

func currConns(t *testing.T, addr string) uint64 {
	t.Helper()
	st, err := compare.ReadStats(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := compare.StatUint(st, "curr_connections")
	if !ok {
		t.Fatalf("no curr_connections in %v", st)
	}
	return n
}

func TestOpenConnsHoldsConnections(t *testing.T) {
	srv := memcachedtest.Start(t)
	// ReadStats counts its own connection: base is the count with none
	// of ours.
	base := currConns(t, srv.Addr)
	const n = 300
	cs, err := OpenConns(context.Background(), srv.Addr, n)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Len() != n {
		t.Fatalf("Len = %d", cs.Len())
	}
	if got := currConns(t, srv.Addr); got != base+n {
		t.Errorf("curr_connections %d with %d open, want %d", got, n, base+n)
	}
	// Through one of ours, the count includes the stats connection once.
	if got, err := cs.CurrConnections(); err != nil || got != base-1+n {
		t.Errorf("CurrConnections = %d, %v; want %d", got, err, base-1+n)
	}
	c := srv.Dial(t)
	if _, err := c.Write([]byte("set kk 0 0 100\r\n" + strings.Repeat("v", 100) + "\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := memcachedtest.Exchange(t, c, nil, 100*time.Millisecond); string(got) != "STORED\r\n" {
		t.Fatalf("set: %q", got)
	}
	if err := cs.GetAll(context.Background(), "kk", 100); err != nil {
		t.Fatal(err)
	}
	if err := cs.GetAll(context.Background(), "kk", 99); err == nil {
		t.Error("GetAll with the wrong size succeeded")
	}
	if err := cs.GetAll(context.Background(), "missing", 100); err == nil {
		t.Error("GetAll of a missing key succeeded")
	}
	st, err := compare.ReadStats(context.Background(), srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if hits, _ := compare.StatUint(st, "get_hits"); hits != n+1 {
		t.Errorf("get_hits %d, want %d (one per connection, then the first of the wrong-size pass)", hits, n+1)
	}
	cs.Close()
	deadline := time.Now().Add(5 * time.Second)
	for currConns(t, srv.Addr) != base+1 && time.Now().Before(deadline) { // +1: srv.Dial's
		time.Sleep(10 * time.Millisecond)
	}
	if got := currConns(t, srv.Addr); got != base+1 {
		t.Errorf("curr_connections %d after Close, want %d", got, base+1)
	}
}

func TestFillStoresEveryItem(t *testing.T) {
	srv := memcachedtest.Start(t)
	const n = 20000
	st, err := Fill(context.Background(), srv.Addr, n, 16, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := compare.StatUint(st, "curr_items"); got != n {
		t.Fatalf("curr_items %d, want %d", got, n)
	}
	if got, _ := compare.StatUint(st, "cmd_set"); got != n {
		t.Errorf("cmd_set %d, want %d", got, n)
	}
	k, _ := Key(n-1, 16)
	got := srv.Exchange(t, []byte("get "+k+"\r\n"), 100*time.Millisecond)
	want := "VALUE " + k + " 0 100\r\n" + strings.Repeat("x", 100) + "\r\nEND\r\n"
	if string(got) != want {
		t.Errorf("get %s: %q", k, got)
	}
}

func TestMeasureMemcached(t *testing.T) {
	cmd := memcachedCmd(t, "-m 64")
	var log bytes.Buffer
	r, err := Measure(context.Background(), Config{Cmd: cmd, Pin: -1, Items: 30000, Conns: 200, Settle: 50 * time.Millisecond, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if r.CurrItems != 30000 || r.Items != 30000 || r.Conns != 200 || r.CurrConnections < 200 {
		t.Errorf("%+v", r)
	}
	if r.IdleRSS <= 0 || r.ItemsBaseRSS <= 0 || r.ConnsRSS < r.IdleRSS/2 {
		t.Errorf("RSS readings %+v", r)
	}
	// 30,000 items of 116 bytes of key and value cannot fit in less
	// than 3.4 MB; memcached uses about 200 bytes per item.
	if r.BytesPerItem() < 116 || r.BytesPerItem() > 1000 {
		t.Errorf("%.1f bytes per item", r.BytesPerItem())
	}
	if !strings.Contains(log.String(), "curr_items 30000") {
		t.Errorf("log:\n%s", log.String())
	}
	var out bytes.Buffer
	if err := Write(&out, []*Result{r}, true); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 3 || !strings.Contains(lines[2], "| 30000 |") {
		t.Errorf("markdown:\n%s", out.String())
	}
}

// TestMeasureStopsServerOnError asks for more connections than the
// server's -c allows: Measure must fail, say why, and leave no server
// running.
func TestMeasureStopsServerOnError(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cmd := memcachedCmd(t, "-c 20 -P {dir}/memcached.pid")
	_, err := Measure(context.Background(), Config{Cmd: cmd, Pin: -1, Items: -1, Conns: 50, Settle: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "connection limit") {
		t.Fatalf("err = %v, want a refused connection", err)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("{dir} left behind: %v", ents)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(tmp)) {
			t.Errorf("server still running: %s: %q", p, b)
		}
	}
}
