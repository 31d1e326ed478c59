package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

type statsCmd struct {
	Group    string        `arg:"" optional:"" default:"general" enum:"general,settings,items,slabs,conns,sizes" help:"Which statistics: general (default), settings, items, slabs, conns or sizes."`
	JSON     bool          `name:"json" help:"Print JSON (numbers as numbers); with --watch one object per line and screen."`
	Raw      bool          `help:"Print values as the server sends them, without units."`
	All      bool          `short:"a" help:"Show every statistic (general) or every column (items, slabs, conns), not only the main ones."`
	Watch    bool          `short:"w" help:"Redraw every --interval, with per-second rates of the counters."`
	Interval time.Duration `short:"i" default:"2s" help:"Interval of --watch."`
	Count    int           `short:"n" help:"With --watch, stop after this many screens (0: until interrupted)."`
}

func (c *statsCmd) handlesInterrupt() bool { return c.Watch }

// snapshot is one server's statistics at one time.
type snapshot struct {
	addr  string
	at    time.Time
	stats []client.Stat
	err   error
}

func (c *statsCmd) group() string {
	if c.Group == "general" {
		return ""
	}
	return c.Group
}

func (c *statsCmd) Run(g *Globals, e *env) error {
	if !c.Watch {
		snaps := make([]snapshot, 0, len(g.Servers))
		err := g.each(func(conn *client.Conn) error {
			st, err := conn.Stats(c.group())
			if err != nil {
				return &opError{conn.Addr(), strings.TrimSpace("stats " + c.group()), err}
			}
			snaps = append(snaps, snapshot{addr: conn.Addr(), at: time.Now(), stats: st})
			return nil
		})
		if err != nil {
			return err
		}
		if c.JSON {
			out := map[string]map[string]any{}
			for _, s := range snaps {
				out[s.addr] = typed(s.stats)
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		}
		for i, s := range snaps {
			if i > 0 {
				fmt.Fprintln(e.stdout)
			}
			if err := c.render(e.stdout, s, nil, len(snaps) > 1); err != nil {
				return err
			}
		}
		return nil
	}
	if c.Interval <= 0 {
		return &codeError{exitUsage, fmt.Errorf("--interval must be positive")}
	}
	return c.watch(g, e)
}

// watch redraws the statistics of every server until --count screens or
// an interrupt. A server that fails is shown with its error and
// reconnected on the next screen.
func (c *statsCmd) watch(g *Globals, e *env) error {
	conns := make([]*client.Conn, len(g.Servers))
	defer func() {
		for _, cn := range conns {
			if cn != nil {
				cn.Close()
			}
		}
	}()
	prev := make([]*snapshot, len(g.Servers))
	for frame := 0; c.Count <= 0 || frame < c.Count; frame++ {
		if frame > 0 {
			select {
			case <-e.ctx.Done():
				return nil
			case <-time.After(c.Interval):
			}
		}
		snaps := make([]snapshot, len(g.Servers))
		for i, addr := range g.Servers {
			snaps[i] = snapshot{addr: addr}
			if conns[i] == nil {
				conns[i], snaps[i].err = g.dial(addr)
			}
			if conns[i] != nil {
				snaps[i].stats, snaps[i].err = conns[i].Stats(c.group())
				snaps[i].at = time.Now()
				if snaps[i].err != nil {
					conns[i].Close()
					conns[i] = nil
				}
			}
		}
		if err := c.frame(e, snaps, prev); err != nil {
			return err
		}
		for i := range snaps {
			if snaps[i].err == nil {
				prev[i] = &snaps[i]
			}
		}
	}
	return nil
}

func (c *statsCmd) frame(e *env, snaps []snapshot, prev []*snapshot) error {
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		for i, s := range snaps {
			obj := map[string]any{"server": s.addr, "time": s.at.UTC().Format(time.RFC3339Nano)}
			if s.err != nil {
				obj["error"] = s.err.Error()
			} else {
				obj["stats"] = typed(s.stats)
				if r := rates(s, prev[i]); len(r) > 0 {
					obj["rates"] = r
				}
			}
			if err := enc.Encode(obj); err != nil {
				return err
			}
		}
		return nil
	}
	var b strings.Builder
	if e.stdoutTTY {
		b.WriteString("\x1b[H\x1b[2J") // home, clear screen
	}
	fmt.Fprintf(&b, "ratctl stats %s, every %s, %s\n\n", c.Group, c.Interval, time.Now().Format("15:04:05"))
	for i, s := range snaps {
		if i > 0 {
			b.WriteByte('\n')
		}
		if s.err != nil {
			fmt.Fprintf(&b, "== %s ==\nerror: %s\n", s.addr, oneLine(s.err))
			continue
		}
		if err := c.render(&b, s, prev[i], true); err != nil {
			return err
		}
	}
	if !e.stdoutTTY {
		b.WriteByte('\n')
	}
	_, err := io.WriteString(e.stdout, b.String())
	return err
}

