// Package config is ratmemcached's configuration: the Config struct, its
// built-in defaults and presets, strict TOML loading with file:line
// errors, validation, and printing as TOML.
//
// Precedence, lowest first: [Default], a preset ([ApplyPreset]), the TOML
// file ([Load]), then command-line flags (applied by the caller).
package config

import (
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Config is the whole daemon configuration, one field per TOML section.
type Config struct {
	// Preset names the preset the file builds on; --preset overrides it.
	Preset      string      `toml:"preset,omitempty"`
	Server      Server      `toml:"server"`
	L1          L1          `toml:"l1"`
	L2          L2          `toml:"l2"`
	Compression Compression `toml:"compression"`
	TTL         TTL         `toml:"ttl"`
	Performance Performance `toml:"performance"`
	Logging     Logging     `toml:"logging"`
}

// Server is the [server] section: listeners, protocol switches, TLS, auth,
// process management.
type Server struct {
	// Listen holds TCP addresses, "host", "host:port" or "[v6]:port"
	// (memcached -l, --bind). An entry without a port uses Port.
	Listen []string `toml:"listen"`
	// Port is the TCP port for Listen entries without one (memcached -p).
	Port int `toml:"port"`
	// UDPPort turns on memcached's UDP protocol on this port (memcached
	// -U); 0, the default as in memcached since 1.5.6, turns it off, and
	// -1 serves it on a port the system chooses. UDP is served on the
	// hosts of Listen, or of UDPListen when set.
	UDPPort int `toml:"udp_port"`
	// UDPListen holds the hosts UDP is served on when they differ from
	// Listen's (memcached -p 0 -U N -l host: UDP only).
	UDPListen []string `toml:"udp_listen"`
	// UnixSocket is a Unix socket path to listen on (memcached -s).
	UnixSocket string `toml:"unix_socket"`
	// UnixMask is the socket's permission bits in octal (memcached -a).
	UnixMask string `toml:"unix_mask"`
	// MaxItemSize is the largest value accepted (memcached -I).
	MaxItemSize Size `toml:"max_item_size"`
	// EnableShutdown allows the shutdown command (memcached -A).
	EnableShutdown bool `toml:"enable_shutdown"`
	// Protocol is "auto", "ascii" or "binary" (memcached -B).
	Protocol string `toml:"protocol"`
	// DisableCAS, DisableFlushAll and DisableDumping are memcached -C, -F, -X.
	DisableCAS      bool `toml:"disable_cas"`
	DisableFlushAll bool `toml:"disable_flush_all"`
	DisableDumping  bool `toml:"disable_dumping"`
	// DisableWatch refuses the watch command (memcached -W).
	DisableWatch bool `toml:"disable_watch"`
	// StatsPrefixDelimiter, when set (one byte), starts the server with
	// per-prefix statistics on, keys' prefixes ending at this byte
	// (memcached -D). Empty: off until a client sends "stats detail on"
	// (prefixes then end at ':').
	StatsPrefixDelimiter string `toml:"stats_prefix_delimiter"`
	// EnableTLS serves TLS on every TCP listener (memcached -Z).
	EnableTLS bool `toml:"enable_tls"`
	// TLS files (memcached -o ssl_chain_cert, ssl_key, ssl_ca_cert).
	TLSCertFile string `toml:"tls_cert_file"`
	TLSKeyFile  string `toml:"tls_key_file"`
	TLSCAFile   string `toml:"tls_ca_file"`
	// TLSVerifyMode is memcached's ssl_verify_mode: 0 none, 1 request,
	// 2 require, 3 once (treated as require).
	TLSVerifyMode int `toml:"tls_verify_mode"`
	// EnableSASL and AuthFile are memcached -S and -Y.
	EnableSASL bool   `toml:"enable_sasl"`
	AuthFile   string `toml:"auth_file"`
	// User is the account to switch to when started as root (memcached -u).
	User string `toml:"user"`
	// PidFile is written once listening and removed at exit (memcached -P).
	PidFile string `toml:"pid_file"`
	// Daemon detaches from the terminal (memcached -d).
	Daemon bool `toml:"daemon"`
	// ShutdownTimeout bounds the graceful drain on SIGTERM/SIGINT.
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
	// MetricsAddr serves /metrics, /healthz and /debug/pprof/ over HTTP
	// when not empty.
	MetricsAddr string `toml:"metrics_addr"`
}

// L1 is the [l1] section: the in-memory tier.
type L1 struct {
	// MaxMemory is the memory limit (memcached -m, in MiB there).
	MaxMemory Size `toml:"max_memory"`
	// MaxEntries limits the number of items; 0 means no limit.
	MaxEntries int64 `toml:"max_entries"`
	// EvictionStrategy names the eviction policy.
	EvictionStrategy string `toml:"eviction_strategy"`
	// Shards is the number of engine shards (a power of two); 0 is automatic.
	Shards int `toml:"shards"`
	// DisableEvictions answers "out of memory" instead of evicting (memcached -M).
	DisableEvictions bool `toml:"disable_evictions"`
}

// L2 is the [l2] section: the persistent bbolt tier.
type L2 struct {
	EnableL2Cache     bool   `toml:"enable_l2_cache"`
	DataDir           string `toml:"data_dir"`
	ClearOnStartup    bool   `toml:"clear_on_startup"`
	MaxDiskSize       Size   `toml:"max_disk_size"`
	WriteBufferSize   Size   `toml:"write_buffer_size"`
	EnableCompression bool   `toml:"enable_compression"`
	BackgroundThreads int    `toml:"background_threads"`
	// Durability is "none" (committed before the reply, fsynced only at
	// shutdown: an OS crash may lose recent writes), "interval" (fsynced
	// at least every SyncInterval) or "sync" (fsynced before the reply;
	// "always" is accepted as an older spelling).
	Durability   string   `toml:"durability"`
	SyncInterval Duration `toml:"sync_interval"`
}

// Compression is the [compression] section (values stored in L2).
type Compression struct {
	EnableLZ4            bool `toml:"enable_lz4"`
	CompressionThreshold Size `toml:"compression_threshold"`
	// CompressionLevel is 0 (fast) to 9 (LZ4 HC, smallest).
	CompressionLevel int `toml:"compression_level"`
}

// TTL is the [ttl] section.
type TTL struct {
	// DefaultTTL applies to items stored with exptime 0; 0 means never expire.
	DefaultTTL Duration `toml:"default_ttl"`
	// MaxTTL caps every item's lifetime; 0 means no cap.
	MaxTTL Duration `toml:"max_ttl"`
	// CleanupInterval is the period of the expired-item cleaner.
	CleanupInterval Duration `toml:"cleanup_interval"`
}

// Performance is the [performance] section.
type Performance struct {
	// WorkerThreads sets GOMAXPROCS; 0 uses every CPU (memcached -t).
	WorkerThreads int `toml:"worker_threads"`
	// LargeValueThreshold sends bigger values to L2 only.
	LargeValueThreshold Size `toml:"large_value_threshold"`
	// MaxConnections bounds open connections (memcached -c).
	MaxConnections int `toml:"max_connections"`
	// IdleTimeout closes idle connections; 0 never (memcached -o idle_timeout).
	IdleTimeout Duration `toml:"idle_timeout"`
	// ParkIdleAfter is how long a connection waits for a request before
	// it gives up its goroutine (Linux), to hold idle connections in less
	// memory; 0 never parks.
	ParkIdleAfter Duration `toml:"park_idle_after"`
	// ReadBufferSize and WriteBufferSize size each connection's buffers.
	ReadBufferSize  Size `toml:"read_buffer_size"`
	WriteBufferSize Size `toml:"write_buffer_size"`
	// ListenBacklog is memcached -b: the queue of pending connections of
	// every listener (on Windows, Go's choice, the system's maximum).
	ListenBacklog int `toml:"listen_backlog"`
	// MaxReqsPerEvent is memcached -R: pipelined requests a connection
	// serves before it yields to the others (stats conn_yields).
	MaxReqsPerEvent int `toml:"max_reqs_per_event"`
}

// Logging is the [logging] section.
type Logging struct {
	// EnableLogging false discards every record.
	EnableLogging bool `toml:"enable_logging"`
	// Level is "debug", "info", "warn" or "error".
	Level string `toml:"level"`
	// Format is "text" or "json".
	Format string `toml:"format"`
	// Output is "stderr", "stdout" or a file path (reopened on SIGHUP).
	Output string `toml:"output"`
	// EnableColors colours text output, only when it goes to a terminal.
	EnableColors  bool `toml:"enable_colors"`
	ShowTimestamp bool `toml:"show_timestamp"`
	// EnableAuditLogs turns on the audit stream (start, stop, shutdown,
	// signals, configuration, log reopening).
	EnableAuditLogs bool `toml:"enable_audit_logs"`
	// EnableCacheLogs turns on the per-operation cache stream (debug).
	EnableCacheLogs bool `toml:"enable_cache_logs"`
	// EnablePerformanceLogs logs a summary every PerformanceInterval and
	// operations slower than SlowThreshold.
	EnablePerformanceLogs bool     `toml:"enable_performance_logs"`
	PerformanceInterval   Duration `toml:"performance_interval"`
	SlowThreshold         Duration `toml:"slow_threshold"`
	// EnableAsync writes records from a background goroutine in batches;
	// when the BufferSize-record queue is full, records are dropped and
	// counted.
	EnableAsync     bool `toml:"enable_async"`
	BatchSize       int  `toml:"batch_size"`
	BatchIntervalMS int  `toml:"batch_interval_ms"`
	BufferSize      int  `toml:"buffer_size"`
}

// DefaultDataDir is the L2 data directory used when none is configured:
// ratmemcache under the user's cache directory (for example
// ~/.cache/ratmemcache on Linux, %LocalAppData%\ratmemcache on Windows),
// or under the system's temporary directory when there is none.
func DefaultDataDir() string {
	if dir, err := os.UserCacheDir(); err == nil && dir != "" {
		return filepath.Join(dir, "ratmemcache")
	}
	return filepath.Join(os.TempDir(), "ratmemcache")
}

// Default returns the built-in configuration: memcached's defaults where
// memcached has the knob (port 11211, -m 64, -c 1024, -I 1m), except that
// it listens on 127.0.0.1 only, and an L2 in DefaultDataDir.
func Default() *Config {
	return &Config{
		Server: Server{
			Listen:          []string{"127.0.0.1"},
			Port:            11211,
			UnixMask:        "0700",
			MaxItemSize:     1 << 20,
			Protocol:        "auto",
			ShutdownTimeout: Duration(10 * time.Second),
		},
		L1: L1{
			MaxMemory:        64 << 20,
			EvictionStrategy: "lru",
		},
		L2: L2{
			EnableL2Cache:     true,
			DataDir:           DefaultDataDir(),
			MaxDiskSize:       1 << 30,
			WriteBufferSize:   4 << 20,
			EnableCompression: true,
			BackgroundThreads: 2,
			Durability:        "interval",
			SyncInterval:      Duration(time.Second),
		},
		Compression: Compression{
			EnableLZ4:            true,
			CompressionThreshold: 1 << 10,
			CompressionLevel:     0,
		},
		TTL: TTL{
			CleanupInterval: Duration(time.Minute),
		},
		Performance: Performance{
			LargeValueThreshold: 512 << 10,
			MaxConnections:      1024,
			ReadBufferSize:      16 << 10,
			WriteBufferSize:     16 << 10,
			ListenBacklog:       1024,
			MaxReqsPerEvent:     20,
			ParkIdleAfter:       Duration(2 * time.Second),
		},
		Logging: Logging{
			EnableLogging:       true,
			Level:               "info",
			Format:              "text",
			Output:              "stderr",
			EnableColors:        true,
			ShowTimestamp:       true,
			PerformanceInterval: Duration(time.Minute),
			SlowThreshold:       Duration(100 * time.Millisecond),
			BatchSize:           64,
			BatchIntervalMS:     100,
			BufferSize:          4096,
		},
	}
}

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	d := *c
	d.Server.Listen = append([]string(nil), c.Server.Listen...)
	return &d
}

