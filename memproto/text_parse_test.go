package memproto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// reqView is the comparable part of a Request, for table tests.
type reqView struct {
	Cmd     Command
	Key     string
	Keys    string // keys joined by "|"
	Flags   uint32
	Exptime int64
	CAS     uint64
	Delta   uint64
	Number  uint64
	Value   string
	NoReply bool
	Args    string // args joined by "|"
}

func viewOf(r *Request) reqView {
	join := func(bs [][]byte) string {
		s := make([]string, len(bs))
		for i, b := range bs {
			s[i] = string(b)
		}
		return strings.Join(s, "|")
	}
	return reqView{
		Cmd: r.Command, Key: string(r.Key), Keys: join(r.Keys), Flags: r.Flags,
		Exptime: r.Exptime, CAS: r.CAS, Delta: r.Delta, Number: r.Number,
		Value: string(r.Value), NoReply: r.NoReply, Args: join(r.Args),
	}
}

var longKey = strings.Repeat("k", MaxKeyLength)
var tooLongKey = strings.Repeat("k", MaxKeyLength+1)

var parseTests = []struct {
	name string
	in   string
	want reqView
	err  error // nil, or an *Error compared with errors.Is
	// noreply of a refused request (the server then sends nothing)
	errNoReply bool
}{
	// retrieval
	{name: "get", in: "get foo\r\n", want: reqView{Cmd: CmdGet, Key: "foo", Keys: "foo"}},
	{name: "get LF only", in: "get foo\n", want: reqView{Cmd: CmdGet, Key: "foo", Keys: "foo"}},
	{name: "get multi", in: "get a b  c\r\n", want: reqView{Cmd: CmdGet, Key: "a", Keys: "a|b|c"}},
	{name: "get spaces", in: "  get   a  \r\n", want: reqView{Cmd: CmdGet, Key: "a", Keys: "a"}},
	{name: "get tab in key", in: "get a\tb\r\n", want: reqView{Cmd: CmdGet, Key: "a\tb", Keys: "a\tb"}},
	{name: "get NUL cuts", in: "get a\x00b c\r\n", want: reqView{Cmd: CmdGet, Key: "a", Keys: "a"}},
	{name: "get 250", in: "get " + longKey + "\r\n", want: reqView{Cmd: CmdGet, Key: longKey, Keys: longKey}},
	{name: "get 251", in: "get " + tooLongKey + "\r\n", err: ErrBadFormat},
	{name: "get 251 later", in: "get a " + tooLongKey + "\r\n", err: ErrBadFormat},
	{name: "get no key", in: "get\r\n", err: ErrUnknownCommand},
	{name: "get no key spaces", in: "get   \r\n", err: ErrUnknownCommand},
	{name: "bget", in: "bget a b\r\n", want: reqView{Cmd: CmdGet, Key: "a", Keys: "a|b"}},
	{name: "gets", in: "gets a b\r\n", want: reqView{Cmd: CmdGets, Key: "a", Keys: "a|b"}},
	{name: "gat", in: "gat 100 a b\r\n", want: reqView{Cmd: CmdGat, Exptime: 100, Key: "a", Keys: "a|b"}},
	{name: "gats", in: "gats -1 a\r\n", want: reqView{Cmd: CmdGats, Exptime: -1, Key: "a", Keys: "a"}},
	{name: "gat no key", in: "gat 100\r\n", want: reqView{Cmd: CmdGat, Exptime: 100}},
	{name: "gat bad exptime", in: "gat x a\r\n", err: ErrBadExptime},
	{name: "get noreply is a key", in: "get a noreply\r\n", want: reqView{Cmd: CmdGet, Key: "a", Keys: "a|noreply"}},

	// storage
	{name: "set", in: "set k 5 100 3\r\nabc\r\n", want: reqView{Cmd: CmdSet, Key: "k", Flags: 5, Exptime: 100, Value: "abc"}},
	{name: "set LF line", in: "set k 0 0 3\nabc\r\n", want: reqView{Cmd: CmdSet, Key: "k", Value: "abc"}},
	{name: "set empty", in: "set k 0 0 0\r\n\r\n", want: reqView{Cmd: CmdSet, Key: "k"}},
	{name: "set value with CRLF", in: "set k 0 0 4\r\na\r\nb\r\n", want: reqView{Cmd: CmdSet, Key: "k", Value: "a\r\nb"}},
	{name: "set noreply", in: "set k 1 2 1 noreply\r\nx\r\n", want: reqView{Cmd: CmdSet, Key: "k", Flags: 1, Exptime: 2, Value: "x", NoReply: true}},
	{name: "set 6th token not noreply", in: "set k 1 2 1 junk\r\nx\r\n", want: reqView{Cmd: CmdSet, Key: "k", Flags: 1, Exptime: 2, Value: "x"}},
	{name: "add", in: "add k 0 0 1\r\nx\r\n", want: reqView{Cmd: CmdAdd, Key: "k", Value: "x"}},
	{name: "replace", in: "replace k 0 0 1\r\nx\r\n", want: reqView{Cmd: CmdReplace, Key: "k", Value: "x"}},
	{name: "append", in: "append k 0 0 1\r\nx\r\n", want: reqView{Cmd: CmdAppend, Key: "k", Value: "x"}},
	{name: "prepend", in: "prepend k 0 0 1\r\nx\r\n", want: reqView{Cmd: CmdPrepend, Key: "k", Value: "x"}},
	{name: "cas", in: "cas k 1 2 1 99\r\nx\r\n", want: reqView{Cmd: CmdCas, Key: "k", Flags: 1, Exptime: 2, CAS: 99, Value: "x"}},
	{name: "cas noreply", in: "cas k 1 2 1 99 noreply\r\nx\r\n", want: reqView{Cmd: CmdCas, Key: "k", Flags: 1, Exptime: 2, CAS: 99, Value: "x", NoReply: true}},
	{name: "cas missing cas", in: "cas k 1 2 1\r\n", err: ErrUnknownCommand},
	{name: "cas bad cas", in: "cas k 1 2 1 x\r\n", err: ErrBadFormat},
	{name: "set too few", in: "set k 0 0\r\n", err: ErrUnknownCommand},
	{name: "set too many", in: "set k 0 0 1 noreply x\r\n", err: ErrUnknownCommand},
	{name: "set key 250", in: "set " + longKey + " 0 0 1\r\nx\r\n", want: reqView{Cmd: CmdSet, Key: longKey, Value: "x"}},
	{name: "set key 251", in: "set " + tooLongKey + " 0 0 1\r\n", err: ErrBadFormat},
	{name: "set key 251 noreply", in: "set " + tooLongKey + " 0 0 1 noreply\r\n", err: ErrBadFormat, errNoReply: true},
	{name: "set bad flags", in: "set k x 0 1\r\n", err: ErrBadFormat},
	{name: "set negative flags", in: "set k -1 0 1\r\n", err: ErrBadFormat},
	{name: "set flags truncated", in: "set k 4294967297 0 1\r\nx\r\n", want: reqView{Cmd: CmdSet, Key: "k", Flags: 1, Value: "x"}},
	{name: "set bad exptime", in: "set k 0 x 1\r\n", err: ErrBadFormat},
	{name: "set negative exptime", in: "set k 0 -1 1\r\nx\r\n", want: reqView{Cmd: CmdSet, Key: "k", Exptime: -1, Value: "x"}},
	{name: "set bad length", in: "set k 0 0 x\r\n", err: ErrBadFormat},
	{name: "set negative length", in: "set k 0 0 -1\r\n", err: ErrBadFormat},
	{name: "set length INT_MAX", in: "set k 0 0 2147483647\r\n", err: ErrBadFormat},
	{name: "set length overflows int32", in: "set k 0 0 4294967297\r\nx\r\n", want: reqView{Cmd: CmdSet, Key: "k", Value: "x"}},
	{name: "set too large", in: "set k 0 0 1048577\r\n", err: ErrTooLarge},
	{name: "set too large noreply", in: "set k 0 0 1048577 noreply\r\n", err: ErrTooLarge, errNoReply: true},
	{name: "set bad chunk", in: "set k 0 0 1\r\nxy\r\n", err: ErrBadDataChunk},
	{name: "set bad chunk noreply", in: "set k 0 0 1 noreply\r\nxyz\r\n", err: ErrBadDataChunk, errNoReply: true},
	{name: "set number with tab junk", in: "set k 5\tjunk 0 1\r\nx\r\n", want: reqView{Cmd: CmdSet, Key: "k", Flags: 5, Value: "x"}},
	{name: "set plus sign", in: "set k +5 0 1\r\nx\r\n", want: reqView{Cmd: CmdSet, Key: "k", Flags: 5, Value: "x"}},

	// delete
	{name: "delete", in: "delete k\r\n", want: reqView{Cmd: CmdDelete, Key: "k"}},
	{name: "delete noreply", in: "delete k noreply\r\n", want: reqView{Cmd: CmdDelete, Key: "k", NoReply: true}},
	{name: "delete 0", in: "delete k 0\r\n", want: reqView{Cmd: CmdDelete, Key: "k"}},
	{name: "delete 0 noreply", in: "delete k 0 noreply\r\n", want: reqView{Cmd: CmdDelete, Key: "k", NoReply: true}},
	{name: "delete hold", in: "delete k 5\r\n", err: ErrBadDelete},
	{name: "delete hold noreply", in: "delete k 5 noreply\r\n", err: ErrBadDelete, errNoReply: true},
	{name: "delete too many", in: "delete k 0 noreply x\r\n", err: ErrUnknownCommand},
	{name: "delete no key", in: "delete\r\n", err: ErrUnknownCommand},
	{name: "delete key 251", in: "delete " + tooLongKey + "\r\n", err: ErrBadFormat},

	// incr, decr, touch
	{name: "incr", in: "incr k 5\r\n", want: reqView{Cmd: CmdIncr, Key: "k", Delta: 5}},
	{name: "decr noreply", in: "decr k 18446744073709551615 noreply\r\n", want: reqView{Cmd: CmdDecr, Key: "k", Delta: 1<<64 - 1, NoReply: true}},
	{name: "incr bad delta", in: "incr k x\r\n", err: ErrBadDelta},
	{name: "incr negative delta", in: "incr k -1\r\n", err: ErrBadDelta},
	{name: "incr delta overflow", in: "incr k 18446744073709551616\r\n", err: ErrBadDelta},
	{name: "incr missing", in: "incr k\r\n", err: ErrUnknownCommand},
	{name: "incr key 251", in: "incr " + tooLongKey + " 1\r\n", err: ErrBadFormat},
	{name: "touch", in: "touch k 10\r\n", want: reqView{Cmd: CmdTouch, Key: "k", Exptime: 10}},
	{name: "touch noreply", in: "touch k 10 noreply\r\n", want: reqView{Cmd: CmdTouch, Key: "k", Exptime: 10, NoReply: true}},
	{name: "touch bad", in: "touch k x\r\n", err: ErrBadExptime},
	{name: "touch missing", in: "touch k\r\n", err: ErrUnknownCommand},

	// admin
	{name: "flush_all", in: "flush_all\r\n", want: reqView{Cmd: CmdFlushAll}},
	{name: "flush_all delay", in: "flush_all 10\r\n", want: reqView{Cmd: CmdFlushAll, Exptime: 10}},
	{name: "flush_all noreply", in: "flush_all noreply\r\n", want: reqView{Cmd: CmdFlushAll, NoReply: true}},
	{name: "flush_all delay noreply", in: "flush_all 10 noreply\r\n", want: reqView{Cmd: CmdFlushAll, Exptime: 10, NoReply: true}},
	{name: "flush_all bad", in: "flush_all x\r\n", err: ErrBadExptime},
	{name: "flush_all too many", in: "flush_all 1 2 3\r\n", err: ErrUnknownCommand},
	{name: "version", in: "version\r\n", want: reqView{Cmd: CmdVersion}},
	{name: "version junk", in: "version x y\r\n", want: reqView{Cmd: CmdVersion}},
	{name: "quit", in: "quit\r\n", want: reqView{Cmd: CmdQuit}},
	{name: "verbosity", in: "verbosity 1\r\n", want: reqView{Cmd: CmdVerbosity, Number: 1}},
	{name: "verbosity noreply", in: "verbosity 1 noreply\r\n", want: reqView{Cmd: CmdVerbosity, Number: 1, NoReply: true}},
	{name: "verbosity bad", in: "verbosity x\r\n", err: ErrBadFormat},
	{name: "verbosity missing", in: "verbosity\r\n", err: ErrUnknownCommand},
	{name: "stats", in: "stats\r\n", want: reqView{Cmd: CmdStats}},
	{name: "stats slabs", in: "stats slabs\r\n", want: reqView{Cmd: CmdStats, Args: "slabs"}},
	{name: "shutdown", in: "shutdown\r\n", want: reqView{Cmd: CmdShutdown}},
	{name: "shutdown graceful", in: "shutdown graceful\r\n", want: reqView{Cmd: CmdShutdown, Args: "graceful"}},
	{name: "cache_memlimit", in: "cache_memlimit 64\r\n", want: reqView{Cmd: CmdCacheMemlimit, Number: 64}},
	{name: "cache_memlimit noreply", in: "cache_memlimit 64 noreply\r\n", want: reqView{Cmd: CmdCacheMemlimit, Number: 64, NoReply: true}},
	{name: "cache_memlimit bad", in: "cache_memlimit x\r\n", err: ErrUnknownCommand},
	{name: "watch", in: "watch\r\n", want: reqView{Cmd: CmdWatch}},
	{name: "watch kinds", in: "watch mutations evictions\r\n", want: reqView{Cmd: CmdWatch, Args: "mutations|evictions"}},
	{name: "lru_crawler crawl", in: "lru_crawler crawl all\r\n", want: reqView{Cmd: CmdLruCrawler, Args: "crawl|all"}},
	{name: "lru_crawler metadump", in: "lru_crawler metadump 1,2\r\n", want: reqView{Cmd: CmdLruCrawler, Args: "metadump|1,2"}},
	{name: "lru_crawler mgdump", in: "lru_crawler mgdump hash\r\n", want: reqView{Cmd: CmdLruCrawler, Args: "mgdump|hash"}},
	{name: "lru_crawler enable", in: "lru_crawler enable\r\n", want: reqView{Cmd: CmdLruCrawler, Args: "enable"}},
	{name: "lru_crawler disable", in: "lru_crawler disable\r\n", want: reqView{Cmd: CmdLruCrawler, Args: "disable"}},
	{name: "lru_crawler tocrawl", in: "lru_crawler tocrawl 100\r\n", want: reqView{Cmd: CmdLruCrawler, Number: 100, Args: "tocrawl|100"}},
	{name: "lru_crawler sleep", in: "lru_crawler sleep 1000000\r\n", want: reqView{Cmd: CmdLruCrawler, Number: 1000000, Args: "sleep|1000000"}},
	{name: "lru_crawler sleep too long", in: "lru_crawler sleep 1000001\r\n", err: ErrCrawlerSleep},
	{name: "lru_crawler tocrawl bad", in: "lru_crawler tocrawl x\r\n", err: ErrBadFormat},
	{name: "lru_crawler bare", in: "lru_crawler\r\n", err: ErrUnknownCommand},
	{name: "lru_crawler unknown", in: "lru_crawler foo\r\n", err: ErrUnknownCommand},
	{name: "lru_crawler metadump no arg", in: "lru_crawler metadump\r\n", err: ErrUnknownCommand},

	// streaming_get
	{name: "streaming_get", in: "streaming_get k 1024\r\n", want: reqView{Cmd: CmdStreamingGet, Key: "k", Number: 1024}},
	{name: "streaming_get min", in: "streaming_get k 16\r\n", want: reqView{Cmd: CmdStreamingGet, Key: "k", Number: 16}},
	{name: "streaming_get max", in: "streaming_get k 16777216\r\n", want: reqView{Cmd: CmdStreamingGet, Key: "k", Number: 16777216}},
	{name: "streaming_get small", in: "streaming_get k 15\r\n", err: ErrBadChunkSize},
	{name: "streaming_get big", in: "streaming_get k 16777217\r\n", err: ErrBadChunkSize},
	{name: "streaming_get sign", in: "streaming_get k +100\r\n", err: ErrBadChunkSize},
	{name: "streaming_get bad", in: "streaming_get k x\r\n", err: ErrBadChunkSize},
	{name: "streaming_get no size", in: "streaming_get k\r\n", err: ErrUnknownCommand},
	{name: "streaming_get noreply", in: "streaming_get k 100 noreply\r\n", err: ErrUnknownCommand},
	{name: "streaming_get key 251", in: "streaming_get " + tooLongKey + " 100\r\n", err: ErrBadFormat},

	// unknown
	{name: "empty", in: "\r\n", err: ErrUnknownCommand},
	{name: "only CR", in: "\r\n", err: ErrUnknownCommand},
	{name: "one byte", in: "g\r\n", err: ErrUnknownCommand},
	{name: "unknown", in: "foo bar\r\n", err: ErrUnknownCommand},
	{name: "uppercase", in: "GET foo\r\n", err: ErrUnknownCommand},
	{name: "unknown meta", in: "mz foo\r\n", err: ErrUnknownCommand},
	{name: "http", in: "GET / HTTP/1.1\r\n", err: ErrHTTPRequest},
	{name: "http under g", in: "gx / HTTP/1.1\r\n", err: ErrUnknownCommand},
	{name: "http not last", in: "POST HTTP/1.1 x\r\n", err: ErrUnknownCommand},
	{name: "http 23rd token", in: "POST" + strings.Repeat(" x", 21) + " HTTP/1.1 y z\r\n", err: ErrHTTPRequest},
	{name: "http 24th token", in: "POST" + strings.Repeat(" x", 22) + " HTTP/1.1\r\n", err: ErrUnknownCommand},
	{name: "slabs automove", in: "slabs automove 1\r\n", want: reqView{Cmd: CmdSlabs, Args: "automove|1"}},
	{name: "slabs automove noreply", in: "slabs automove 1 noreply\r\n", want: reqView{Cmd: CmdSlabs, Args: "automove|1|noreply", NoReply: true}},
}

