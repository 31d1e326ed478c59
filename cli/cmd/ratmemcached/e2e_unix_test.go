//go:build unix

package main

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	port := freePort(t)
	pid := filepath.Join(t.TempDir(), "rmc.pid")
	addr := "127.0.0.1:" + strconv.Itoa(port)
	d := start(t, bin, "-p"+strconv.Itoa(port), "-m", "8", "-I", "2k", "-c", "3", "-P", pid, "-vv", "-A", "--no-l2")

	c := dial(t, addr)
	defer c.Close()
	r := bufio.NewReader(c)
	if got := roundTrip(t, c, r, "set k 7 0 5\r\nhello\r\n", 1); got[0] != "STORED" {
		t.Fatalf("set: %q", got)
	}
	if got := roundTrip(t, c, r, "get k\r\n", 3); got[0] != "VALUE k 7 5" || got[1] != "hello" || got[2] != "END" {
		t.Fatalf("get: %q", got)
	}
	// -I 2k: a 3000-byte value is too large.
	big := strings.Repeat("x", 3000)
	// (Pipelined with a version: the server at main f1ae30e only flushes
	// the oversized reply when the next request arrives; memcached 1.6.18
	// answers at once.)
	if got := roundTrip(t, c, r, "set big 0 0 3000\r\n"+big+"\r\nversion\r\n", 2); got[0] != "SERVER_ERROR object too large for cache" {
		t.Fatalf("oversized set: %q", got)
	}
	if got := roundTrip(t, c, r, "stats settings\r\n", 1); !strings.HasPrefix(got[0], "STAT") {
		t.Fatalf("stats settings: %q", got)
	}
	// The pid file names the server.
	b, err := os.ReadFile(pid)
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(d.cmd.Process.Pid) {
		t.Fatalf("pid file: %q, %v", b, err)
	}
	// -c 3: the fourth connection is refused.
	var extra []net.Conn
	for range 2 {
		extra = append(extra, dial(t, addr))
	}
	over := dial(t, addr)
	line, _ := bufio.NewReader(over).ReadString('\n')
	if !strings.HasPrefix(line, "ERROR Too many open connections") {
		t.Errorf("connection over -c 3: %q", line)
	}
	over.Close()
	for _, e := range extra {
		e.Close()
	}

	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.wait(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, d.stderr)
	}
	if _, err := os.Stat(pid); !os.IsNotExist(err) {
		t.Errorf("pid file still there after exit: %v", err)
	}
	for _, want := range []string{"ratmemcached ready", "stop signal received", "level=DEBUG"} {
		if !strings.Contains(d.stderr.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, d.stderr)
		}
	}
}

func TestEndToEndDaemon(t *testing.T) {
	bin := buildBinary(t)
	port := freePort(t)
	pid := filepath.Join(t.TempDir(), "d.pid")
	cmd := exec.Command(bin, "-d", "-p", strconv.Itoa(port), "-P", pid, "--no-l2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil { // the parent returns once the child listens
		t.Fatalf("-d: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(pid)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	child, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || child == cmd.Process.Pid {
		t.Fatalf("pid file holds %q (parent %d)", b, cmd.Process.Pid)
	}
	t.Cleanup(func() { _ = syscall.Kill(child, syscall.SIGKILL) })
	if sid, err := unix.Getsid(child); err != nil || sid != child {
		t.Errorf("daemon is not a session leader: sid %d, %v", sid, err)
	}
	c := dial(t, "127.0.0.1:"+strconv.Itoa(port))
	r := bufio.NewReader(c)
	if got := roundTrip(t, c, r, "version\r\n", 1); !strings.HasPrefix(got[0], "VERSION ") {
		t.Errorf("version: %q", got)
	}
	c.Close()
	// A second instance with the same pid file refuses to start.
	out, err := exec.Command(bin, "-p", strconv.Itoa(freePort(t)), "-P", pid, "--no-l2").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is running") {
		t.Errorf("second instance: %v, %s", err, out)
	}
	if err := syscall.Kill(child, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(pid); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("pid file not removed after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
