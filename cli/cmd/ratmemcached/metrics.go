package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"reflect"
	"runtime"
	"strings"
	"time"
	"unicode"

	"github.com/ratmemcache/ratmemcache/server"
)

// serveMetrics serves /metrics (Prometheus text format), /healthz and
// /debug/pprof/ on addr. The returned function stops the HTTP server.
func serveMetrics(addr string, store server.Store, log *slog.Logger) (func(), error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(appendMetrics(nil, store.Stats()))
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server failed", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", l.Addr().String(), "paths", "/metrics /healthz /debug/pprof/")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}

// appendMetrics writes the store's counters under memcached's stat names
// with a ratmemcached_ prefix, plus Go runtime gauges.
func appendMetrics(b []byte, st server.StoreStats) []byte {
	v := reflect.ValueOf(st)
	t := v.Type()
	for i := range t.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Uint64 {
			continue
		}
		name := "ratmemcached_" + snake(t.Field(i).Name)
		b = fmt.Appendf(b, "# TYPE %s %s\n%s %d\n", name, metricType(name), name, f.Uint())
	}
	for _, x := range st.Extra {
		name := "ratmemcached_" + sanitize(x.Name)
		b = fmt.Appendf(b, "# TYPE %s untyped\n%s %d\n", name, name, x.Value)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b = fmt.Appendf(b, "# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	b = fmt.Appendf(b, "# TYPE go_memstats_heap_alloc_bytes gauge\ngo_memstats_heap_alloc_bytes %d\n", ms.HeapAlloc)
	b = fmt.Appendf(b, "# TYPE go_memstats_sys_bytes gauge\ngo_memstats_sys_bytes %d\n", ms.Sys)
	return b
}

func metricType(name string) string {
	switch {
	case strings.HasSuffix(name, "curr_items"), strings.HasSuffix(name, "_bytes"), strings.HasSuffix(name, "limit_maxbytes"):
		return "gauge"
	}
	return "counter"
}

// snake turns a Go field name into memcached's stat name: GetHits ->
// get_hits, LimitMaxbytes -> limit_maxbytes.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '_'
	}, s)
}
