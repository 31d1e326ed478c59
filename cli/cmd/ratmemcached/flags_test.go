package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/cli/internal/config"
)

func TestRewriteArgs(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
		err  string
	}{
		{in: nil, want: []string{}},
		{in: []string{"-p11211"}, want: []string{"--port=11211"}},
		{in: []string{"-p", "11211"}, want: []string{"--port=11211"}},
		{in: []string{"-m", "64", "-c1024"}, want: []string{"--memory-limit=64", "--conn-limit=1024"}},
		{in: []string{"-vv"}, want: []string{"--verbose", "--verbose"}},
		{in: []string{"-dA"}, want: []string{"--daemon", "--enable-shutdown"}},
		{in: []string{"-vp11211"}, want: []string{"--verbose", "--port=11211"}},
		{in: []string{"-Ap", "1"}, want: []string{"--enable-shutdown", "--port=1"}},
		{in: []string{"-l", "-weird"}, want: []string{"--listen=-weird"}},
		{in: []string{"-o", "idle_timeout=5,no_lru_crawler"}, want: []string{"--extended=idle_timeout=5,no_lru_crawler"}},
		{in: []string{"--port=1", "--bind", "x:1"}, want: []string{"--port=1", "--bind", "x:1"}},
		{in: []string{"-", "--", "-p"}, want: []string{"-", "--", "-p"}},
		{in: []string{"-h"}, want: []string{"--help"}},
		{in: []string{"-q"}, err: "unknown flag -q"},
		{in: []string{"-vq"}, err: "unknown flag -q"},
		{in: []string{"-p"}, err: "flag -p (--port) needs a value"},
	}
	for _, tt := range tests {
		got, err := rewriteArgs(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("rewriteArgs(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("rewriteArgs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestShortFlagsMatchModel checks that the getopt table and the kong model
// agree on every short flag and on which ones take a value.
func TestShortFlagsMatchModel(t *testing.T) {
	p, err := newParser(&cli{}, func(int) {}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[byte]bool{}
	for _, f := range p.Model.Flags {
		if f.Short == 0 {
			continue
		}
		opt, ok := memcachedShort[byte(f.Short)]
		if !ok {
			t.Errorf("-%c (--%s) is missing from memcachedShort", f.Short, f.Name)
			continue
		}
		seen[byte(f.Short)] = true
		if opt.long != f.Name {
			t.Errorf("-%c maps to --%s, model says --%s", f.Short, opt.long, f.Name)
		}
		isBool := f.IsBool() || f.IsCounter()
		if opt.hasValue == isBool {
			t.Errorf("-%c: hasValue %v, but the flag is bool=%v", f.Short, opt.hasValue, isBool)
		}
	}
	for c := range memcachedShort {
		if !seen[c] {
			t.Errorf("memcachedShort has -%c, the model does not", c)
		}
	}
}

// parse runs the whole flag pipeline on args over a default config.
func parse(t *testing.T, args ...string) (*config.Config, []notice, error) {
	t.Helper()
	c, set, err := parseArgs(args, func(int) { panic(exitPanic{}) }, io.Discard, io.Discard)
	if err != nil {
		return nil, nil, err
	}
	cfg, _, _, notes, err := buildConfig(c, set)
	if err != nil {
		return cfg, notes, err
	}
	return cfg, notes, cfg.Validate()
}

func TestMemcachedFlags(t *testing.T) {
	tests := []struct {
		args  []string
		check func(*config.Config) bool
	}{
		{[]string{"-p11212"}, func(c *config.Config) bool { return c.Server.Port == 11212 }},
		{[]string{"-p", "11212", "-l", "0.0.0.0"}, func(c *config.Config) bool {
			return c.Server.Port == 11212 && reflect.DeepEqual(c.Server.Listen, []string{"0.0.0.0"})
		}},
		{[]string{"-l", "127.0.0.1,::1", "-l", "10.0.0.1:5"}, func(c *config.Config) bool {
			return reflect.DeepEqual(c.Server.Listen, []string{"127.0.0.1", "::1", "10.0.0.1:5"})
		}},
		{[]string{"-m", "128"}, func(c *config.Config) bool { return c.L1.MaxMemory == 128<<20 }},
		{[]string{"-m2GiB"}, func(c *config.Config) bool { return c.L1.MaxMemory == 2<<30 }},
		{[]string{"-c", "10"}, func(c *config.Config) bool { return c.Performance.MaxConnections == 10 }},
		{[]string{"-I", "2m"}, func(c *config.Config) bool { return c.Server.MaxItemSize == 2<<20 }},
		{[]string{"-I512k"}, func(c *config.Config) bool { return c.Server.MaxItemSize == 512<<10 }},
		{[]string{"-I", "4096"}, func(c *config.Config) bool { return c.Server.MaxItemSize == 4096 }},
		{[]string{"-A"}, func(c *config.Config) bool { return c.Server.EnableShutdown }},
		{[]string{"-M"}, func(c *config.Config) bool { return c.L1.DisableEvictions }},
		{[]string{"-D", "#"}, func(c *config.Config) bool { return c.Server.StatsPrefixDelimiter == "#" }},
		{[]string{"-D:"}, func(c *config.Config) bool { return c.Server.StatsPrefixDelimiter == ":" }},
		{[]string{"-R", "5"}, func(c *config.Config) bool { return c.Performance.MaxReqsPerEvent == 5 }},
		{[]string{"-p", "-1"}, func(c *config.Config) bool { return c.Server.Port == 0 && len(c.Server.Listen) > 0 }},
		{[]string{"-p", "0", "-s", "/tmp/x.sock"}, func(c *config.Config) bool { return len(c.Server.Listen) == 0 }},
		{[]string{"-t", "8"}, func(c *config.Config) bool { return c.Performance.WorkerThreads == 8 }},
		{[]string{"-U", "0"}, func(c *config.Config) bool { return c.Server.UDPPort == 0 }},
		{[]string{"-v"}, func(c *config.Config) bool { return c.Logging.Level == "info" }},
		{[]string{"-vv"}, func(c *config.Config) bool { return c.Logging.Level == "debug" }},
		{[]string{"-vvv"}, func(c *config.Config) bool { return c.Logging.Level == "debug" }},
		{[]string{"-vv", "--log-level", "error"}, func(c *config.Config) bool { return c.Logging.Level == "error" }},
		{[]string{"-P", "/tmp/x.pid"}, func(c *config.Config) bool { return c.Server.PidFile == "/tmp/x.pid" }},
		{[]string{"--pid-file=/tmp/y.pid"}, func(c *config.Config) bool { return c.Server.PidFile == "/tmp/y.pid" }},
		{[]string{"--pidfile", "/tmp/z.pid"}, func(c *config.Config) bool { return c.Server.PidFile == "/tmp/z.pid" }},
		{[]string{"-s", "/tmp/mc.sock", "-a", "770"}, func(c *config.Config) bool {
			return c.Server.UnixSocket == "/tmp/mc.sock" && len(c.Server.Listen) == 0 && c.Server.UnixMask == "770"
		}},
		{[]string{"-s", "/tmp/mc.sock", "-p", "5"}, func(c *config.Config) bool {
			return c.Server.UnixSocket == "/tmp/mc.sock" && len(c.Server.Listen) == 1
		}},
		{[]string{"-o", "idle_timeout=30,maxconns_fast,hash_algorithm=murmur3,no_lru_crawler"}, func(c *config.Config) bool {
			return c.Performance.IdleTimeout.D() == 30*time.Second
		}},
		{[]string{"-Z", "-o", "ssl_chain_cert=/c.pem,ssl_key=/k.pem,ssl_verify_mode=2"}, func(c *config.Config) bool {
			return c.Server.EnableTLS && c.Server.TLSCertFile == "/c.pem" && c.Server.TLSKeyFile == "/k.pem" && c.Server.TLSVerifyMode == 2
		}},
		{[]string{"--bind", "127.0.0.1:7000", "--bind", "[::1]:7001"}, func(c *config.Config) bool {
			return reflect.DeepEqual(c.Server.Listen, []string{"127.0.0.1:7000", "[::1]:7001"})
		}},
		{[]string{"--no-l2", "--eviction", "lfu", "--data-dir", "/d"}, func(c *config.Config) bool {
			return !c.L2.EnableL2Cache && c.L1.EvictionStrategy == "lfu" && c.L2.DataDir == "/d"
		}},
		{[]string{"--log-format", "json", "--metrics-addr", "127.0.0.1:9150"}, func(c *config.Config) bool {
			return c.Logging.Format == "json" && c.Server.MetricsAddr == "127.0.0.1:9150"
		}},
		{[]string{"--preset", "production"}, func(c *config.Config) bool {
			return c.Preset == "production" && c.L1.MaxMemory == 1<<30 && c.Logging.Format == "json"
		}},
		{[]string{"--preset", "production", "-m", "100"}, func(c *config.Config) bool { return c.L1.MaxMemory == 100<<20 }},
	}
	for _, tt := range tests {
		cfg, _, err := parse(t, tt.args...)
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if !tt.check(cfg) {
			t.Errorf("%q: unexpected config %+v", tt.args, cfg)
		}
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-x"}, "unknown flag -x"},
		{[]string{"--frobnicate"}, "unknown flag --frobnicate"},
		{[]string{"-o", "frobnicate=1"}, "unknown extended option -o frobnicate"},
		{[]string{"-o", "idle_timeout"}, "-o idle_timeout needs a value"},
		{[]string{"-o", "hash_algorithm=md5"}, "hash_algorithm"},
		{[]string{"-p", "eleven"}, "port"},
		{[]string{"-p", "70000"}, "server.port"},
		{[]string{"-U", "70000"}, "server.udp_port"},
		{[]string{"-U", "11211", "-S"}, "UDP cannot be served with authentication"},
		{[]string{"-c", "0"}, "greater than 0"},
		{[]string{"-m", "0"}, "-m"},
		{[]string{"-I", "1x"}, "-I"},
		{[]string{"-I", "2g"}, "server.max_item_size"},
		{[]string{"-I", "100"}, "server.max_item_size"},
		{[]string{"-S", "-Y", "/etc/auth"}, "cannot be combined"},
		{[]string{"-B", "http"}, "server.protocol"},
		{[]string{"--bind", "nohost"}, "--bind"},
		{[]string{"--preset", "turbo"}, "unknown preset"},
		{[]string{"--eviction", "random"}, "l1.eviction_strategy"},
		{[]string{"-Z"}, "tls_cert_file"},
	}
	for _, tt := range tests {
		_, _, err := parse(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want it to contain %q", tt.args, err, tt.want)
		}
	}
}

func TestIgnoredReportedOnce(t *testing.T) {
	_, notes, err := parse(t, "-r", "-k", "-L", "-f", "1.25", "-n", "48", "-R", "20", "-b", "1024",
		"-o", "modern,no_lru_crawler,lru_crawler_sleep=100,ext_path=/x:1G,no_maxconns_fast")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, n := range notes {
		if !n.ignored {
			continue
		}
		flag, _, _ := strings.Cut(n.msg, " is ignored")
		seen[flag]++
	}
	for _, f := range []string{"-r", "-k", "-L", "-f", "-n", "-o modern", "-o no_lru_crawler",
		"-o lru_crawler_sleep", "-o ext_path", "-o no_maxconns_fast"} {
		if seen[f] != 1 {
			t.Errorf("%s reported %d times, want once (notes: %v)", f, seen[f], notes)
		}
	}
	if seen["-b"] != 0 {
		t.Errorf("-b (applied to every listener) reported as ignored: %v", notes)
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.toml")
	// The file sets max_connections (over the preset's 10240) and max_memory;
	// the flag overrides max_memory again.
	src := "preset = \"production\"\n[l1]\nmax_memory = \"256MiB\"\n[performance]\nmax_connections = 50\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parse(t, "--config", path, "-m", "32")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.L1.MaxMemory != 32<<20 { // flag > file
		t.Errorf("max_memory = %v, want the flag's 32MiB", cfg.L1.MaxMemory)
	}
	if cfg.Performance.MaxConnections != 50 { // file > preset
		t.Errorf("max_connections = %d, want the file's 50", cfg.Performance.MaxConnections)
	}
	if cfg.Logging.Format != "json" { // preset > default
		t.Errorf("format = %q, want the preset's json", cfg.Logging.Format)
	}
	if cfg.Server.Port != 11211 { // default
		t.Errorf("port = %d", cfg.Server.Port)
	}
	// --preset overrides the file's preset; the file still overrides it.
	cfg, _, err = parse(t, "--config", path, "--preset", "low-memory")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Preset != "low-memory" || cfg.Logging.Format != "text" || cfg.Performance.MaxConnections != 50 {
		t.Errorf("preset override: %+v", cfg)
	}
}

func TestErrorLocations(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(path, []byte("[performance]\nmax_connections = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := realMain([]string{"--config", path, "--check-config"}, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), path+":2: performance.max_connections") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	// A flag overriding the bad value makes the file valid.
	stderr.Reset()
	if code := realMain([]string{"--config", path, "--check-config", "-c", "5"}, io.Discard, &stderr); code != 0 {
		t.Errorf("with -c 5: exit %d, stderr %q", code, stderr.String())
	}
	// A bad flag value is reported without the file's location.
	stderr.Reset()
	code = realMain([]string{"--check-config", "-c", "5", "-t", "99999"}, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "performance.worker_threads") || strings.Contains(stderr.String(), ".toml") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestHelpAndVersion(t *testing.T) {
	var out bytes.Buffer
	if code := realMain([]string{"-h"}, &out, io.Discard); code != 0 || !strings.Contains(out.String(), "--memory-limit") {
		t.Errorf("-h: exit %d, output %q", code, out.String())
	}
	out.Reset()
	if code := realMain([]string{"-V"}, &out, io.Discard); code != 0 || !strings.HasPrefix(out.String(), "ratmemcached ") {
		t.Errorf("-V: exit %d, output %q", code, out.String())
	}
}

func TestPrintConfigRoundTrip(t *testing.T) {
	args := []string{"-p", "12345", "-m", "100", "-I", "2m", "-c", "77", "--eviction", "lfu", "--preset", "production",
		"-o", "idle_timeout=90", "--no-l2"}
	var out bytes.Buffer
	if code := realMain(append(args, "--print-config"), &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	want, _, err := parse(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "printed.toml")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _, err := parse(t, "--config", path)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v\n%s", got, want, out.String())
	}
}

func TestTCPNetwork(t *testing.T) {
	for addr, want := range map[string]string{
		"0.0.0.0:11211":   "tcp4",
		"127.0.0.1:0":     "tcp4",
		"[::]:11211":      "tcp6",
		"[::1]:11211":     "tcp6",
		":11211":          "tcp",
		"localhost:11211": "tcp",
	} {
		if got := tcpNetwork(addr); got != want {
			t.Errorf("tcpNetwork(%q) = %q, want %q", addr, got, want)
		}
	}
}
