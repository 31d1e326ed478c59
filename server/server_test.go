package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// lifecycleStore is a minimal Store for lifecycle tests: Get can be made
// to block or panic. Protocol behaviour is tested against the real engine.
type lifecycleStore struct {
	mu      sync.Mutex
	data    map[string]string
	block   chan struct{} // when set, Get waits for it to close
	entered chan struct{} // signalled when a blocking Get starts
	panicOn string
}

func newLifecycleStore() *lifecycleStore { return &lifecycleStore{data: map[string]string{}} }

func (s *lifecycleStore) Get(dst, key []byte) ([]byte, ItemInfo, Status) {
	if string(key) == s.panicOn {
		panic("store exploded on purpose")
	}
	s.mu.Lock()
	block, entered := s.block, s.entered
	v, ok := s.data[string(key)]
	s.mu.Unlock()
	if block != nil {
		entered <- struct{}{}
		<-block
	}
	if !ok {
		return dst, ItemInfo{}, StatusNotFound
	}
	return append(dst, v...), ItemInfo{}, StatusOK
}
func (s *lifecycleStore) GetAndTouch(dst, key []byte, _ int64) ([]byte, ItemInfo, Status) {
	return s.Get(dst, key)
}
func (s *lifecycleStore) Store(_ Mode, key, value []byte, _ uint32, _ int64, _ uint64) (uint64, Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[string(key)] = string(value)
	return 1, StatusStored
}
func (s *lifecycleStore) Delete([]byte, uint64) Status { return StatusNotFound }
func (s *lifecycleStore) Arith([]byte, uint64, bool) (uint64, uint64, Status) {
	return 0, 0, StatusNotFound
}
func (s *lifecycleStore) Touch([]byte, int64) Status        { return StatusNotFound }
func (s *lifecycleStore) FlushAll(int64)                    {}
func (s *lifecycleStore) Stats() StoreStats                 { return StoreStats{} }
func (s *lifecycleStore) ResetStats()                       {}
func (s *lifecycleStore) SetMemoryLimit(int64) error        { return nil }
func (s *lifecycleStore) Range(func([]byte, ItemInfo) bool) {}
func (s *lifecycleStore) Meta(dst, _ []byte, _ *MetaOp) ([]byte, MetaResult) {
	return dst, MetaResult{Status: StatusNotFound}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startServer serves srv on a loopback port and returns its address and
// a channel that receives Serve's result.
func startServer(t *testing.T, srv *Server) (string, <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	return l.Addr().String(), done
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, req string, lines int) string {
	t.Helper()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for range lines {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading reply to %q: %v (so far %q)", req, err, b.String())
		}
		b.WriteString(l)
	}
	return b.String()
}

func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines left over (had %d):\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestServeAndClose(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := &Server{Store: newLifecycleStore(), Logger: quietLogger()}
	addr, done := startServer(t, srv)
	c, r := dial(t, addr)
	if got := roundTrip(t, c, r, "set k 0 0 1\r\nv\r\nget k\r\n", 4); got != "STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n" {
		t.Fatalf("got %q", got)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve returned %v, want ErrServerClosed", err)
	}
	if _, err := r.ReadByte(); err == nil {
		t.Fatal("connection still open after Close")
	}
	// Serving again after Close is refused.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	if err := srv.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Close: %v", err)
	}
	c.Close()
	checkNoLeak(t, before)
}

func TestServeWithoutStore(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	if err := (&Server{}).Serve(l); err == nil {
		t.Fatal("Serve without a Store succeeded")
	}
}

func TestMaxConns(t *testing.T) {
	srv := &Server{Store: newLifecycleStore(), MaxConns: 1, Logger: quietLogger()}
	defer srv.Close()
	addr, _ := startServer(t, srv)
	c1, r1 := dial(t, addr)
	roundTrip(t, c1, r1, "version\r\n", 1) // c1 is surely accepted and counted
	_, r2 := dial(t, addr)
	line, _ := r2.ReadString('\n')
	if line != "ERROR Too many open connections\r\n" {
		t.Fatalf("second connection got %q", line)
	}
	if _, err := r2.ReadByte(); err != io.EOF {
		t.Fatalf("second connection not closed: %v", err)
	}
	if got := srv.st.rejectedConns.Load(); got != 1 {
		t.Fatalf("rejected_connections = %d, want 1", got)
	}
	// The first connection still works, and once it is gone a new one fits.
	if got := roundTrip(t, c1, r1, "get x\r\n", 1); got != "END\r\n" {
		t.Fatalf("got %q", got)
	}
	c1.Close()
	deadline := time.Now().Add(5 * time.Second)
	for srv.st.currConns.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	c3, r3 := dial(t, addr)
	if got := roundTrip(t, c3, r3, "get x\r\n", 1); got != "END\r\n" {
		t.Fatalf("third connection got %q", got)
	}
}

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	before := runtime.NumGoroutine()
	st := newLifecycleStore()
	st.data["k"] = "v"
	st.block, st.entered = make(chan struct{}), make(chan struct{}, 1)
	srv := &Server{Store: st, Logger: quietLogger()}
	addr, done := startServer(t, srv)
	busy, busyR := dial(t, addr)
	idle, idleR := dial(t, addr)
	if _, err := io.WriteString(busy, "get k\r\n"); err != nil {
		t.Fatal(err)
	}
	<-st.entered // the request is executing

	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()

	// The idle connection is closed without a request.
	if _, err := idleR.ReadByte(); err == nil {
		t.Fatal("idle connection got data instead of being closed")
	}
	idle.Close()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v while a request was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(st.block)
	got, err := io.ReadAll(busyR)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "VALUE k 0 1\r\nv\r\nEND\r\n" {
		t.Fatalf("in-flight request got %q", got)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve returned %v", err)
	}
	busy.Close()
	checkNoLeak(t, before)
}

