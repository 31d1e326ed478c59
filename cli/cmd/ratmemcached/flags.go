package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/ratmemcache/ratmemcache/cli/internal/config"
)

// cli holds every command-line flag: memcached 1.6's, with its letters and
// long names, then ours. Values that need a unit or a memcached-specific
// syntax are strings, parsed in apply.
type cli struct {
	// memcached's flags, in the order of memcached -h.
	Port            int      `short:"p" name:"port" placeholder:"NUM" help:"TCP port for -l addresses without one (default: 11211; -1: one the system chooses; 0: no TCP)." group:"memcached"`
	UDPPort         int      `short:"U" name:"udp-port" placeholder:"NUM" help:"UDP port (default: 0, off; -1: a port the system chooses)." group:"memcached"`
	UnixSocket      string   `short:"s" name:"unix-socket" placeholder:"FILE" help:"Unix socket to listen on (disables TCP unless -l/-p/--bind is also given)." group:"memcached"`
	UnixMask        string   `short:"a" name:"unix-mask" placeholder:"MASK" help:"Access mask for the Unix socket, in octal (default: 700)." group:"memcached"`
	EnableShutdown  bool     `short:"A" name:"enable-shutdown" help:"Enable the shutdown command." group:"memcached"`
	Listen          []string `short:"l" name:"listen" placeholder:"ADDR" sep:"," help:"Interfaces to listen on, host or host:port, comma-separated (default: 127.0.0.1; memcached's is all interfaces)." group:"memcached"`
	Daemon          bool     `short:"d" name:"daemon" help:"Run as a daemon (detach from the terminal)." group:"memcached"`
	EnableCoredumps bool     `short:"r" name:"enable-coredumps" help:"Accepted and ignored." group:"memcached"`
	User            string   `short:"u" name:"user" placeholder:"USER" help:"Switch to this user after listening (only when started as root)." group:"memcached"`
	MemoryLimit     string   `short:"m" name:"memory-limit" placeholder:"MB" help:"Item memory in megabytes, or a size such as 2GiB (default: 64)." group:"memcached"`
	NoEvictions     bool     `short:"M" name:"disable-evictions" help:"Return an error when memory is full instead of evicting." group:"memcached"`
	ConnLimit       int      `short:"c" name:"conn-limit" placeholder:"NUM" help:"Max simultaneous connections (default: 1024)." group:"memcached"`
	LockMemory      bool     `short:"k" name:"lock-memory" help:"Accepted and ignored." group:"memcached"`
	Verbose         int      `short:"v" name:"verbose" type:"counter" help:"Verbose: -v logs at info, -vv (or more) at debug." group:"memcached"`
	License         bool     `short:"i" name:"license" help:"Print the licence and exit." group:"memcached"`
	Version         bool     `short:"V" name:"version" help:"Print the version and exit." group:"memcached"`
	PidFile         string   `short:"P" name:"pidfile" aliases:"pid-file" placeholder:"FILE" help:"Write the process id to FILE; removed at exit." group:"memcached"`
	SlabGrowth      string   `short:"f" name:"slab-growth-factor" placeholder:"NUM" help:"Accepted and ignored (no slab classes)." group:"memcached"`
	SlabMinSize     string   `short:"n" name:"slab-min-size" placeholder:"BYTES" help:"Accepted and ignored (no slab classes)." group:"memcached"`
	LargePages      bool     `short:"L" name:"enable-largepages" help:"Accepted and ignored." group:"memcached"`
	Delimiter       string   `short:"D" name:"prefix-delimiter" placeholder:"CHAR" help:"Turn per-prefix stats on, prefixes ending at CHAR (stats detail)." group:"memcached"`
	Threads         int      `short:"t" name:"threads" placeholder:"NUM" help:"Worker threads: sets GOMAXPROCS (default: all CPUs)." group:"memcached"`
	ReqsPerEvent    int      `short:"R" name:"max-reqs-per-event" placeholder:"NUM" help:"Pipelined requests a connection serves before it yields to others (default: 20)." group:"memcached"`
	DisableCAS      bool     `short:"C" name:"disable-cas" help:"Disable the use of CAS." group:"memcached"`
	Backlog         int      `short:"b" name:"listen-backlog" placeholder:"NUM" help:"The listen backlog (default: 1024)." group:"memcached"`
	Protocol        string   `short:"B" name:"protocol" placeholder:"NAME" help:"Protocol: ascii, binary or auto (default: auto)." group:"memcached"`
	MaxItemSize     string   `short:"I" name:"max-item-size" placeholder:"SIZE" help:"Max item size, such as 1m, 512k or bytes (default: 1m, min: 1k, max: 1024m)." group:"memcached"`
	EnableSASL      bool     `short:"S" name:"enable-sasl" help:"Require SASL PLAIN authentication on the binary protocol; users and passwords (user:password lines) from the file named by MEMCACHED_SASL_PWDB." group:"memcached"`
	DisableFlushAll bool     `short:"F" name:"disable-flush-all" help:"Disable the flush_all command." group:"memcached"`
	DisableDumping  bool     `short:"X" name:"disable-dumping" help:"Disable stats cachedump and lru_crawler metadump." group:"memcached"`
	DisableWatch    bool     `short:"W" name:"disable-watch" help:"Disable the watch command (live logging)." group:"memcached"`
	AuthFile        string   `short:"Y" name:"auth-file" placeholder:"FILE" help:"Require text-protocol authentication; FILE holds user:password lines." group:"memcached"`
	MemoryFile      string   `short:"e" name:"memory-file" placeholder:"FILE" help:"Accepted and ignored (use --data-dir for a restartable cache)." group:"memcached"`
	EnableSSL       bool     `short:"Z" name:"enable-ssl" help:"Serve TLS (needs -o ssl_chain_cert=FILE,ssl_key=FILE)." group:"memcached"`
	Extended        []string `short:"o" name:"extended" placeholder:"OPT" sep:"," help:"Comma-separated extended options (see docs/configuration.md)." group:"memcached"`
	NapiIDs         string   `short:"N" name:"napi-ids" placeholder:"NUM" help:"Accepted and ignored." group:"memcached"`

	// Ours.
	Bind        []string `name:"bind" placeholder:"HOST:PORT" help:"Listen on HOST:PORT (repeatable; replaces the configured listeners)." group:"ratmemcached"`
	Config      string   `name:"config" placeholder:"FILE" help:"TOML configuration file." group:"ratmemcached"`
	DataDir     string   `name:"data-dir" placeholder:"DIR" help:"L2 data directory." group:"ratmemcached"`
	NoL2        bool     `name:"no-l2" help:"Disable the persistent L2 tier." group:"ratmemcached"`
	Durability  string   `name:"durability" placeholder:"MODE" help:"L2 durability: sync, interval or none." group:"ratmemcached"`
	Eviction    string   `name:"eviction" placeholder:"POLICY" help:"Eviction strategy: lru, lfu, fifo, hybrid, …" group:"ratmemcached"`
	Preset      string   `name:"preset" placeholder:"NAME" help:"Start from a preset: development, production, low-memory, high-throughput." group:"ratmemcached"`
	LogLevel    string   `name:"log-level" placeholder:"LEVEL" help:"debug, info, warn or error." group:"ratmemcached"`
	LogFormat   string   `name:"log-format" placeholder:"FORMAT" help:"text or json." group:"ratmemcached"`
	LogFile     string   `name:"log-file" placeholder:"FILE" help:"Write the log to FILE (reopened on SIGHUP) instead of stderr." group:"ratmemcached"`
	MetricsAddr string   `name:"metrics-addr" placeholder:"HOST:PORT" help:"Serve /metrics, /healthz and /debug/pprof/ over HTTP." group:"ratmemcached"`
	PrintConfig bool     `name:"print-config" help:"Print the effective configuration as TOML and exit." group:"ratmemcached"`
	CheckConfig bool     `name:"check-config" help:"Validate the configuration and exit (status 0 when valid, 1 when not)." group:"ratmemcached"`
}

