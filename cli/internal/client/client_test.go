package client

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ratmemcache/ratmemcache/memproto/memcachedtest"
)

func TestParseMetadumpLine(t *testing.T) {
	for _, c := range []struct {
		line string
		want MetaItem
		err  string
	}{
		{"key=foo exp=-1 la=1700000000 cas=5 fetch=no cls=1 size=63", MetaItem{Key: "foo", Exp: -1, LastAccess: 1700000000, CAS: 5, Class: 1, Size: 63}, ""},
		{"key=a%25b%20c exp=1700000100 la=1 cas=1 fetch=yes cls=12 size=1000 future=x", MetaItem{Key: "a%b c", Exp: 1700000100, LastAccess: 1, CAS: 1, Fetched: true, Class: 12, Size: 1000}, ""},
		{"key=k", MetaItem{Key: "k", Exp: -1}, ""},
		{"exp=-1 la=1", MetaItem{}, "no key"},
		{"key=%zz exp=1", MetaItem{}, "invalid URL escape"},
		{"key=k exp=soon", MetaItem{}, "exp"},
		{"key=k size=-", MetaItem{}, "size"},
	} {
		got, err := ParseMetadumpLine([]byte(c.line))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.line, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.line, got, err, c.want)
		}
	}
}

// TestConn exercises every Conn method against a real memcached, in the
// text and the binary protocol.
func TestConn(t *testing.T) {
	mc := memcachedtest.Start(t)
	for _, binary := range []bool{false, true} {
		name := "text"
		if binary {
			name = "binary"
		}
		t.Run(name, func(t *testing.T) {
			c, err := Dial(mc.Addr, Options{Binary: binary, Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.FlushAll(0); err != nil {
				t.Fatal(err)
			}
			if err := c.Set(&Item{Key: "a", Value: []byte("1"), Flags: 3}, 100); err != nil {
				t.Fatal(err)
			}
			if err := c.Set(&Item{Key: "b", Value: []byte("two")}, 0); err != nil {
				t.Fatal(err)
			}
			it, err := c.Get("a")
			if err != nil || string(it.Value) != "1" || it.Flags != 3 || it.CAS == 0 {
				t.Errorf("Get: %+v, %v", it, err)
			}
			if _, err := c.Get("zz"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get miss: %v", err)
			}
			var keys []string
			if err := c.GetMulti([]string{"a", "zz", "b"}, func(it *Item) error { keys = append(keys, it.Key); return nil }); err != nil || strings.Join(keys, ",") != "a,b" {
				t.Errorf("GetMulti: %v, %v", keys, err)
			}
			if n, err := c.Incr("a", 41); err != nil || n != 42 {
				t.Errorf("Incr: %d, %v", n, err)
			}
			if n, err := c.Decr("a", 50); err != nil || n != 0 {
				t.Errorf("Decr: %d, %v", n, err)
			}
			if _, err := c.Incr("zz", 1); !errors.Is(err, ErrNotFound) {
				t.Errorf("Incr miss: %v", err)
			}
			if err := c.Touch("b", 50); err != nil {
				t.Errorf("Touch: %v", err)
			}
			if err := c.Delete("b"); err != nil {
				t.Errorf("Delete: %v", err)
			}
			if err := c.Delete("b"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Delete miss: %v", err)
			}
			if v, err := c.Version(); err != nil || !strings.HasPrefix(v, "1.") {
				t.Errorf("Version: %q, %v", v, err)
			}
			if now, err := c.ServerTime(); err != nil || now < time.Now().Unix()-5 {
				t.Errorf("ServerTime: %d, %v", now, err)
			}
			if st, err := c.Stats("settings"); err != nil || len(st) < 10 {
				t.Errorf("Stats settings: %d stats, %v", len(st), err)
			}
			if err := c.Set(&Item{Key: "bad key"}, 0); !errors.Is(err, ErrBadKey) {
				t.Errorf("Set with a space in the key: %v", err)
			}
			var items []MetaItem
			err = c.Metadump(func(mi MetaItem) error { items = append(items, mi); return nil })
			if binary {
				if !errors.Is(err, ErrNoMetadump) {
					t.Errorf("Metadump in binary: %v", err)
				}
				return
			}
			if err != nil || len(items) != 1 || items[0].Key != "a" || items[0].Exp < time.Now().Unix()+90 {
				t.Errorf("Metadump: %+v, %v", items, err)
			}
		})
	}
}

// fakeServer answers every connection with reply and closes it after
// a read, or never answers when reply is "".
func fakeServer(t *testing.T, reply string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				_, _ = c.Read(buf)
				if reply == "" {
					time.Sleep(2 * time.Second)
					return
				}
				_, _ = c.Write([]byte(reply))
			}()
		}
	}()
	return l.Addr().String()
}

func TestErrors(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := l.Addr().String()
	l.Close()
	if _, err := Dial(refused, Options{}); err == nil || err.Error() != refused+": connection refused" {
		t.Errorf("refused: %v", err)
	}

	c, err := Dial(fakeServer(t, ""), Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Version(); !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "timed out after 100ms") {
		t.Errorf("timeout: %v", err)
	}
	// The connection is out of step now: every later call fails alike.
	if _, err := c.Get("k"); !errors.Is(err, ErrTimeout) {
		t.Errorf("after a timeout: %v", err)
	}
	c.Close()

	for _, tc := range []struct{ reply, want string }{
		{"SERVER_ERROR out of memory\r\n", "server replied SERVER_ERROR out of memory"},
		{"VALUE k 0 5\r\nab", "the server closed the connection"},
		{"WHAT\r\n", "server replied WHAT"},
		{"CLIENT_ERROR unauthenticated\r\n", "authentication failed"},
	} {
		c, err := Dial(fakeServer(t, tc.reply), Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Get("k")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("reply %q: %v, want %q", tc.reply, err, tc.want)
		}
		c.Close()
	}

	// Text authentication refused.
	if _, err := Dial(fakeServer(t, "CLIENT_ERROR authentication failure\r\n"), Options{User: "u", Password: "p"}); !errors.Is(err, ErrAuth) {
		t.Errorf("auth refused: %v", err)
	}
	if _, err := Dial(fakeServer(t, "STORED\r\n"), Options{User: "u", Password: "p"}); err != nil {
		t.Errorf("auth accepted: %v", err)
	}
}

func TestSetMulti(t *testing.T) {
	mc := memcachedtest.Start(t, "-I", "1m")
	for _, binary := range []bool{false, true} {
		c, err := Dial(mc.Addr, Options{Binary: binary})
		if err != nil {
			t.Fatal(err)
		}
		items := []*Item{
			{Key: "a", Value: []byte("1")},
			{Key: "bad key", Value: []byte("2")},
			{Key: "big", Value: make([]byte, 2<<20)},
			{Key: "c", Value: []byte("3"), Flags: 4},
		}
		errs, err := c.SetMulti(items, []int64{0, 0, 0, 100})
		if err != nil {
			t.Fatalf("binary=%v: %v", binary, err)
		}
		if errs[0] != nil || !errors.Is(errs[1], ErrBadKey) || errs[2] == nil || errs[3] != nil {
			t.Errorf("binary=%v: errs %v", binary, errs)
		}
		if it, err := c.Get("c"); err != nil || string(it.Value) != "3" || it.Flags != 4 {
			t.Errorf("binary=%v: after SetMulti: %+v, %v", binary, it, err)
		}
		c.Close()
	}
}