func TestShutdownHonoursContext(t *testing.T) {
	st := newLifecycleStore()
	st.block, st.entered = make(chan struct{}), make(chan struct{}, 1)
	srv := &Server{Store: st, Logger: quietLogger()}
	addr, _ := startServer(t, srv)
	c, _ := dial(t, addr)
	io.WriteString(c, "get k\r\n")
	<-st.entered
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
	close(st.block)
	srv.Close()
}

func TestPanicClosesOnlyThatConnection(t *testing.T) {
	st := newLifecycleStore()
	st.panicOn = "boom"
	srv := &Server{Store: st, Logger: quietLogger()}
	defer srv.Close()
	addr, _ := startServer(t, srv)
	good, goodR := dial(t, addr)
	bad, badR := dial(t, addr)
	io.WriteString(bad, "get boom\r\n")
	if _, err := badR.ReadByte(); err == nil {
		t.Fatal("panicking connection was not closed")
	}
	bad.Close()
	if got := roundTrip(t, good, goodR, "set a 0 0 1\r\n1\r\n", 1); got != "STORED\r\n" {
		t.Fatalf("other connection got %q", got)
	}
}

func TestIdleTimeout(t *testing.T) {
	srv := &Server{Store: newLifecycleStore(), IdleTimeout: 50 * time.Millisecond, Logger: quietLogger()}
	defer srv.Close()
	addr, _ := startServer(t, srv)
	c, r := dial(t, addr)
	roundTrip(t, c, r, "version\r\n", 1)
	start := time.Now()
	if _, err := r.ReadByte(); err == nil {
		t.Fatal("idle connection not closed")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("idle connection closed far too late")
	}
}

// A refused data block is answered at once, before the block (or the
// next request) has arrived, as memcached does.
func TestTooLargeRepliesBeforeTheBlockArrives(t *testing.T) {
	srv := &Server{Store: newLifecycleStore(), MaxItemSize: 1024, Logger: quietLogger()}
	defer srv.Close()
	addr, _ := startServer(t, srv)
	c, r := dial(t, addr)
	io.WriteString(c, "set big 0 0 5000\r\n"+strings.Repeat("x", 100))
	if got := roundTrip(t, c, r, "", 1); got != "SERVER_ERROR object too large for cache\r\n" {
		t.Fatalf("got %q", got)
	}
	io.WriteString(c, strings.Repeat("x", 4900)+"\r\n")
	if got := roundTrip(t, c, r, "get big\r\n", 1); got != "END\r\n" {
		t.Fatalf("after the swallowed block: %q", got)
	}
}

func TestAuditLog(t *testing.T) {
	var buf syncBuf
	var ops syncBuf
	srv := &Server{Store: newLifecycleStore(), Logger: quietLogger(), Audit: slog.New(slog.NewTextHandler(&buf, nil)), ProductVersion: "test-1",
		OpLog: slog.New(slog.NewTextHandler(&ops, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	defer srv.Close()
	addr, _ := startServer(t, srv)
	c, r := dial(t, addr)
	roundTrip(t, c, r, "flush_all 5\r\nverbosity 1\r\n", 2)
	stats := roundTrip(t, c, r, "stats\r\n", 1)
	for !strings.Contains(stats, "END") {
		l, _ := r.ReadString('\n')
		stats += l
	}
	if !strings.Contains(stats, "STAT ratmemcache_version test-1\r\n") {
		t.Errorf("stats lacks our own version")
	}
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf.String(), "connection closed") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := ops.String(); !strings.Contains(got, "command=flush_all") || !strings.Contains(got, "command=stats") {
		t.Errorf("operation log:\n%s", got)
	}
	for _, want := range []string{"connection opened", "flush_all", "delay=5", "verbosity", "connection closed"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("audit log lacks %q:\n%s", want, buf.String())
		}
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The server serves any net.Listener: a Unix socket, as memcached -s.
func TestUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mc.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("no unix sockets here: %v", err)
	}
	srv := &Server{Store: newLifecycleStore(), Logger: quietLogger()}
	go srv.Serve(l)
	defer srv.Close()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if got := roundTrip(t, c, r, "set a 0 0 1\r\n1\r\nget a\r\n", 4); got != "STORED\r\nVALUE a 0 1\r\n1\r\nEND\r\n" {
		t.Fatalf("got %q", got)
	}
}

func TestSlowLog(t *testing.T) {
	var buf syncBuf
	st := newLifecycleStore()
	st.data["k"] = "v"
	st.block, st.entered = make(chan struct{}), make(chan struct{}, 1)
	srv := &Server{Store: st, Logger: quietLogger(), SlowLog: slog.New(slog.NewTextHandler(&buf, nil)), SlowThreshold: 20 * time.Millisecond}
	defer srv.Close()
	addr, _ := startServer(t, srv)
	c, r := dial(t, addr)
	io.WriteString(c, "get k\r\n")
	<-st.entered
	time.Sleep(30 * time.Millisecond)
	close(st.block)
	roundTrip(t, c, r, "", 3)
	st.mu.Lock()
	st.block = nil
	st.mu.Unlock()
	roundTrip(t, c, r, "set fast 0 0 1\r\n1\r\n", 1)
	if got := buf.String(); !strings.Contains(got, "slow request") || !strings.Contains(got, "command=get") || !strings.Contains(got, "key=k") || strings.Contains(got, "fast") {
		t.Fatalf("slow log:\n%s", got)
	}
}