// memcachedShort describes memcached's short options as getopt sees them:
// the long flag each maps to and whether it takes a value. It must list
// every short flag of cli; a test checks that.
var memcachedShort = map[byte]struct {
	long     string
	hasValue bool
}{
	'p': {"port", true}, 'U': {"udp-port", true}, 's': {"unix-socket", true},
	'a': {"unix-mask", true}, 'A': {"enable-shutdown", false}, 'l': {"listen", true},
	'd': {"daemon", false}, 'r': {"enable-coredumps", false}, 'u': {"user", true},
	'm': {"memory-limit", true}, 'M': {"disable-evictions", false}, 'c': {"conn-limit", true},
	'k': {"lock-memory", false}, 'v': {"verbose", false}, 'h': {"help", false},
	'i': {"license", false}, 'V': {"version", false}, 'P': {"pidfile", true},
	'f': {"slab-growth-factor", true}, 'n': {"slab-min-size", true}, 'L': {"enable-largepages", false},
	'D': {"prefix-delimiter", true}, 't': {"threads", true}, 'R': {"max-reqs-per-event", true},
	'C': {"disable-cas", false}, 'b': {"listen-backlog", true}, 'B': {"protocol", true},
	'I': {"max-item-size", true}, 'S': {"enable-sasl", false}, 'F': {"disable-flush-all", false},
	'X': {"disable-dumping", false}, 'W': {"disable-watch", false}, 'Y': {"auth-file", true},
	'e': {"memory-file", true}, 'Z': {"enable-ssl", false}, 'o': {"extended", true},
	'N': {"napi-ids", true},
}

