package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/ratmemcache/ratmemcache/engine"
	"io/fs"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ratmemcache/ratmemcache/cli/internal/config"
	"github.com/ratmemcache/ratmemcache/cli/internal/logging"
	"github.com/ratmemcache/ratmemcache/server"
)

const memcachedVersion = server.DefaultVersion

// run builds the store and the server from cfg, listens, calls ready once
// every listener is open (nil error) or start-up failed, and serves until
// ctx ends or a client sends shutdown (with -A); then it drains
// connections for up to server.shutdown_timeout and closes everything.
func run(ctx context.Context, cfg *config.Config, logs *logging.Logs, ready func(error)) (err error) {
	log := logs.Main
	defer func() {
		if ready != nil {
			ready(err) // start-up failed before ready was called
		}
	}()
	if cfg.Performance.WorkerThreads > 0 {
		runtime.GOMAXPROCS(cfg.Performance.WorkerThreads)
	}

	applySoftMemoryLimit(int64(cfg.L1.MaxMemory))
	// Evictions reach the server's watchers once the server exists.
	var watchers atomic.Pointer[server.Server]
	store, closeStore, err := newStore(cfg, logs, func(key []byte, info engine.RangeInfo) {
		if s := watchers.Load(); s != nil {
			s.LogEviction(key, info.Fetched, evictionTTL(info.Expiry), time.Now().Unix()-info.Stored,
				info.Size-engine.ItemHeaderSize-len(key))
		}
	})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeStore(); cerr != nil && err == nil {
			err = cerr
		}
	}()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &server.Server{
		Store:           store,
		MaxConns:        cfg.Performance.MaxConnections,
		OnMemoryLimit:   func(n int64) { applySoftMemoryLimit(n) },
		IdleTimeout:     cfg.Performance.IdleTimeout.D(),
		ParkIdleAfter:   parkIdleAfter(cfg.Performance.ParkIdleAfter.D()),
		MaxItemSize:     int(cfg.Server.MaxItemSize),
		ReadBufferSize:  int(cfg.Performance.ReadBufferSize),
		WriteBufferSize: int(cfg.Performance.WriteBufferSize),
		EnableShutdown:  cfg.Server.EnableShutdown,
		OnShutdown: func() {
			logs.Audit.Warn("shutdown command received")
			log.Info("shutdown requested by a client")
			cancel()
		},
		Logger:          log,
		ProductVersion:  version,
		DisableFlushAll: cfg.Server.DisableFlushAll,
		MaxReqsPerEvent: cfg.Performance.MaxReqsPerEvent,
		DisableDumping:  cfg.Server.DisableDumping,
		DisableCAS:      cfg.Server.DisableCAS,
		DisableWatch:    cfg.Server.DisableWatch,
		ListenBacklog:   cfg.Performance.ListenBacklog,
		UDPPort:         max(cfg.Server.UDPPort, 0),
		Protocol:        cfg.Server.Protocol,
		// -M reaches the engine only without L2 (see newStore).
		EvictionsDisabled: cfg.L1.DisableEvictions && !cfg.L2.EnableL2Cache,
	}
	if len(cfg.Server.Listen) > 0 {
		srv.TCPPort = cfg.Server.Port
	}
	watchers.Store(srv)
	if d := cfg.Server.StatsPrefixDelimiter; d != "" {
		srv.DetailEnabled, srv.PrefixDelimiter = true, d[0]
	}
	if cfg.Logging.EnableLogging && cfg.Logging.EnableAuditLogs {
		srv.Audit = logs.Audit
	}
	if cfg.Logging.EnableLogging && cfg.Logging.EnableCacheLogs {
		srv.OpLog = logs.Cache
	}
	if cfg.Logging.EnableLogging && cfg.Logging.EnablePerformanceLogs {
		if d := cfg.Logging.SlowThreshold.D(); d > 0 {
			srv.SlowLog, srv.SlowThreshold = logs.Perf, d
		}
		go logPerformance(ctx, logs.Perf, cfg.Logging.PerformanceInterval.D(), store.Stats)
	}
	if err := setupAuth(srv, cfg); err != nil {
		return err
	}

	listeners, err := listen(cfg)
	if err != nil {
		return err
	}
	udp, err := listenUDP(cfg)
	if err != nil {
		for _, l := range listeners {
			_ = l.Close()
		}
		return err
	}
	closeAll := func() {
		for _, l := range listeners {
			_ = l.Close()
		}
		for _, pc := range udp {
			_ = pc.Close()
		}
	}
	if name := os.Getenv("MEMCACHED_PORT_FILENAME"); name != "" {
		if err := writePortFile(name, listeners, udp); err != nil {
			log.Warn("cannot write the port file named by MEMCACHED_PORT_FILENAME", "err", err)
		}
	}
	if cfg.Server.PidFile != "" {
		if err := writePidFile(cfg.Server.PidFile); err != nil {
			closeAll()
			return err
		}
		defer func() {
			if err := removePidFile(cfg.Server.PidFile); err != nil {
				log.Warn("could not remove the pid file", "file", cfg.Server.PidFile, "err", err)
			}
		}()
	}
	if cfg.Server.User != "" {
		if err := dropPrivileges(cfg.Server.User, log); err != nil {
			closeAll()
			return err
		}
	}
	var stopMetrics func()
	if cfg.Server.MetricsAddr != "" {
		if stopMetrics, err = serveMetrics(cfg.Server.MetricsAddr, store, log); err != nil {
			closeAll()
			return err
		}
		defer stopMetrics()
	}

	errc := make(chan error, len(listeners)+len(udp))
	for _, l := range listeners {
		go func() { errc <- srv.Serve(l) }()
	}
	for _, pc := range udp {
		go func() { errc <- srv.ServeUDP(pc) }()
	}
	if len(listeners)+len(udp) == 0 {
		// memcached -p 0 without -U or -s starts all the same.
		log.Warn("no listener: nothing will be served (server.listen, server.unix_socket and server.udp_port are all off)")
	}
	addrs := make([]string, 0, len(listeners)+len(udp))
	for _, l := range listeners {
		addrs = append(addrs, l.Addr().Network()+":"+l.Addr().String())
	}
	for _, pc := range udp {
		addrs = append(addrs, "udp:"+pc.LocalAddr().String())
	}
	log.Info("ratmemcached ready", "version", version, "listen", addrs,
		"max_memory", cfg.L1.MaxMemory.String(), "eviction", cfg.L1.EvictionStrategy,
		"max_connections", cfg.Performance.MaxConnections, "max_item_size", cfg.Server.MaxItemSize.String(),
		"pid", os.Getpid())
	logs.Audit.Info("started", "listen", addrs, "pid", os.Getpid())
	ready(nil)
	ready = nil

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
		log.Error("listener failed", "err", serveErr)
	}
	timeout := cfg.Server.ShutdownTimeout.D()
	log.Info("shutting down", "timeout", timeout)
	sctx, scancel := context.WithTimeout(context.Background(), timeout)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("connections still busy after the shutdown timeout; closing them", "err", err)
	}
	_ = srv.Close()
	logs.Audit.Info("stopped")
	log.Info("stopped")
	if serveErr != nil && !errors.Is(serveErr, server.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// evictionTTL is what memcached's eviction log line says of an item's
// expiry: the seconds it had left, or -1 for none.
func evictionTTL(expiry int64) int64 {
	if expiry == 0 {
		return -1
	}
	return max(expiry-time.Now().Unix(), 0)
}

// writePortFile does what memcached does when MEMCACHED_PORT_FILENAME is
// set (test harnesses start it with -p -1 and read the port chosen): one
// line per TCP listener, "TCP INET: <port>" (INET6 for IPv6), and per UDP
// socket, "UDP INET: <port>", written to name.lck and then renamed to
// name, so that a reader never sees half of it.
func writePortFile(name string, ls []net.Listener, udp []net.PacketConn) error {
	var b strings.Builder
	line := func(proto string, ip net.IP, port int) {
		family := "INET"
		if ip.To4() == nil && !ip.IsUnspecified() {
			family = "INET6"
		}
		fmt.Fprintf(&b, "%s %s: %d\n", proto, family, port)
	}
	for _, l := range ls {
		if a, ok := l.Addr().(*net.TCPAddr); ok {
			line("TCP", a.IP, a.Port)
		}
	}
	for _, pc := range udp {
		if a, ok := pc.LocalAddr().(*net.UDPAddr); ok {
			line("UDP", a.IP, a.Port)
		}
	}
	tmp := name + ".lck"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// listenUDP opens a UDP socket on the UDP port for every host of
// server.udp_listen, or of server.listen (memcached -U serves UDP on the
// interfaces of -l); none when the UDP port is 0.
func listenUDP(cfg *config.Config) (pcs []net.PacketConn, err error) {
	if cfg.Server.UDPPort == 0 {
		return nil, nil
	}
	defer func() {
		if err != nil {
			for _, pc := range pcs {
				_ = pc.Close()
			}
		}
	}()
	hosts := cfg.Server.UDPListen
	if len(hosts) == 0 {
		hosts = cfg.Server.Listen
	}
	for _, entry := range hosts {
		addr, err := config.ListenAddr(entry, cfg.Server.Port)
		if err != nil {
			return pcs, err
		}
		host, _, _ := net.SplitHostPort(addr)
		addr = net.JoinHostPort(host, strconv.Itoa(max(cfg.Server.UDPPort, 0)))
		pc, err := net.ListenPacket("udp"+strings.TrimPrefix(tcpNetwork(addr), "tcp"), addr)
		if err != nil {
			return pcs, fmt.Errorf("UDP: %w", err)
		}
		pcs = append(pcs, pc)
	}
	return pcs, nil
}

// tcpNetwork is "tcp4" for an IPv4 literal (so that -l 0.0.0.0 listens
// on IPv4 only, as memcached does, not on a dual-stack socket), "tcp6" for
// an IPv6 one and "tcp" for a name.
func tcpNetwork(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "tcp"
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.To4() != nil {
			return "tcp4"
		}
		return "tcp6"
	}
	return "tcp"
}

// listen opens every configured listener: TCP (with TLS when enabled) and
// the Unix socket.
func listen(cfg *config.Config) (ls []net.Listener, err error) {
	defer func() {
		if err != nil {
			for _, l := range ls {
				_ = l.Close()
			}
		}
	}()
	var tcfg *tls.Config
	if cfg.Server.EnableTLS {
		if tcfg, err = tlsConfig(&cfg.Server); err != nil {
			return nil, err
		}
	}
	for _, entry := range cfg.Server.Listen {
		addr, err := config.ListenAddr(entry, cfg.Server.Port)
		if err != nil {
			return ls, err
		}
		l, err := net.Listen(tcpNetwork(addr), addr)
		if err != nil {
			return ls, err
		}
		if err := setBacklog(l, cfg.Performance.ListenBacklog); err != nil {
			_ = l.Close()
			return ls, fmt.Errorf("listen backlog on %s: %w", addr, err)
		}
		if tcfg != nil {
			l = tls.NewListener(l, tcfg)
		}
		ls = append(ls, l)
	}
	if p := cfg.Server.UnixSocket; p != "" {
		// memcached removes a stale socket file; do the same, but only a socket.
		if st, err := os.Lstat(p); err == nil && st.Mode()&fs.ModeSocket != 0 {
			_ = os.Remove(p)
		}
		l, err := net.Listen("unix", p)
		if err != nil {
			return ls, err
		}
		ls = append(ls, l)
		if err := setBacklog(l, cfg.Performance.ListenBacklog); err != nil {
			return ls, fmt.Errorf("listen backlog on %s: %w", p, err)
		}
		mask, _ := strconv.ParseUint(cfg.Server.UnixMask, 8, 32)
		if err := os.Chmod(p, fs.FileMode(mask)); err != nil && runtime.GOOS != "windows" {
			return ls, fmt.Errorf("unix socket %s: %w", p, err)
		}
	}
	return ls, nil
}

func tlsConfig(s *config.Server) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(s.TLSCertFile, s.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if s.TLSCAFile != "" {
		pem, err := os.ReadFile(s.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("TLS: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS: %s holds no PEM certificate", s.TLSCAFile)
		}
		c.ClientCAs = pool
	}
	switch s.TLSVerifyMode {
	case 1:
		c.ClientAuth = tls.VerifyClientCertIfGiven
	case 2, 3:
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return c, nil
}

// parkIdleAfter maps performance.park_idle_after (0: never) to
// server.Server.ParkIdleAfter (negative: never).
func parkIdleAfter(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
