package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{"0", 0, false},
		{"64", 64, false},
		{"64b", 64, false},
		{"1k", 1 << 10, false},
		{"1K", 1 << 10, false},
		{"2m", 2 << 20, false},
		{"512MB", 512 << 20, false},
		{"512 MiB", 512 << 20, false},
		{"1GiB", 1 << 30, false},
		{"1gb", 1 << 30, false},
		{"1.5g", 3 << 29, false},
		{"2TiB", 2 << 40, false},
		{" 8MiB ", 8 << 20, false},
		{"8388607TiB", 8388607 << 40, false},
		{"8388608TiB", 0, true}, // 2^63 overflows
		{"9223372036854775807", 9223372036854775807, false},
		{"9223372036854775808", 0, true},
		{"", 0, true},
		{"MB", 0, true},
		{"-1", 0, true},
		{"+1", 0, true},
		{"1e3", 0, true},
		{"0x10", 0, true},
		{"1_000", 0, true},
		{"ten", 0, true},
		{"1.2.3m", 0, true},
		{"NaN", 0, true},
		{"Inf", 0, true},
		{"1 PB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 1000: "1000", 1024: "1KiB", 64 << 20: "64MiB",
		1 << 30: "1GiB", 3 << 29: "1536MiB", 1<<40 + 1: "1099511627777"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"64", "512MB", "1GiB", "1.5g", "2m", "", "-1", "9223372036854775807", "8388608TiB", "1e3", ".5k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("ParseSize(%q) = %d, negative", s, n)
		}
		back, err := ParseSize(FormatSize(n))
		if err != nil || back != n {
			t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, n, FormatSize(n), back, err)
		}
		if d, err := ParseDuration(s); err == nil && d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
	})
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"0", 0, false},
		{"30", 30 * time.Second, false},
		{"30s", 30 * time.Second, false},
		{"1h30m", 90 * time.Minute, false},
		{"250ms", 250 * time.Millisecond, false},
		{"-1s", 0, true},
		{"soon", 0, true},
		{"99999999999999999", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func decode(t *testing.T, src string) (*Config, *File, error) {
	t.Helper()
	f, err := ParseFile("test.toml", src)
	if err != nil {
		return nil, nil, err
	}
	cfg := Default()
	if err := f.Decode(cfg); err != nil {
		return cfg, f, err
	}
	return cfg, f, f.Locate(cfg.Validate(), nil)
}

func TestDecodeValues(t *testing.T) {
	cfg, _, err := decode(t, `
[server]
listen = ["127.0.0.1:2000", "[::1]"]
max_item_size = "2m"
[l1]
max_memory = "512MB"
max_entries = 1000
eviction_strategy = "lfu"
[ttl]
default_ttl = 60
max_ttl = "1h"
[logging]
level = "debug"
`)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Server.Listen; !reflect.DeepEqual(got, []string{"127.0.0.1:2000", "[::1]"}) {
		t.Errorf("listen = %q", got)
	}
	if cfg.L1.MaxMemory != 512<<20 || cfg.Server.MaxItemSize != 2<<20 || cfg.L1.MaxEntries != 1000 {
		t.Errorf("sizes: %+v %+v", cfg.L1, cfg.Server.MaxItemSize)
	}
	if cfg.TTL.DefaultTTL.D() != time.Minute || cfg.TTL.MaxTTL.D() != time.Hour {
		t.Errorf("ttl: %+v", cfg.TTL)
	}
	// Keys absent from the file keep their defaults.
	if cfg.Server.Port != 11211 || cfg.Performance.MaxConnections != 1024 {
		t.Errorf("defaults lost: port %d, max_connections %d", cfg.Server.Port, cfg.Performance.MaxConnections)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // substrings of the error
	}{
		{"unknown key", "[l1]\nmax_memory = 1048576\nmax_memroy = 5\n",
			[]string{"test.toml:3: l1.max_memroy: unknown key", "max_memory"}},
		{"unknown section", "# c\n[cache]\nsize = 1\n",
			[]string{"test.toml:2: cache: unknown key or section", "l1", "logging"}},
		{"unknown top-level key", "port = 11211\n",
			[]string{"test.toml:1: port: unknown key or section"}},
		{"key under a scalar", "[server.port]\nx = 1\n",
			[]string{"test.toml:1:"}},
		{"wrong type int", "[server]\nport = \"eleven\"\n",
			[]string{"test.toml:2: server.port:", "string", "integer"}},
		{"wrong type bool", "\n\n[l2]\nenable_l2_cache = 1\n",
			[]string{"test.toml:4: l2.enable_l2_cache:"}},
		{"bad size", "[l1]\nmax_memory = \"lots\"\n",
			[]string{"test.toml:2", "l1.max_memory", "invalid syntax"}},
		{"size of wrong type", "[l1]\nmax_memory = true\n",
			[]string{"test.toml:2", "expected a size"}},
		{"negative size", "[l1]\nmax_memory = -5\n",
			[]string{"test.toml:2", "negative"}},
		{"bad duration", "[ttl]\ncleanup_interval = \"often\"\n",
			[]string{"test.toml:2", "ttl.cleanup_interval", "30s"}},
		{"syntax", "[l1\nmax_memory = 1\n",
			[]string{"test.toml:2:", "table name"}},
		{"out of range", "[performance]\n\nmax_connections = 0\n",
			[]string{"test.toml:3: performance.max_connections: 0 is out of range; expected 1 to"}},
		{"bad enum", "[l1]\neviction_strategy = \"random\"\n",
			[]string{"test.toml:2: l1.eviction_strategy: \"random\" is not one of 2q, arc, fifo"}},
		{"item larger than half the memory", "[l1]\nmax_memory = \"4MiB\"\n[server]\nmax_item_size = \"3MiB\"\n",
			[]string{"test.toml:4: server.max_item_size", "half of l1.max_memory"}},
		{"udp port", "[server]\nudp_port = 65536\n",
			[]string{"test.toml:2: server.udp_port", "out of range"}},
		{"udp with sasl", "[server]\nudp_port = 11211\nenable_sasl = true\n",
			[]string{"server.udp_port", "UDP cannot be served with authentication"}},
		{"udp listen", "[server]\nudp_port = 11211\nudp_listen = [\"localhost:eleven\"]\n",
			[]string{"server.udp_listen"}},
		{"sasl and auth file", "[server]\nenable_sasl = true\nauth_file = \"/etc/auth\"\n",
			[]string{"test.toml:3: server.auth_file", "cannot be combined"}},
		{"two errors", "[logging]\nlevel = \"loud\"\nformat = \"xml\"\n",
			[]string{"test.toml:2: logging.level", "test.toml:3: logging.format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decode(t, tt.src)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("error %T is not a *config.Error", err)
			}
		})
	}
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, p := range PresetNames() {
		c := Default()
		if !ApplyPreset(c, p) {
			t.Fatalf("preset %q unknown", p)
		}
		c.Preset = p
		if err := c.Validate(); err != nil {
			t.Errorf("preset %q: %v", p, err)
		}
	}
	if ApplyPreset(Default(), "turbo") {
		t.Error("unknown preset accepted")
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	configs := map[string]*Config{"default": Default()}
	for _, p := range PresetNames() {
		c := Default()
		ApplyPreset(c, p)
		c.Preset = p
		configs[p] = c
	}
	odd := Default()
	odd.Server.Listen = []string{"[::1]:1", "0.0.0.0"}
	odd.Server.UnixSocket = "/tmp/x y.sock"
	odd.L1.MaxMemory = 1<<30 + 7
	odd.TTL.DefaultTTL = Duration(1500 * time.Millisecond)
	odd.Logging.Output = `C:\logs\"rat".log`
	configs["odd"] = odd
	for name, c := range configs {
		var buf bytes.Buffer
		if err := Encode(&buf, c); err != nil {
			t.Fatal(err)
		}
		f, err := ParseFile(name, buf.String())
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, buf.String())
		}
		got := &Config{}
		if err := f.Decode(got); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, buf.String())
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("%s: round trip changed the config:\n got %+v\nwant %+v\n%s", name, got, c, buf.String())
		}
	}
}

func TestExampleFile(t *testing.T) {
	path := filepath.Join("..", "..", "..", "docs", "ratmemcached.example.toml")
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	if err := f.Decode(cfg); err != nil {
		t.Fatal(err)
	}
	if err := f.Locate(cfg.Validate(), nil); err != nil {
		t.Fatal(err)
	}
	// The example must set every key, so that it documents them all.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, Default()); err != nil {
		t.Fatal(err)
	}
	for key := range keyLines(buf.String()) {
		if f.Line(key) == 0 && !strings.Contains(string(b), "# "+key[strings.LastIndex(key, ".")+1:]+" =") {
			t.Errorf("example file does not mention %s", key)
		}
	}
}

func TestListenAddr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"127.0.0.1", "127.0.0.1:11211"},
		{"127.0.0.1:2000", "127.0.0.1:2000"},
		{"[::1]", "[::1]:11211"},
		{"::1", "[::1]:11211"},
		{"[::1]:5", "[::1]:5"},
		{":7", ":7"},
		{"localhost", "localhost:11211"},
		{"notls:127.0.0.1", ""},
		{"1.2.3.4:99999", ""},
	}
	for _, tt := range tests {
		got, err := ListenAddr(tt.in, 11211)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ListenAddr(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ListenAddr(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