// rewriteArgs turns memcached/getopt-style short options into long ones
// that kong parses unambiguously: "-p11211" and "-p 11211" become
// "--port=11211", "-vv" becomes "--verbose --verbose", "-dA" becomes
// "--daemon --enable-shutdown". Long options and everything after "--"
// pass through unchanged. An unknown letter is an error naming it.
func rewriteArgs(args []string) ([]string, error) {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' || a[1] == '-' {
			out = append(out, a)
			continue
		}
		for j := 1; j < len(a); j++ {
			opt, ok := memcachedShort[a[j]]
			if !ok {
				return nil, fmt.Errorf("unknown flag -%c (in %q); see --help", a[j], a)
			}
			if !opt.hasValue {
				out = append(out, "--"+opt.long)
				continue
			}
			val := a[j+1:]
			if val == "" {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("flag -%c (--%s) needs a value", a[j], opt.long)
				}
				i++
				val = args[i]
			}
			out = append(out, "--"+opt.long+"="+val)
			break
		}
	}
	return out, nil
}

const description = `ratmemcached is a memcached 1.6 compatible server with an optional persistent L2.

It accepts memcached's flags with the same letters and meanings (getopt style:
-p11211, -p 11211, -vv, -dA) and its own long flags. Precedence: built-in
defaults < --preset < --config file < flags.`

// newParser builds the kong parser for c.
func newParser(c *cli, exit func(int), stdout, stderr io.Writer) (*kong.Kong, error) {
	return kong.New(c,
		kong.Name("ratmemcached"),
		kong.Description(description),
		kong.UsageOnError(),
		kong.Exit(exit),
		kong.Writers(stdout, stderr),
		kong.ExplicitGroups([]kong.Group{
			{Key: "memcached", Title: "memcached flags"},
			{Key: "ratmemcached", Title: "ratmemcached flags"},
		}),
	)
}

// errExited is returned by parseArgs when kong asked to exit (--help).
var errExited = errors.New("exited")

// exitPanic unwinds kong when it calls its exit function.
type exitPanic struct{}

// parseArgs parses args (without the program name) into a cli and the set
// of long flag names given on the command line. exit is called by kong
// for --help; if it returns, it must panic with exitPanic{}, and parseArgs
// returns errExited.
func parseArgs(args []string, exit func(int), stdout, stderr io.Writer) (c *cli, set map[string]bool, err error) {
	rewritten, err := rewriteArgs(args)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(exitPanic); !ok {
				panic(r)
			}
			c, set, err = nil, nil, errExited
		}
	}()
	c = &cli{}
	p, err := newParser(c, exit, stdout, stderr)
	if err != nil {
		return nil, nil, err
	}
	kctx, err := p.Parse(rewritten)
	if err != nil {
		return nil, nil, err
	}
	set = make(map[string]bool)
	for _, el := range kctx.Path {
		if el.Flag != nil && !el.Resolved {
			set[el.Flag.Name] = true
		}
	}
	return c, set, nil
}