// PresetNames lists the presets in the order --help shows them.
func PresetNames() []string {
	return []string{"development", "production", "low-memory", "high-throughput"}
}

// ApplyPreset changes c as the named preset says; it reports false for an
// unknown name. Presets touch only a few keys; everything else keeps its
// value.
func ApplyPreset(c *Config, name string) bool {
	switch name {
	case "development":
		c.L1.MaxMemory = 64 << 20
		c.L2.EnableL2Cache = false
		c.Logging.Level = "debug"
		c.TTL.CleanupInterval = Duration(10 * time.Second)
	case "production":
		c.L1.MaxMemory = 1 << 30
		c.L1.EvictionStrategy = "lru"
		c.Performance.MaxConnections = 10240
		c.Performance.IdleTimeout = Duration(10 * time.Minute)
		c.Logging.Format = "json"
		c.Logging.EnableAuditLogs = true
		c.Logging.EnableColors = false
	case "low-memory":
		c.L1.MaxMemory = 16 << 20
		c.Performance.MaxConnections = 256
		c.Performance.ReadBufferSize = 4 << 10
		c.Performance.WriteBufferSize = 4 << 10
		c.Performance.LargeValueThreshold = 64 << 10
		c.L2.WriteBufferSize = 1 << 20
	case "high-throughput":
		c.L1.MaxMemory = 4 << 30
		c.Performance.MaxConnections = 65536
		c.Performance.ReadBufferSize = 64 << 10
		c.Performance.WriteBufferSize = 64 << 10
		c.L2.Durability = "none"
		c.Logging.Level = "warn"
		c.Logging.EnableAsync = true
	default:
		return false
	}
	return true
}

// ResolvedWorkerThreads is WorkerThreads, or the number of CPUs when 0.
func (p Performance) ResolvedWorkerThreads() int {
	if p.WorkerThreads > 0 {
		return p.WorkerThreads
	}
	return runtime.NumCPU()
}
