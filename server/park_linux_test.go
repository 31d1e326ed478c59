//go:build linux

package server

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// waitParked waits until n connections are parked.
func waitParked(t *testing.T, srv *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := srv.parking.Load()
		if p != nil && p.parked() == n {
			return
		}
		if time.Now().After(deadline) {
			got := -1
			if p != nil {
				got = p.parked()
			}
			t.Fatalf("%d connections parked, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Idle connections give up their goroutines and are served again, with
// their protocol and state, when requests arrive; they park again after
// that (the socket is re-armed in the parker's epoll).
func TestParkAndResume(t *testing.T) {
	srv := &Server{Store: newLifecycleStore(), Logger: quietLogger(), ParkIdleAfter: 30 * time.Millisecond}
	addr, _ := startServer(t, srv)
	t.Cleanup(func() { srv.Close() })
	const n = 20
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	for i := range conns {
		conns[i], readers[i] = dial(t, addr)
		if got := roundTrip(t, conns[i], readers[i], fmt.Sprintf("set k%d 0 0 2\r\nv%d\r\n", i, i%10), 1); got != "STORED\r\n" {
			t.Fatalf("set: %q", got)
		}
	}
	busy := runtime.NumGoroutine()
	waitParked(t, srv, n)
	if idle := runtime.NumGoroutine(); idle > busy-n+2 {
		t.Errorf("%d goroutines with %d connections parked, %d before: the connections kept theirs", idle, n, busy)
	}
	// Under the parker's lock, which orders these reads before any
	// resumed goroutine (the race detector cannot see the socket do it).
	p := srv.parking.Load()
	p.mu.Lock()
	for _, c := range p.conns {
		if c.idle != nil || c.br != nil || c.bw.small != nil {
			t.Errorf("a parked connection holds its idle read array (%v), read buffer (%v) or reply buffer (%v)",
				c.idle != nil, c.br != nil, c.bw.small != nil)
		}
		if c.cr.pre != nil {
			t.Error("a parked connection's reader still points into its idle read array")
		}
		if c.p != nil || c.proto != protoText {
			t.Errorf("a parked connection keeps its handler (%T) or forgot its protocol (%d)", c.p, c.proto)
		}
	}
	p.mu.Unlock()
	// stats reports them, on a connection of its own (not parked yet).
	sc, sr := dial(t, addr)
	if _, err := io.WriteString(sc, "stats\r\n"); err != nil {
		t.Fatal(err)
	}
	found := false
	for {
		line, err := sr.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "END\r\n" {
			break
		}
		found = found || line == fmt.Sprintf("STAT ratmemcache_parked_connections %d\r\n", n)
	}
	if !found {
		t.Errorf("stats does not report %d parked connections", n)
	}
	sc.Close()
	for round := range 3 {
		for i := range conns {
			want := fmt.Sprintf("VALUE k%d 0 2\r\nv%d\r\nEND\r\n", i, i%10)
			if got := roundTrip(t, conns[i], readers[i], fmt.Sprintf("get k%d\r\n", i), 3); got != want {
				t.Fatalf("round %d, get after parking: %q, want %q", round, got, want)
			}
		}
		waitParked(t, srv, n)
	}
	// A parked binary-protocol connection resumes as binary.
	b, br := dial(t, addr)
	if _, err := b.Write(binaryRequest(0x0b, nil, nil, nil)); err != nil { // version
		t.Fatal(err)
	}
	readBinaryReply(t, br)
	waitParked(t, srv, n+1)
	if _, err := b.Write(binaryRequest(0x0b, nil, nil, nil)); err != nil {
		t.Fatal(err)
	}
	if magic, status := readBinaryReply(t, br); magic != 0x81 || status != 0 {
		t.Fatalf("binary version after parking: magic %#x status %d", magic, status)
	}
}

// binaryRequest builds a binary-protocol request.
func binaryRequest(op byte, extras, key, value []byte) []byte {
	total := len(extras) + len(key) + len(value)
	h := []byte{0x80, op, byte(len(key) >> 8), byte(len(key)), byte(len(extras)), 0, 0, 0,
		byte(total >> 24), byte(total >> 16), byte(total >> 8), byte(total), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	return append(append(append(h, extras...), key...), value...)
}

// readBinaryReply reads one binary reply and returns its magic and status.
func readBinaryReply(t *testing.T, r *bufio.Reader) (byte, int) {
	t.Helper()
	var h [24]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		t.Fatal(err)
	}
	body := int(h[8])<<24 | int(h[9])<<16 | int(h[10])<<8 | int(h[11])
	if _, err := io.CopyN(io.Discard, r, int64(body)); err != nil {
		t.Fatal(err)
	}
	return h[0], int(h[6])<<8 | int(h[7])
}

// A parked connection whose client goes away is closed and counted out.
func TestParkedConnectionPeerClose(t *testing.T) {
	srv := &Server{Store: newLifecycleStore(), Logger: quietLogger(), ParkIdleAfter: 20 * time.Millisecond}
	addr, _ := startServer(t, srv)
	t.Cleanup(func() { srv.Close() })
	var clients []net.Conn
	for range 5 {
		c, r := dial(t, addr)
		roundTrip(t, c, r, "version\r\n", 1)
		clients = append(clients, c)
	}
	waitParked(t, srv, 5)
	for _, c := range clients {
		c.Close()
	}
	waitParked(t, srv, 0)
	deadline := time.Now().Add(5 * time.Second)
	for srv.st.currConns.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := srv.st.currConns.Load(); n != 0 {
		t.Fatalf("curr_connections %d after the clients closed", n)
	}
}

// Shutdown and Close end parked connections: the clients see the
// connection closed, the counters go back to zero and no goroutine is
// left behind.
func TestShutdownAndCloseWithParkedConnections(t *testing.T) {
	for _, how := range []string{"shutdown", "close"} {
		t.Run(how, func(t *testing.T) {
			before := runtime.NumGoroutine()
			srv := &Server{Store: newLifecycleStore(), Logger: quietLogger(), ParkIdleAfter: 20 * time.Millisecond}
			addr, done := startServer(t, srv)
			var clients []*bufio.Reader
			for range 8 {
				c, r := dial(t, addr)
				roundTrip(t, c, r, "version\r\n", 1)
				clients = append(clients, r)
			}
			waitParked(t, srv, 8)
			if how == "shutdown" {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := srv.Shutdown(ctx); err != nil {
					t.Fatalf("Shutdown: %v", err)
				}
			} else if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != ErrServerClosed {
				t.Fatalf("Serve returned %v", err)
			}
			for i, r := range clients {
				if _, err := r.ReadByte(); err != io.EOF {
					t.Fatalf("client %d: read after %s: %v, want EOF", i, how, err)
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for srv.st.currConns.Load() != 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if n := srv.st.currConns.Load(); n != 0 {
				t.Fatalf("curr_connections %d after %s", n, how)
			}
			checkNoLeak(t, before)
		})
	}
}

// Requests that arrive while the sweeper is asking connections to park
// are served, in order, whatever the interleaving.
func TestParkRaces(t *testing.T) {
	srv := &Server{Store: newLifecycleStore(), Logger: quietLogger(), ParkIdleAfter: time.Millisecond}
	addr, _ := startServer(t, srv)
	t.Cleanup(func() { srv.Close() })
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			r := bufio.NewReader(c)
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range 200 {
				v := fmt.Sprintf("w%d-%d", w, i)
				if _, err := fmt.Fprintf(c, "set k%d 0 0 %d\r\n%s\r\nget k%d\r\n", w, len(v), v, w); err != nil {
					errs <- err
					return
				}
				want := fmt.Sprintf("STORED\r\nVALUE k%d 0 %d\r\n%s\r\nEND\r\n", w, len(v), v)
				got := make([]byte, len(want))
				if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
					errs <- fmt.Errorf("worker %d request %d: %q, %v; want %q", w, i, got, err, want)
					return
				}
				time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// The idle timeout still ends a parked connection, and counts it as
// memcached's idle_kicks; a connection used within the timeout stays.
func TestParkedConnectionIdleTimeout(t *testing.T) {
	srv := &Server{Store: newLifecycleStore(), Logger: quietLogger(), ParkIdleAfter: 20 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}
	addr, _ := startServer(t, srv)
	t.Cleanup(func() { srv.Close() })
	idle, idleR := dial(t, addr)
	roundTrip(t, idle, idleR, "version\r\n", 1)
	busy, busyR := dial(t, addr)
	roundTrip(t, busy, busyR, "version\r\n", 1)
	waitParked(t, srv, 2)
	start := time.Now()
	for time.Since(start) < 600*time.Millisecond {
		time.Sleep(100 * time.Millisecond)
		roundTrip(t, busy, busyR, "version\r\n", 1) // parks in between, resumes
	}
	if _, err := idleR.ReadByte(); err != io.EOF {
		t.Fatalf("idle parked connection: read %v, want EOF after the idle timeout", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("idle connection closed after %v", took)
	}
	if n := srv.st.idleKicks.Load(); n != 1 {
		t.Fatalf("idle_kicks %d, want 1", n)
	}
	roundTrip(t, busy, busyR, "version\r\n", 1)
}

// A TLS connection cannot hand its socket to the parker (its reads must
// go through crypto/tls): it keeps its goroutine and goes on serving,
// untouched by the sweeper's wake-up.
func TestTLSConnectionDoesNotPark(t *testing.T) {
	srv := &Server{Store: newLifecycleStore(), Logger: quietLogger(), ParkIdleAfter: 20 * time.Millisecond}
	addr := serveTLS(t, srv)
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	for i := range 4 {
		if got := roundTrip(t, c, r, fmt.Sprintf("set k 0 0 1\r\n%d\r\n", i), 1); got != "STORED\r\n" {
			t.Fatalf("set %d over TLS: %q", i, got)
		}
		time.Sleep(100 * time.Millisecond) // several sweeps
		if got := roundTrip(t, c, r, "get k\r\n", 3); got != fmt.Sprintf("VALUE k 0 1\r\n%d\r\nEND\r\n", i) {
			t.Fatalf("get %d over TLS after idling: %q", i, got)
		}
	}
	if p := srv.parking.Load(); p == nil || p.parkedTotal() != 0 {
		t.Fatal("a TLS connection was parked")
	}
}

// A TLS client that sends its hello only after several of the parking
// sweeper's rounds still gets through: a connection that cannot park is
// never asked to (the request is a past read deadline, which used to fail
// the handshake the server was waiting in, and the client saw a reset).
func TestTLSSlowHandshakeSurvivesSweeps(t *testing.T) {
	srv := &Server{Store: newLifecycleStore(), Logger: quietLogger(), ParkIdleAfter: 10 * time.Millisecond}
	addr := serveTLS(t, srv)
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	time.Sleep(150 * time.Millisecond) // the server waits in its handshake through many sweeps
	c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := c.Handshake(); err != nil {
		t.Fatalf("handshake after idling: %v", err)
	}
	r := bufio.NewReader(c)
	if got := roundTrip(t, c, r, "set k 0 0 1\r\nx\r\n", 1); got != "STORED\r\n" {
		t.Fatalf("set over TLS: %q", got)
	}
}

// A parked connection gives up its protocol handler, and a new one
// resumes it: what the connection must remember between requests, its
// login and a refused data block still to be discarded, survives.
func TestParkKeepsStateBetweenRequests(t *testing.T) {
	af, err := ParseAuthFile([]byte("user:secret\n"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Store: newLifecycleStore(), Logger: quietLogger(), ParkIdleAfter: 20 * time.Millisecond,
		TextAuth: af, MaxItemSize: 1024}
	addr, _ := startServer(t, srv)
	t.Cleanup(func() { srv.Close() })
	c, r := dial(t, addr)
	if got := roundTrip(t, c, r, "set a 0 0 11\r\nuser secret\r\n", 1); got != "STORED\r\n" {
		t.Fatalf("login: %q", got)
	}
	waitParked(t, srv, 1)
	if got := roundTrip(t, c, r, "set k 0 0 1\r\nx\r\n", 1); got != "STORED\r\n" {
		t.Fatalf("set after parking (still logged in?): %q", got)
	}
	// A value over the item size is refused as soon as its line arrives;
	// its data block, sent after the connection has parked, is
	// discarded, not read as commands.
	if got := roundTrip(t, c, r, "set big 0 0 5000\r\n", 1); got != "SERVER_ERROR object too large for cache\r\n" {
		t.Fatalf("oversized set: %q", got)
	}
	waitParked(t, srv, 1)
	block := make([]byte, 5000)
	for i := range block {
		block[i] = 'g' // "get"s would answer if it were read as commands
	}
	if got := roundTrip(t, c, r, string(block)+"\r\nget k big\r\n", 3); got != "VALUE k 0 1\r\nx\r\nEND\r\n" {
		t.Fatalf("after the refused block: %q", got)
	}
}

// serveTLS serves srv over TLS on a loopback port, with a self-signed
// certificate, until t ends, and returns the address.
func serveTLS(t *testing.T, srv *Server) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}})) }()
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}