func TestParseRequest(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			var req Request
			buf := []byte(tt.in)
			n, err := ParseRequest(buf, &req, Limits{})
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if req.NoReply != tt.errNoReply {
					t.Errorf("NoReply = %v, want %v", req.NoReply, tt.errNoReply)
				}
				checkErrorConsumption(t, tt.in, n, err)
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if n != len(buf) {
				t.Errorf("n = %d, want %d", n, len(buf))
			}
			if got := viewOf(&req); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			// Every proper prefix is incomplete.
			for i := 0; i < len(buf); i++ {
				if _, err := ParseRequest(buf[:i], &req, Limits{}); err != ErrIncomplete {
					t.Fatalf("prefix %q: err = %v, want ErrIncomplete", buf[:i], err)
				}
			}
		})
	}
}

// checkErrorConsumption checks n and Swallow of a refused request: the
// line and the swallowed bytes make up the input, except for ERROR of a
// storage command, which leaves the data block to be read as commands.
func checkErrorConsumption(t *testing.T, in string, n int, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err %T is not an *Error", err)
	}
	if e.Close {
		if n != 0 {
			t.Errorf("n = %d with Close, want 0", n)
		}
		return
	}
	lineLen := strings.IndexByte(in, '\n') + 1
	switch {
	case errors.Is(err, ErrBadDataChunk):
		// memcached consumes the announced length plus 2, whatever it is.
		var req Request
		_ = parseLine(&req, []byte(in[:lineLen-1]), Limits{})
		if want := lineLen + req.dataLen + 2; n != want {
			t.Errorf("n = %d, want %d", n, want)
		}
	case errors.Is(err, ErrTooLarge):
		if n != lineLen || e.Swallow == 0 {
			t.Errorf("n = %d, swallow %d; want %d and > 0", n, e.Swallow, lineLen)
		}
	default:
		if n != lineLen || e.Swallow != 0 {
			t.Errorf("n = %d, swallow %d; want %d, 0", n, e.Swallow, lineLen)
		}
	}
}

