package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ratmemcache/ratmemcache/cli/internal/client"
)

// A load pipelines up to loadBatch sets or loadBatchBytes of values.
const (
	loadBatch      = 100
	loadBatchBytes = 1 << 20
)

type loadCmd struct {
	File     string `arg:"" help:"Dump file to read (- for stdin)."`
	KeepTTL  bool   `name:"keep-ttl" help:"Restore the TTLs as dumped, without subtracting the time since the dump."`
	Progress string `default:"auto" enum:"auto,always,never" help:"Progress bar on stderr: auto (only on a terminal), always, never."`
}

func (c *loadCmd) handlesInterrupt() bool { return true }

// Run stores every item of the dump file into the --server (one only):
// a set with the item's flags and its remaining TTL, less the time since
// the dump unless --keep-ttl. Items whose TTL ran out are skipped; items
// the server refuses are counted and make the exit status 1.
func (c *loadCmd) Run(g *Globals, e *env) error {
	start := time.Now()
	var in io.Reader = e.stdin
	total := int64(0)
	if c.File != "-" {
		f, err := os.Open(c.File)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			total = fi.Size()
		}
		in = f
	}
	r, err := newDumpReader(in)
	if err != nil {
		return fmt.Errorf("load %s: %w", c.File, err)
	}
	conn, err := g.one("load")
	if err != nil {
		return err
	}
	defer conn.Close()
	now, err := conn.ServerTime()
	if err != nil {
		return err
	}
	elapsed := max(time.Now().Unix()-r.created, 0)
	if c.KeepTTL {
		elapsed = 0
	}
	bar := newProgress(e, c.Progress, "load "+conn.Addr(), total, bytesUnit)
	var loaded, bytes, expired, failed int64
	var firstFail error
	var batch []*client.Item
	var exps []int64
	var batchBytes int
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		errs, err := conn.SetMulti(batch, exps)
		if err != nil {
			return fmt.Errorf("load: %w (after %d items)", err, loaded)
		}
		for i, err := range errs {
			if err == nil {
				loaded++
				bytes += int64(len(batch[i].Value))
				continue
			}
			failed++
			if firstFail == nil {
				firstFail = fmt.Errorf("%q: %w", batch[i].Key, err)
			}
		}
		batch, exps, batchBytes = batch[:0], exps[:0], 0
		return nil
	}
	for {
		if err := e.ctx.Err(); err != nil {
			bar.finish(r.n)
			return &codeError{exitInterrupted, fmt.Errorf("load interrupted after %d items", loaded)}
		}
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bar.finish(r.n)
			if ferr := flush(); ferr != nil {
				return ferr
			}
			return fmt.Errorf("load %s: after %d items: %w", c.File, loaded+expired+failed, err)
		}
		ttl := it.TTL
		if ttl > 0 {
			ttl -= elapsed
			if ttl <= 0 {
				expired++
				continue
			}
		}
		batch = append(batch, &client.Item{Key: it.Key, Value: it.Value, Flags: it.Flags})
		exps = append(exps, exptime(ttl, now))
		batchBytes += len(it.Value)
		if len(batch) >= loadBatch || batchBytes >= loadBatchBytes {
			if err := flush(); err != nil {
				bar.finish(r.n)
				return err
			}
		}
		bar.update(r.n)
	}
	if err := flush(); err != nil {
		bar.finish(r.n)
		return err
	}
	bar.finish(r.n)
	fmt.Fprintf(e.stdout, "loaded %s items (%s of values) into %s in %s", formatCount(loaded), formatBytes(float64(bytes)), conn.Addr(), roundDur(time.Since(start)))
	if expired > 0 {
		fmt.Fprintf(e.stdout, "; %s skipped (expired since the dump)", formatCount(expired))
	}
	fmt.Fprintln(e.stdout)
	if failed > 0 {
		return fmt.Errorf("load: the server refused %d items (first: %v)", failed, firstFail)
	}
	return nil
}
