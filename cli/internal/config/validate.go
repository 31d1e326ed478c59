package config

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ratmemcache/ratmemcache/engine"
)

// EvictionStrategies returns the names accepted by l1.eviction_strategy:
// the engine's policies.
func EvictionStrategies() []string { return engine.PolicyNames() }

// Limits enforced by Validate.
const (
	MinItemSize   = 1 << 10 // memcached -I minimum
	MaxItemSize   = 1 << 30 // memcached -I maximum
	MinMaxMemory  = 1 << 20
	MaxShards     = 1 << 12
	MinBufferSize = 1 << 10
	MaxBufferSize = 16 << 20
)

type validator struct{ errs []error }

func (v *validator) fail(key, format string, args ...any) {
	for i, a := range args {
		args[i] = describe(a)
	}
	v.errs = append(v.errs, &Error{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) oneOf(key, val string, allowed []string) {
	if !slices.Contains(allowed, val) {
		v.fail(key, "%v is not one of "+strings.Join(allowed, ", "), val)
	}
}

func (v *validator) intRange(key string, val, lo, hi int64) {
	if val < lo || val > hi {
		v.fail(key, "%v is out of range; expected "+strconv.FormatInt(lo, 10)+" to "+strconv.FormatInt(hi, 10), val)
	}
}

func (v *validator) sizeRange(key string, val Size, lo, hi int64) {
	if int64(val) < lo || int64(val) > hi {
		v.fail(key, "%v is out of range; expected "+FormatSize(lo)+" to "+FormatSize(hi), FormatSize(int64(val)))
	}
}

// Validate checks every value and returns all problems as *Error values
// joined with errors.Join, or nil.
func (c *Config) Validate() error {
	v := &validator{}
	s := &c.Server
	if c.Preset != "" && !slices.Contains(PresetNames(), c.Preset) {
		v.fail("preset", "%v is not one of "+strings.Join(PresetNames(), ", "), c.Preset)
	}
	for _, l := range s.Listen {
		if _, err := ListenAddr(l, s.Port); err != nil {
			v.errs = append(v.errs, &Error{Key: "server.listen", Msg: err.Error()})
		}
	}
	v.intRange("server.port", int64(s.Port), 0, 65535)
	v.intRange("server.udp_port", int64(s.UDPPort), -1, 65535)
	if s.UDPPort != 0 && (s.EnableSASL || s.AuthFile != "") {
		v.fail("server.udp_port", "UDP cannot be served with authentication on (memcached disables UDP with SASL)")
	}
	for _, h := range s.UDPListen {
		if _, err := ListenAddr(h, s.UDPPort); err != nil {
			v.errs = append(v.errs, &Error{Key: "server.udp_listen", Msg: err.Error()})
		}
	}
	if m, err := strconv.ParseUint(s.UnixMask, 8, 32); err != nil || m > 0o777 {
		v.fail("server.unix_mask", "%v is not an octal permission mask such as \"0700\"", s.UnixMask)
	}
	v.sizeRange("server.max_item_size", s.MaxItemSize, MinItemSize, MaxItemSize)
	if int64(s.MaxItemSize) > int64(c.L1.MaxMemory)/2 {
		v.fail("server.max_item_size", "%v is more than half of l1.max_memory ("+FormatSize(int64(c.L1.MaxMemory))+"), as memcached also refuses", FormatSize(int64(s.MaxItemSize)))
	}
	v.oneOf("server.protocol", s.Protocol, []string{"auto", "ascii", "binary"})
	if len(s.StatsPrefixDelimiter) > 1 {
		v.fail("server.stats_prefix_delimiter", "%q: want one character", s.StatsPrefixDelimiter)
	}
	if s.EnableTLS && (s.TLSCertFile == "" || s.TLSKeyFile == "") {
		v.fail("server.enable_tls", "TLS needs server.tls_cert_file and server.tls_key_file (memcached -o ssl_chain_cert=…,ssl_key=…)")
	}
	v.intRange("server.tls_verify_mode", int64(s.TLSVerifyMode), 0, 3)
	if s.EnableSASL && s.AuthFile != "" {
		v.fail("server.auth_file", "cannot be combined with server.enable_sasl: memcached binds -Y to the text protocol and -S to the binary protocol")
	}
	if s.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(s.MetricsAddr); err != nil {
			v.fail("server.metrics_addr", "%v is not host:port", s.MetricsAddr)
		}
	}

	l1 := &c.L1
	v.sizeRange("l1.max_memory", l1.MaxMemory, MinMaxMemory, 1<<50)
	v.intRange("l1.max_entries", l1.MaxEntries, 0, 1<<48)
	v.oneOf("l1.eviction_strategy", l1.EvictionStrategy, EvictionStrategies())
	if l1.Shards < 0 || l1.Shards > MaxShards || l1.Shards&(l1.Shards-1) != 0 {
		v.fail("l1.shards", "%v is not 0 (automatic) or a power of two up to "+strconv.Itoa(MaxShards), l1.Shards)
	}

	l2 := &c.L2
	if l2.EnableL2Cache && strings.TrimSpace(l2.DataDir) == "" {
		v.fail("l2.data_dir", "empty while l2.enable_l2_cache is true")
	}
	v.sizeRange("l2.max_disk_size", l2.MaxDiskSize, 1<<20, 1<<50)
	v.sizeRange("l2.write_buffer_size", l2.WriteBufferSize, 0, 1<<30)
	v.intRange("l2.background_threads", int64(l2.BackgroundThreads), 1, 64)
	v.oneOf("l2.durability", l2.Durability, []string{"none", "interval", "sync", "always"})
	if l2.Durability == "interval" && l2.SyncInterval.D() <= 0 {
		v.fail("l2.sync_interval", "must be positive when l2.durability is \"interval\"")
	}

	v.sizeRange("compression.compression_threshold", c.Compression.CompressionThreshold, 0, MaxItemSize)
	v.intRange("compression.compression_level", int64(c.Compression.CompressionLevel), 0, 9)

	t := &c.TTL
	if t.MaxTTL != 0 && t.DefaultTTL > t.MaxTTL {
		v.fail("ttl.default_ttl", "%v is longer than ttl.max_ttl ("+t.MaxTTL.String()+")", t.DefaultTTL.String())
	}
	if t.CleanupInterval != 0 && t.CleanupInterval.D() < 100*time.Millisecond {
		v.fail("ttl.cleanup_interval", "%v is too short; use at least 100ms, or 0 to disable the cleaner", t.CleanupInterval.String())
	}

	p := &c.Performance
	v.intRange("performance.worker_threads", int64(p.WorkerThreads), 0, 4096)
	v.sizeRange("performance.large_value_threshold", p.LargeValueThreshold, 0, MaxItemSize)
	v.intRange("performance.max_connections", int64(p.MaxConnections), 1, 1<<24)
	v.sizeRange("performance.read_buffer_size", p.ReadBufferSize, MinBufferSize, MaxBufferSize)
	v.sizeRange("performance.write_buffer_size", p.WriteBufferSize, MinBufferSize, MaxBufferSize)
	v.intRange("performance.listen_backlog", int64(p.ListenBacklog), 1, 1<<20)
	v.intRange("performance.max_reqs_per_event", int64(p.MaxReqsPerEvent), 1, 1<<20)
	if p.ParkIdleAfter != 0 && p.ParkIdleAfter.D() < 10*time.Millisecond {
		v.fail("performance.park_idle_after", "%v is too short; use at least 10ms, or 0 never to park idle connections", p.ParkIdleAfter.String())
	}

	lg := &c.Logging
	v.oneOf("logging.level", lg.Level, []string{"debug", "info", "warn", "error"})
	v.oneOf("logging.format", lg.Format, []string{"text", "json"})
	if strings.TrimSpace(lg.Output) == "" {
		v.fail("logging.output", "empty; use \"stderr\", \"stdout\" or a file path")
	}
	if lg.EnablePerformanceLogs && lg.PerformanceInterval.D() <= 0 {
		v.fail("logging.performance_interval", "must be positive when logging.enable_performance_logs is true")
	}
	v.intRange("logging.batch_size", int64(lg.BatchSize), 1, 1<<16)
	v.intRange("logging.batch_interval_ms", int64(lg.BatchIntervalMS), 1, 60_000)
	v.intRange("logging.buffer_size", int64(lg.BufferSize), 1, 1<<20)
	return errors.Join(v.errs...)
}

// ListenAddr turns a server.listen entry ("host", "host:port",
// "[v6]:port", "[v6]", ":port") into host:port, using port when the entry
// has none.
func ListenAddr(entry string, port int) (string, error) {
	e := strings.TrimSpace(entry)
	if e == "" {
		return "", errors.New("empty listen address")
	}
	if strings.HasPrefix(e, "notls:") {
		return "", errors.New(strconv.Quote(entry) + ": the notls: prefix is not supported; TLS applies to every TCP listener")
	}
	host, p, err := net.SplitHostPort(e)
	if err != nil {
		// No port: a bare host, "[v6]" or a bare IPv6 address.
		host = strings.TrimSuffix(strings.TrimPrefix(e, "["), "]")
		if strings.ContainsAny(host, "[]") {
			return "", errors.New(strconv.Quote(entry) + " is not host or host:port")
		}
		return net.JoinHostPort(host, strconv.Itoa(port)), nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", errors.New(strconv.Quote(entry) + ": port " + strconv.Quote(p) + " is not 0 to 65535")
	}
	return net.JoinHostPort(host, p), nil
}