// notice is a message about the command line to log once the logger exists.
type notice struct {
	ignored bool // an accepted option that has no effect
	msg     string
}

// apply overrides cfg with the flags in set, in a fixed order, and
// returns the keys it changed (for error locations) and notices about
// options that are accepted but ignored.
func (c *cli) apply(cfg *config.Config, set map[string]bool) (keys map[string]bool, notes []notice, err error) {
	keys = make(map[string]bool)
	ignore := func(flag, why string) {
		notes = append(notes, notice{ignored: true, msg: flag + " is ignored: " + why})
	}
	var errs []error
	bad := func(flag string, e error) { errs = append(errs, fmt.Errorf("%s: %w", flag, e)) }
	mark := func(k ...string) {
		for _, x := range k {
			keys[x] = true
		}
	}
	s := &cfg.Server
	if set["listen"] {
		s.Listen = append([]string(nil), c.Listen...)
		mark("server.listen")
	}
	if set["bind"] {
		if !set["listen"] {
			s.Listen = nil
		}
		for _, b := range c.Bind {
			if _, _, e := splitBind(b); e != nil {
				bad("--bind", e)
			}
			s.Listen = append(s.Listen, b)
		}
		mark("server.listen")
	}
	if set["port"] {
		switch {
		case c.Port == 0:
			// memcached: -p 0 turns TCP off; UDP (-U) stays on the
			// interfaces -l named.
			s.UDPListen = s.Listen
			s.Listen = nil
			mark("server.listen", "server.udp_listen")
		case c.Port == -1:
			// memcached: -p -1 listens on a port the system chooses
			// (MEMCACHED_PORT_FILENAME tells which).
			s.Port = 0
		default:
			s.Port = c.Port
		}
		mark("server.port")
	}
	if set["unix-socket"] {
		s.UnixSocket = c.UnixSocket
		if !set["listen"] && !set["bind"] && !set["port"] {
			s.Listen = nil // memcached: -s disables network support
		}
		mark("server.unix_socket", "server.listen")
	}
	if set["udp-port"] {
		s.UDPPort = c.UDPPort
		mark("server.udp_port")
		if c.UDPPort != 0 && !set["port"] {
			// memcached: -U without -p puts TCP on the same port (-1:
			// both on ports the system chooses).
			s.Port = max(c.UDPPort, 0)
			mark("server.port")
		}
	}
	if set["unix-mask"] {
		s.UnixMask = c.UnixMask
		mark("server.unix_mask")
	}
	if set["enable-shutdown"] {
		s.EnableShutdown = true
		mark("server.enable_shutdown")
	}
	if set["daemon"] {
		s.Daemon = true
		mark("server.daemon")
	}
	if set["user"] {
		s.User = c.User
		mark("server.user")
	}
	if set["memory-limit"] {
		n, e := parseMemoryLimit(c.MemoryLimit)
		if e != nil {
			bad("-m", e)
		}
		cfg.L1.MaxMemory = config.Size(n)
		mark("l1.max_memory")
	}
	if set["disable-evictions"] {
		cfg.L1.DisableEvictions = true
		mark("l1.disable_evictions")
	}
	if set["conn-limit"] {
		if c.ConnLimit <= 0 {
			bad("-c", errors.New("maximum connections must be greater than 0"))
		}
		cfg.Performance.MaxConnections = c.ConnLimit
		mark("performance.max_connections")
	}
	if set["pidfile"] {
		s.PidFile = c.PidFile
		mark("server.pid_file")
	}
	if set["threads"] {
		if c.Threads <= 0 {
			bad("-t", errors.New("number of threads must be greater than 0"))
		}
		cfg.Performance.WorkerThreads = c.Threads
		mark("performance.worker_threads")
	}
	if set["max-reqs-per-event"] {
		cfg.Performance.MaxReqsPerEvent = c.ReqsPerEvent
		mark("performance.max_reqs_per_event")
	}
	if set["prefix-delimiter"] {
		if len(c.Delimiter) != 1 {
			bad("-D", errors.New("the delimiter must be one character"))
		}
		s.StatsPrefixDelimiter = c.Delimiter
		mark("server.stats_prefix_delimiter")
	}
	if set["disable-cas"] {
		s.DisableCAS = true
		mark("server.disable_cas")
	}
	if set["listen-backlog"] {
		cfg.Performance.ListenBacklog = c.Backlog
		mark("performance.listen_backlog")
	}
	if set["protocol"] {
		s.Protocol = c.Protocol
		mark("server.protocol")
	}
	if set["max-item-size"] {
		n, e := config.ParseSize(c.MaxItemSize)
		if e != nil {
			bad("-I", e)
		}
		s.MaxItemSize = config.Size(n)
		mark("server.max_item_size")
	}
	if set["enable-sasl"] {
		s.EnableSASL = true
		mark("server.enable_sasl")
	}
	if set["disable-flush-all"] {
		s.DisableFlushAll = true
		mark("server.disable_flush_all")
	}
	if set["disable-dumping"] {
		s.DisableDumping = true
		mark("server.disable_dumping")
	}
	if set["disable-watch"] {
		s.DisableWatch = true
		mark("server.disable_watch")
	}
	if set["auth-file"] {
		s.AuthFile = c.AuthFile
		mark("server.auth_file")
	}
	if set["enable-ssl"] {
		s.EnableTLS = true
		mark("server.enable_tls")
	}
	for flag, why := range map[string]string{
		"-r": "core dump limits are left to the environment",
		"-k": "Go cannot lock its heap in memory",
		"-f": "there are no slab classes",
		"-n": "there are no slab classes",
		"-L": "Go manages its own pages",
		"-D": "per-prefix stats are not supported",
		"-W": "the watch command is not supported",
		"-e": "use --data-dir for a cache that survives restarts",
		"-N": "there are no NAPI-pinned threads",
	} {
		if set[memcachedShort[flag[1]].long] {
			ignore(flag, why)
		}
	}
	if set["extended"] {
		en, e := applyExtended(cfg, c.Extended, keys)
		if e != nil {
			errs = append(errs, e)
		}
		notes = append(notes, en...)
	}
	if set["verbose"] {
		cfg.Logging.Level = "info"
		if c.Verbose >= 2 {
			cfg.Logging.Level = "debug"
		}
		mark("logging.level")
	}

	// Our long flags come last: they are the most specific.
	if set["data-dir"] {
		cfg.L2.DataDir = c.DataDir
		mark("l2.data_dir")
	}
	if set["no-l2"] {
		cfg.L2.EnableL2Cache = false
		mark("l2.enable_l2_cache")
	}
	if set["durability"] {
		cfg.L2.Durability = c.Durability
		mark("l2.durability")
	}
	if set["eviction"] {
		cfg.L1.EvictionStrategy = c.Eviction
		mark("l1.eviction_strategy")
	}
	if set["log-level"] {
		cfg.Logging.Level = c.LogLevel
		mark("logging.level")
	}
	if set["log-format"] {
		cfg.Logging.Format = c.LogFormat
		mark("logging.format")
	}
	if set["log-file"] {
		cfg.Logging.Output = c.LogFile
		mark("logging.output")
	}
	if set["metrics-addr"] {
		s.MetricsAddr = c.MetricsAddr
		mark("server.metrics_addr")
	}
	if set["preset"] {
		cfg.Preset = c.Preset
		mark("preset")
	}
	return keys, notes, errors.Join(errs...)
}

// parseMemoryLimit reads -m: a bare number is megabytes, as in memcached;
// a number with a unit is a size ("2GiB").
func parseMemoryLimit(s string) (int64, error) {
	if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		if n <= 0 || n > 1<<30 {
			return 0, fmt.Errorf("%q megabytes is out of range", s)
		}
		return n << 20, nil
	}
	return config.ParseSize(s)
}

func splitBind(b string) (string, string, error) {
	host, port, err := net.SplitHostPort(b)
	if err != nil {
		return "", "", fmt.Errorf("%q is not host:port", b)
	}
	return host, port, nil
}
