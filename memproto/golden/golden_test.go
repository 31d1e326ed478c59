package golden

import (
	"bytes"
	"path/filepath"
	"testing"
)

// Every recorded file survives Marshal → Parse unchanged.
func TestMarshalRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "golden", "*.golden"))
	if len(files) == 0 {
		t.Fatal("no golden files found")
	}
	for _, path := range files {
		c, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := Parse(c.Marshal())
		if err != nil {
			t.Fatalf("%s: reparse: %v", path, err)
		}
		if len(c2.Exchanges) != len(c.Exchanges) || c2.Binary != c.Binary || len(c2.ServerArgs) != len(c.ServerArgs) {
			t.Fatalf("%s: round trip changed the conversation", path)
		}
		for i, e := range c.Exchanges {
			f := c2.Exchanges[i]
			if e.Name != f.Name || e.NoSentinel != f.NoSentinel || e.Closed != f.Closed ||
				!bytes.Equal(e.Request, f.Request) || !bytes.Equal(e.Reply, f.Reply) {
				t.Errorf("%s: exchange %d %q differs after round trip", path, i, e.Name)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"< reply first\n",
		"#! nonsense\n",
		"garbage line\n",
		"> bad escape \\q\n",
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", in)
		}
	}
}

func TestParseEscapes(t *testing.T) {
	c, err := Parse([]byte("=== x nosentinel\n> a \"b\"\\r\\n\n< \\x00\\xff\n<! closed\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := c.Exchanges[0]
	if e.Name != "x" || !e.NoSentinel || !e.Closed || string(e.Request) != "a \"b\"\r\n" || string(e.Reply) != "\x00\xff" {
		t.Fatalf("parsed %+v", e)
	}
}

func TestSentinelCounting(t *testing.T) {
	if n := countLines([]byte("version\r\nmg k\r\nxversion\r\nversion\r\n"), textSentinel); n != 2 {
		t.Errorf("countLines = %d, want 2", n)
	}
	buf := []byte("VERSION 1\r\nHD\r\nVERSION 1\r\n")
	if i := nthIndex(buf, textSentinelReply, 2); i != 15 {
		t.Errorf("nthIndex(2) = %d, want 8", i)
	}
	if i := nthIndex(buf, textSentinelReply, 3); i != -1 {
		t.Errorf("nthIndex(3) = %d, want -1", i)
	}
}
