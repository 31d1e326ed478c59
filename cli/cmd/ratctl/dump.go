package main

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

type dumpCmd struct {
	File     string `arg:"" help:"Dump file to write (- for stdout); written to a temporary file and renamed at the end."`
	Match    string `short:"m" placeholder:"PATTERN" help:"Only keys matching this glob pattern."`
	Batch    int    `default:"100" help:"Keys per multi-get."`
	Force    bool   `help:"Overwrite FILE if it exists."`
	Progress string `default:"auto" enum:"auto,always,never" help:"Progress bar on stderr: auto (only on a terminal), always, never."`
}

func (c *dumpCmd) handlesInterrupt() bool { return true }

// dumpStats is the summary of a dump.
type dumpStats struct {
	items, bytes, vanished, expired int64
	// missed counts items the server counted (curr_items) but no
	// metadump listed.
	missed int64
}

// maxMetadumpPasses bounds the crawls of one server in a dump.
const maxMetadumpPasses = 5

// Run writes every item of every --server to the dump file: keys from
// lru_crawler metadump, values and flags from gets, remaining TTL from
// the metadump's expiry and the server's clock.
func (c *dumpCmd) Run(g *Globals, e *env) error {
	if c.Match != "" {
		if _, err := path.Match(c.Match, ""); err != nil {
			return &codeError{exitUsage, fmt.Errorf("--match %q: %w", c.Match, err)}
		}
	}
	if c.Batch <= 0 {
		c.Batch = 100
	}
	start := time.Now()
	var out io.Writer = e.stdout
	var tmp *os.File
	summary := e.stdout
	if c.File != "-" {
		if _, err := os.Stat(c.File); err == nil && !c.Force {
			return fmt.Errorf("dump: %s exists (use --force to overwrite)", c.File)
		}
		var err error
		tmp, err = os.CreateTemp(filepath.Dir(c.File), "."+filepath.Base(c.File)+".*.tmp")
		if err != nil {
			return fmt.Errorf("dump: %w", err)
		}
		defer func() {
			if tmp != nil {
				tmp.Close()
				os.Remove(tmp.Name())
			}
		}()
		out = tmp
	} else {
		summary = e.stderr
	}
	w, err := newDumpWriter(out, start.Unix())
	if err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	var st dumpStats
	if err := g.each(func(conn *client.Conn) error { return c.dumpServer(conn, w, &st, e) }); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("dump: writing %s: %w", c.File, err)
	}
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			return fmt.Errorf("dump: %w", err)
		}
		if err := tmp.Close(); err != nil {
			return fmt.Errorf("dump: %w", err)
		}
		if err := os.Rename(tmp.Name(), c.File); err != nil {
			return fmt.Errorf("dump: %w", err)
		}
		tmp = nil
	}
	fmt.Fprintf(summary, "dumped %s items (%s of values) from %d server(s) to %s in %s",
		formatCount(st.items), formatBytes(float64(st.bytes)), len(g.Servers), c.File, roundDur(time.Since(start)))
	if st.vanished+st.expired > 0 {
		fmt.Fprintf(summary, "; %s expired and %s vanished (deleted or evicted) during the dump", formatCount(st.expired), formatCount(st.vanished))
	}
	fmt.Fprintln(summary)
	if st.missed > 0 {
		fmt.Fprintf(summary, "warning: the servers counted %s more items than lru_crawler metadump listed (items expired meanwhile, or missed by the crawler)\n", formatCount(st.missed))
	}
	return nil
}

func (c *dumpCmd) dumpServer(conn *client.Conn, w *dumpWriter, st *dumpStats, e *env) error {
	stats, err := conn.Stats("")
	if err != nil {
		return &opError{conn.Addr(), "stats", err}
	}
	m := statMap(stats)
	now, items := int64(m["time"]), int64(m["curr_items"])
	if now == 0 {
		now = time.Now().Unix()
	}
	// The LRU crawler walks the LRUs while the server keeps moving items
	// between them, so one metadump can miss items (memcached 1.6 misses
	// about a tenth of a busy cache). Crawl again while that finds new
	// keys and the count is below curr_items.
	exp := map[string]int64{}
	var keys []string
	for pass := 0; pass < maxMetadumpPasses && (pass == 0 || int64(len(keys)) < items); pass++ {
		before := len(keys)
		err = conn.Metadump(func(mi client.MetaItem) error {
			if c.Match != "" {
				if ok, _ := path.Match(c.Match, mi.Key); !ok {
					return nil
				}
			}
			if _, dup := exp[mi.Key]; !dup {
				keys = append(keys, mi.Key)
			}
			exp[mi.Key] = mi.Exp
			return nil
		})
		if err != nil {
			return &opError{conn.Addr(), "lru_crawler metadump", err}
		}
		if c.Match != "" || len(keys) == before {
			break
		}
	}
	if c.Match == "" && int64(len(keys)) < items {
		st.missed += items - int64(len(keys))
	}
	bar := newProgress(e, c.Progress, "dump "+conn.Addr(), int64(len(keys)), itemsUnit)
	done := int64(0)
	for i := 0; i < len(keys); i += c.Batch {
		if e.ctx.Err() != nil {
			bar.finish(done)
			return &codeError{exitInterrupted, fmt.Errorf("dump interrupted; %s not written", c.File)}
		}
		batch := keys[i:min(i+c.Batch, len(keys))]
		got := 0
		err := conn.GetMulti(batch, func(it *client.Item) error {
			got++
			ttl := int64(0)
			if x := exp[it.Key]; x >= 0 {
				ttl = x - now
				if ttl <= 0 {
					st.expired++
					return nil
				}
			}
			st.items++
			st.bytes += int64(len(it.Value))
			return w.Write(&dumpItem{Key: it.Key, Value: it.Value, Flags: it.Flags, TTL: ttl})
		})
		if err != nil {
			return &opError{conn.Addr(), "get", err}
		}
		st.vanished += int64(len(batch) - got)
		done += int64(len(batch))
		bar.update(done)
	}
	bar.finish(done)
	return nil
}