// render writes one server's statistics as a table; prev, when not nil,
// adds a column of per-second rates.
func (c *statsCmd) render(w io.Writer, s snapshot, prev *snapshot, header bool) error {
	if header {
		fmt.Fprintf(w, "== %s ==\n", s.addr)
	}
	switch c.Group {
	case "general", "settings":
		return c.renderList(w, s, prev)
	}
	return c.renderPivot(w, s)
}

func (c *statsCmd) renderList(w io.Writer, s snapshot, prev *snapshot) error {
	t := &table{header: []string{"STAT", "VALUE"}, right: map[int]bool{1: true}}
	var r map[string]float64
	if prev != nil && c.Group == "general" {
		t.header = append(t.header, "RATE")
		t.right[2] = true
		r = rates(s, prev)
	}
	for _, st := range s.stats {
		if c.Group == "general" && !c.All && !summaryStats[st.Name] {
			continue
		}
		v := st.Value
		if !c.Raw {
			v = human(st.Name, st.Value)
		}
		row := []string{st.Name, v}
		if rate, ok := r[st.Name]; ok {
			row = append(row, humanRate(st.Name, rate))
		}
		t.add(row...)
	}
	if c.Group == "general" {
		m := statMap(s.stats)
		hits, misses := m["get_hits"], m["get_misses"]
		if hits+misses > 0 {
			row := []string{"hit_ratio", formatPercent(hits / (hits + misses))}
			if r != nil {
				if dh, dm := r["get_hits"], r["get_misses"]; dh+dm > 0 {
					row = append(row, formatPercent(dh/(dh+dm)))
				}
			}
			t.add(row...)
		}
		if limit := m["limit_maxbytes"]; limit > 0 {
			t.add("memory_used", formatPercent(m["bytes"]/limit))
		}
	}
	return t.write(w)
}

// summaryStats are the general statistics shown without --all.
var summaryStats = map[string]bool{
	"uptime": true, "version": true, "threads": true, "rusage_user": true, "rusage_system": true,
	"curr_connections": true, "total_connections": true, "rejected_connections": true,
	"curr_items": true, "total_items": true, "bytes": true, "limit_maxbytes": true,
	"cmd_get": true, "cmd_set": true, "cmd_flush": true, "cmd_touch": true,
	"get_hits": true, "get_misses": true, "get_expired": true, "delete_hits": true, "delete_misses": true,
	"incr_hits": true, "decr_hits": true, "evictions": true, "expired_unfetched": true, "evicted_unfetched": true,
	"reclaimed": true, "bytes_read": true, "bytes_written": true, "store_too_large": true, "store_no_memory": true,
	"auth_errors": true,
}

// pivot layouts: the id column's name and the main columns.
var pivots = map[string]struct {
	id   string
	cols []string
}{
	"items": {"CLASS", []string{"number", "age", "mem_requested", "evicted", "evicted_nonzero", "expired_unfetched", "evicted_unfetched", "reclaimed", "outofmemory"}},
	"slabs": {"CLASS", []string{"chunk_size", "chunks_per_page", "total_pages", "total_chunks", "used_chunks", "free_chunks", "mem_requested", "get_hits", "cmd_set"}},
	"conns": {"FD", []string{"addr", "listen_addr", "state", "secs_since_last_cmd"}},
	"sizes": {"SIZE", []string{"count"}},
}

// renderPivot writes "<id>:<field> value" statistics as a table with a
// row per id and a column per field; other statistics follow as a list.
func (c *statsCmd) renderPivot(w io.Writer, s snapshot) error {
	layout := pivots[c.Group]
	type row struct {
		id     string
		fields map[string]string
	}
	var rows []*row
	byID := map[string]*row{}
	var seen []string
	seenField := map[string]bool{}
	var rest []client.Stat
	for _, st := range s.stats {
		name := strings.TrimPrefix(st.Name, "items:")
		id, field, ok := strings.Cut(name, ":")
		if !ok {
			if c.Group == "sizes" {
				id, field, ok = st.Name, "count", true
			} else {
				rest = append(rest, st)
				continue
			}
		}
		r := byID[id]
		if r == nil {
			r = &row{id: id, fields: map[string]string{}}
			byID[id] = r
			rows = append(rows, r)
		}
		r.fields[field] = st.Value
		if !seenField[field] {
			seenField[field] = true
			seen = append(seen, field)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, errA := strconv.Atoi(rows[i].id)
		b, errB := strconv.Atoi(rows[j].id)
		if errA == nil && errB == nil {
			return a < b
		}
		return rows[i].id < rows[j].id
	})
	cols := seen
	if !c.All && layout.cols != nil {
		cols = nil
		for _, f := range layout.cols {
			if seenField[f] {
				cols = append(cols, f)
			}
		}
	}
	id := layout.id
	if id == "" {
		id = "ID"
	}
	t := &table{header: append([]string{id}, upper(cols)...), right: map[int]bool{0: true}}
	for i, f := range cols {
		if f != "addr" && f != "listen_addr" && f != "state" {
			t.right[i+1] = true
		}
	}
	for _, r := range rows {
		cells := []string{r.id}
		for _, f := range cols {
			v, ok := r.fields[f]
			switch {
			case !ok:
				v = "-"
			case !c.Raw:
				v = human(f, v)
			}
			cells = append(cells, v)
		}
		t.add(cells...)
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, "(none)")
	} else if err := t.write(w); err != nil {
		return err
	}
	if len(rest) > 0 {
		lt := &table{header: []string{"STAT", "VALUE"}, right: map[int]bool{1: true}}
		for _, st := range rest {
			v := st.Value
			if !c.Raw {
				v = human(st.Name, st.Value)
			}
			lt.add(st.Name, v)
		}
		fmt.Fprintln(w)
		return lt.write(w)
	}
	return nil
}

