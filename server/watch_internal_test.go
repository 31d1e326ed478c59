package server

import (
	"bytes"
	"strings"
	"testing"
)

// A watcher whose client reads too slowly drops lines, counts them, and
// says how many before the next line that fits, as memcached does.
func TestWatcherSkips(t *testing.T) {
	w := &watcher{kinds: watchFetchers, wake: make(chan struct{}, 1)}
	line := []byte(strings.Repeat("x", 999) + "\n")
	queued := 0
	for w.queue(line) {
		queued++
	}
	if queued != watcherBufferSize/len(line) || w.skipped != 1 {
		t.Fatalf("queued %d lines of %d bytes into %d, skipped %d", queued, len(line), watcherBufferSize, w.skipped)
	}
	if w.queue(line) || w.skipped != 2 {
		t.Fatalf("a full watcher took a line (skipped %d)", w.skipped)
	}
	got := w.take(nil)
	if len(got) != queued*len(line) {
		t.Fatalf("take returned %d bytes", len(got))
	}
	if !w.queue([]byte("next\n")) {
		t.Fatal("an emptied watcher refused a line")
	}
	if got := w.take(nil); !bytes.Equal(got, []byte("skipped=2\nnext\n")) {
		t.Fatalf("after skipping: %q", got)
	}
}

func TestURIEncode(t *testing.T) {
	if got := string(uriEncode(nil, []byte("a-Z_0.~ %#\xff"))); got != "a-Z_0.~%20%25%23%FF" {
		t.Errorf("uriEncode = %q", got)
	}
}