func TestParseRequestTooLargeSwallow(t *testing.T) {
	var req Request
	_, err := ParseRequest([]byte("set k 0 0 11 noreply\r\n"), &req, Limits{MaxItemSize: 10})
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrTooLarge) || e.Swallow != 13 || !req.NoReply {
		t.Fatalf("err = %#v, noreply %v; want ErrTooLarge swallowing 13", err, req.NoReply)
	}
	if _, err := ParseRequest([]byte("set k 0 0 10\r\n0123456789\r\n"), &req, Limits{MaxItemSize: 10}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
}

func TestParseRequestLineLimits(t *testing.T) {
	var req Request
	long := "set k 0 0 1 " + strings.Repeat(" ", 2100)
	// No newline yet, already past the limit: close.
	if _, err := ParseRequest([]byte(long), &req, Limits{}); err != ErrLineTooLong {
		t.Errorf("partial long set: %v", err)
	}
	if _, err := ParseRequest([]byte(long+"\r\n"), &req, Limits{}); err != ErrLineTooLong {
		t.Errorf("whole long set: %v", err)
	}
	// A long multi-get is fine, up to MaxGetLineLength.
	keys := strings.Repeat(" abcdefghij", 1000)
	n, err := ParseRequest([]byte("get"+keys+"\r\n"), &req, Limits{})
	if err != nil || len(req.Keys) != 1000 || n != len(keys)+5 {
		t.Errorf("long get: n %d, %d keys, err %v", n, len(req.Keys), err)
	}
	if _, err := ParseRequest([]byte("gets"+keys), &req, Limits{}); err != ErrIncomplete {
		t.Errorf("partial long gets: %v", err)
	}
	if _, err := ParseRequest([]byte("get"+keys), &req, Limits{MaxGetLineLength: 5000}); err != ErrLineTooLong {
		t.Errorf("partial get past MaxGetLineLength: %v", err)
	}
	// More than 100 leading spaces do not qualify for the get limit.
	if _, err := ParseRequest([]byte(strings.Repeat(" ", 101)+"get"+keys), &req, Limits{}); err != ErrLineTooLong {
		t.Errorf("get after 101 spaces: %v", err)
	}
	if _, err := ParseRequest([]byte(strings.Repeat(" ", 100)+"get"+keys), &req, Limits{}); err != ErrIncomplete {
		t.Errorf("get after 100 spaces: %v", err)
	}
	// "gat" has no exemption.
	if _, err := ParseRequest([]byte("gat 0"+keys), &req, Limits{}); err != ErrLineTooLong {
		t.Errorf("partial long gat: %v", err)
	}
	// Exactly at the limit.
	line := "version " + strings.Repeat("x", DefaultMaxLineLength-len("version "))
	if _, err := ParseRequest([]byte(line+"\n"), &req, Limits{}); err != nil {
		t.Errorf("line at the limit: %v", err)
	}
	if _, err := ParseRequest([]byte(line+"x\n"), &req, Limits{}); err != ErrLineTooLong {
		t.Errorf("line over the limit: %v", err)
	}
}