func upper(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToUpper(v)
	}
	return out
}

// statMap returns the numeric statistics by name.
func statMap(st []client.Stat) map[string]float64 {
	m := make(map[string]float64, len(st))
	for _, s := range st {
		if f, err := strconv.ParseFloat(s.Value, 64); err == nil {
			m[s.Name] = f
		}
	}
	return m
}

// typed returns the statistics with numbers as numbers, for JSON.
func typed(st []client.Stat) map[string]any {
	m := make(map[string]any, len(st))
	for _, s := range st {
		if n, err := strconv.ParseInt(s.Value, 10, 64); err == nil {
			m[s.Name] = n
		} else if u, err := strconv.ParseUint(s.Value, 10, 64); err == nil {
			m[s.Name] = u
		} else if f, err := strconv.ParseFloat(s.Value, 64); err == nil && !strings.ContainsAny(s.Value, "xXnN") {
			m[s.Name] = f
		} else {
			m[s.Name] = s.Value
		}
	}
	return m
}

// counter says whether a general statistic only grows, so that its
// per-second rate means something.
func counter(name string) bool {
	for _, p := range []string{"cmd_", "get_", "delete_", "incr_", "decr_", "cas_", "touch_", "auth_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	switch name {
	case "bytes_read", "bytes_written", "total_items", "total_connections", "evictions", "reclaimed",
		"expired_unfetched", "evicted_unfetched", "evicted_active", "rejected_connections",
		"listen_disabled_num", "conn_yields", "crawler_reclaimed", "lru_crawler_starts", "slabs_moved",
		"rusage_user", "rusage_system":
		return true
	}
	return false
}

// rates returns the per-second rates of the counters between prev and s.
func rates(s snapshot, prev *snapshot) map[string]float64 {
	if prev == nil {
		return nil
	}
	dt := s.at.Sub(prev.at).Seconds()
	if dt <= 0 {
		return nil
	}
	old := statMap(prev.stats)
	r := map[string]float64{}
	for name, v := range statMap(s.stats) {
		if !counter(name) {
			continue
		}
		if o, ok := old[name]; ok && v >= o {
			r[name] = (v - o) / dt
		}
	}
	return r
}

func humanRate(name string, r float64) string {
	switch {
	case strings.HasPrefix(name, "rusage_"):
		return formatPercent(r) + " cpu"
	case isBytes(name):
		return formatBytes(r) + "/s"
	}
	return formatRate(r)
}

// isBytes says whether a statistic counts bytes.
func isBytes(name string) bool {
	if strings.Contains(name, "bytes") && !strings.HasSuffix(name, "_count") {
		return true
	}
	switch name {
	case "total_malloced", "mem_requested", "item_size_max", "chunk_size", "slab_chunk_max", "malloced", "memory_limit":
		return true
	}
	return false
}

// human renders a statistic's value with units.
func human(name, value string) string {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(value, 64); ferr == nil && strings.HasPrefix(name, "rusage_") {
			return strconv.FormatFloat(f, 'f', 3, 64) + "s"
		}
		return value
	}
	switch {
	case name == "time":
		return time.Unix(n, 0).UTC().Format(time.RFC3339)
	case name == "uptime", name == "age", name == "age_hot", name == "age_warm", name == "secs_since_last_cmd", name == "evicted_time":
		return formatSeconds(n)
	case isBytes(name):
		return formatBytes(float64(n))
	case (n >= 10000 || n <= -10000 || n >= 1000 && counter(name)) && name != "pid" && name != "tcpport" && name != "udpport":
		return formatCount(n)
	}
	return value
}