// TestParseRequestAliases checks that keys alias the input buffer.
func TestParseRequestAliases(t *testing.T) {
	buf := []byte("get abc def\r\n")
	var req Request
	if _, err := ParseRequest(buf, &req, Limits{}); err != nil {
		t.Fatal(err)
	}
	buf[4] = 'X'
	if string(req.Keys[0]) != "Xbc" || string(req.Key) != "Xbc" {
		t.Errorf("key %q does not alias the buffer", req.Keys[0])
	}
	// Appending to a key must not overwrite the next one.
	_ = append(req.Keys[0], '!')
	if string(req.Keys[1]) != "def" {
		t.Errorf("append to a key overwrote the buffer: %q", req.Keys[1])
	}
}

func TestParseRequestPipeline(t *testing.T) {
	in := []byte("get a\r\nset k 0 0 2\r\nhi\r\nbogus\r\ndelete k\r\n")
	var req Request
	var got []string
	for len(in) > 0 {
		n, err := ParseRequest(in, &req, Limits{})
		if err != nil && !errors.Is(err, ErrUnknownCommand) {
			t.Fatal(err)
		}
		got = append(got, req.Command.String()+":"+string(req.Key))
		in = in[n:]
	}
	want := "get:a set:k : delete:k"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("got %q, want %q", s, want)
	}
}

func TestNumberParsers(t *testing.T) {
	u64 := []struct {
		in string
		v  uint64
		ok bool
	}{
		{"0", 0, true}, {"18446744073709551615", 1<<64 - 1, true}, {"18446744073709551616", 0, false},
		{"-0", 0, true}, {"-1", 0, false}, {" 7", 7, true}, {"\t7", 7, true}, {"7 ", 7, true},
		{"7\tx", 7, true}, {"7x", 0, false}, {"", 0, false}, {"-", 0, false}, {"+", 0, false},
		{"+9", 9, true}, {"9223372036854775808", 1 << 63, true}, {"-9223372036854775808", 0, false},
	}
	for _, tt := range u64 {
		if v, ok := parseUint64([]byte(tt.in)); v != tt.v || ok != tt.ok {
			t.Errorf("parseUint64(%q) = %d, %v; want %d, %v", tt.in, v, ok, tt.v, tt.ok)
		}
	}
	i32 := []struct {
		in string
		v  int32
		ok bool
	}{
		{"-1", -1, true}, {"2147483648", -2147483648, true}, {"9223372036854775807", -1, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775808", 0, true},
		{"-9223372036854775809", 0, false}, {"x", 0, false},
	}
	for _, tt := range i32 {
		if v, ok := parseInt32([]byte(tt.in)); v != tt.v || ok != tt.ok {
			t.Errorf("parseInt32(%q) = %d, %v; want %d, %v", tt.in, v, ok, tt.v, tt.ok)
		}
	}
	if v, ok := parseUint32([]byte("4294967296")); v != 0 || !ok {
		t.Errorf("parseUint32 truncation: %d %v", v, ok)
	}
	for in, want := range map[string]bool{"1": true, "": false, "+1": false, " 1": false, "99999999999999999999": false, "18446744073709551615": true} {
		if _, ok := parseStrictUint([]byte(in)); ok != want {
			t.Errorf("parseStrictUint(%q) ok = %v", in, ok)
		}
	}
}

func TestTokenizeKeepsEmptyDropped(t *testing.T) {
	toks := tokenize([]byte("  a  b c "), nil)
	if got := string(bytes.Join(toks, []byte("|"))); got != "a|b|c" {
		t.Errorf("tokenize = %q", got)
	}
}
