package memproto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

var responseSeeds = []string{
	"VALUE k 5 3\r\nabc\r\n",
	"VALUE k 5 3 99\r\nabc\r\n",
	"VALUE k 0 0\r\n\r\n",
	"END\r\n", "STORED\r\n", "NOT_STORED\r\n", "EXISTS\r\n", "NOT_FOUND\r\n",
	"DELETED\r\n", "TOUCHED\r\n", "OK\r\n", "42\r\n",
	"STAT pid 123\r\n", "STAT version 1.6.18\r\n", "VERSION 1.6.18\r\n",
	"ERROR\r\n", "ERROR: shutdown not enabled\r\n", "ERROR metadump not allowed\r\n",
	"CLIENT_ERROR bad command line format\r\n", "SERVER_ERROR object too large for cache\r\n",
	"key=foo exp=-1 la=1700000000 cas=2 fetch=no cls=1 size=63\n",
	"STREAM big 5 40 3 9\r\n", "STREAM e 0 0 0 1\r\n", "CHUNK 0 16\r\n0123456789abcdef\r\n",
	"BUSY currently processing crawler request\r\n", "MN\r\n",
	"VALUE k 5 3\r\nabcd\r\n", "VALUE k x 3\r\n", "CHUNK 0 99999999999\r\n", "\r\n",
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		in   string
		want respView
		bad  bool
	}{
		{in: "VALUE k 5 3\r\nabc\r\n", want: respView{Kind: KindValue, Key: "k", Flags: 5, Size: 3, Value: "abc"}},
		{in: "VALUE k 5 3 99\r\nabc\r\n", want: respView{Kind: KindValue, Key: "k", Flags: 5, Size: 3, Value: "abc", CAS: 99, HasCAS: true}},
		{in: "VALUE k 5 4\r\na\r\nb\r\n", want: respView{Kind: KindValue, Key: "k", Flags: 5, Size: 4, Value: "a\r\nb"}},
		{in: "END\r\n", want: respView{Kind: KindEnd}},
		{in: "END\n", want: respView{Kind: KindEnd}},
		{in: "STORED\r\n", want: respView{Kind: KindStored}},
		{in: "NOT_STORED\r\n", want: respView{Kind: KindNotStored}},
		{in: "EXISTS\r\n", want: respView{Kind: KindExists}},
		{in: "NOT_FOUND\r\n", want: respView{Kind: KindNotFound}},
		{in: "DELETED\r\n", want: respView{Kind: KindDeleted}},
		{in: "TOUCHED\r\n", want: respView{Kind: KindTouched}},
		{in: "OK\r\n", want: respView{Kind: KindOK}},
		{in: "18446744073709551615\r\n", want: respView{Kind: KindNumber, Number: 1<<64 - 1}},
		{in: "STAT curr_items 7\r\n", want: respView{Kind: KindStat, Key: "curr_items", Value: "7"}},
		{in: "STAT a b c\r\n", want: respView{Kind: KindStat, Key: "a", Value: "b c"}},
		{in: "VERSION 1.6.18\r\n", want: respView{Kind: KindVersion, Value: "1.6.18"}},
		{in: "ERROR\r\n", want: respView{Kind: KindError}},
		{in: "ERROR: shutdown not enabled\r\n", want: respView{Kind: KindError, Message: "shutdown not enabled"}},
		{in: "CLIENT_ERROR bad data chunk\r\n", want: respView{Kind: KindClientError, Message: "bad data chunk"}},
		{in: "SERVER_ERROR out of memory\r\n", want: respView{Kind: KindServerError, Message: "out of memory"}},
		{in: "key=a%20b exp=-1 la=1 cas=2 fetch=no cls=1 size=63\n", want: respView{Kind: KindMetadump}},
		{in: "STREAM big 5 40 3 9\r\n", want: respView{Kind: KindStream, Key: "big", Flags: 5, Size: 40, Chunks: 3, CAS: 9, HasCAS: true}},
		{in: "CHUNK 2 3\r\nabc\r\n", want: respView{Kind: KindChunk, Index: 2, Size: 3, Value: "abc"}},
		{in: "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n", want: respView{Kind: KindOther}},
		{in: "VALUE k 5 3\r\nabcd\r\n", bad: true},
		{in: "VALUE k 5\r\n", bad: true},
		{in: "VALUE k -5 3\r\n", bad: true},
		{in: "VALUE k 4294967296 3\r\n", bad: true},
		{in: "VALUE k 1 2 3 4\r\n", bad: true},
		{in: "VALUE  k 1 2\r\n", bad: true},
		{in: "STAT x\r\n", bad: true},
		{in: "12x\r\n", bad: true},
		{in: "\r\n", bad: true},
		{in: "STREAM k 0 10 0 1\r\n", bad: true},
		{in: "STREAM k 0 0 1 1\r\n", bad: true},
		{in: "STREAM k 0 1 2 1\r\n", bad: true},
		{in: "CHUNK 0\r\n", bad: true},
		{in: "CHUNK 0 16777217\r\n", bad: true},
	}
	for _, tt := range tests {
		var resp Response
		n, err := ParseResponse([]byte(tt.in), &resp)
		if tt.bad {
			if !errors.Is(err, ErrBadResponse) {
				t.Errorf("%q: err = %v, want ErrBadResponse", tt.in, err)
			}
			continue
		}
		if err != nil || n != len(tt.in) {
			t.Errorf("%q: n %d, err %v", tt.in, n, err)
			continue
		}
		if got := respViewOf(&resp); got != tt.want {
			t.Errorf("%q:\ngot  %+v\nwant %+v", tt.in, got, tt.want)
		}
		for i := range len(tt.in) {
			if _, err := ParseResponse([]byte(tt.in[:i]), &resp); err != ErrIncomplete {
				t.Errorf("%q prefix %d: %v", tt.in, i, err)
			}
		}
		rr := NewResponseReader(bufio.NewReaderSize(strings.NewReader(tt.in), 16))
		if err := rr.ReadResponse(&resp); err != nil || respViewOf(&resp) != tt.want {
			t.Errorf("%q: ResponseReader %v %+v", tt.in, err, respViewOf(&resp))
		}
		if err := rr.ReadResponse(&resp); err != io.EOF {
			t.Errorf("%q: at end %v", tt.in, err)
		}
	}
}

func TestParseResponseLongLine(t *testing.T) {
	var resp Response
	long := strings.Repeat("x", maxResponseLine+1)
	if _, err := ParseResponse([]byte(long), &resp); !errors.Is(err, ErrBadResponse) {
		t.Errorf("ParseResponse: %v", err)
	}
	rr := NewResponseReader(bufio.NewReaderSize(strings.NewReader(long), 16))
	if err := rr.ReadResponse(&resp); !errors.Is(err, ErrBadResponse) {
		t.Errorf("ResponseReader: %v", err)
	}
	rr = NewResponseReader(bufio.NewReader(strings.NewReader("VALUE k 0 10\r\nabc")))
	if err := rr.ReadResponse(&resp); err != io.ErrUnexpectedEOF {
		t.Errorf("short block: %v", err)
	}
}

// TestReplyEncoders checks the exact bytes of the server-side encoders.
func TestReplyEncoders(t *testing.T) {
	tests := []struct{ got, want string }{
		{string(AppendValue(nil, []byte("k"), 5, []byte("abc"))), "VALUE k 5 3\r\nabc\r\n"},
		{string(AppendValueCAS(nil, []byte("k"), 4294967295, []byte(""), 18446744073709551615)), "VALUE k 4294967295 0 18446744073709551615\r\n\r\n"},
		{string(AppendValueHeader(nil, []byte("k"), 1, 10, 0, false)), "VALUE k 1 10\r\n"},
		{string(AppendNumber(nil, 42)), "42\r\n"},
		{string(AppendVersionReply(nil, "1.6.18")), "VERSION 1.6.18\r\n"},
		{string(AppendStat(nil, "pid", "1")), "STAT pid 1\r\n"},
		{string(AppendStatUint(nil, "curr_items", 7)), "STAT curr_items 7\r\n"},
		{string(AppendClientError(nil, "bad data chunk")), "CLIENT_ERROR bad data chunk\r\n"},
		{string(AppendServerError(nil, "out of memory")), "SERVER_ERROR out of memory\r\n"},
		{string(AppendMetadumpItem(nil, []byte("a b/é"), -1, 1700000000, 2, false, 1, 63)),
			"key=a%20b%2F%C3%A9 exp=-1 la=1700000000 cas=2 fetch=no cls=1 size=63\n"},
		{string(AppendMetadumpItem(nil, []byte("x-._~"), 5, 6, 7, true, 2, 8)),
			"key=x-._~ exp=5 la=6 cas=7 fetch=yes cls=2 size=8\n"},
		{string(ErrTooLarge.AppendReply(nil)), "SERVER_ERROR object too large for cache\r\n"},
		{string(ErrLineTooLong.AppendReply(nil)), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestRequestEncoders checks the exact bytes of the client-side encoders.
func TestRequestEncoders(t *testing.T) {
	k := []byte("k")
	tests := []struct{ got, want string }{
		{string(AppendGet(nil, CmdGet, k, []byte("j"))), "get k j\r\n"},
		{string(AppendGet(nil, CmdGets, k)), "gets k\r\n"},
		{string(AppendGat(nil, CmdGat, 10, k)), "gat 10 k\r\n"},
		{string(AppendGat(nil, CmdGats, -1, k)), "gats -1 k\r\n"},
		{string(AppendStore(nil, CmdSet, k, 1, 2, []byte("v"), 9, false)), "set k 1 2 1\r\nv\r\n"},
		{string(AppendStore(nil, CmdCas, k, 1, 2, []byte("v"), 9, true)), "cas k 1 2 1 9 noreply\r\nv\r\n"},
		{string(AppendStore(nil, CmdGet, k, 0, 0, nil, 0, false)), "set k 0 0 0\r\n\r\n"},
		{string(AppendDelete(nil, k, true)), "delete k noreply\r\n"},
		{string(AppendIncr(nil, k, 5, false)), "incr k 5\r\n"},
		{string(AppendDecr(nil, k, 5, true)), "decr k 5 noreply\r\n"},
		{string(AppendTouch(nil, k, 10, false)), "touch k 10\r\n"},
		{string(AppendFlushAll(nil, 0, false)), "flush_all\r\n"},
		{string(AppendFlushAll(nil, 10, true)), "flush_all 10 noreply\r\n"},
		{string(AppendVerbosity(nil, 1, false)), "verbosity 1\r\n"},
		{string(AppendCacheMemlimit(nil, 64, true)), "cache_memlimit 64 noreply\r\n"},
		{string(AppendVersion(nil)), "version\r\n"},
		{string(AppendQuit(nil)), "quit\r\n"},
		{string(AppendStats(nil)), "stats\r\n"},
		{string(AppendStats(nil, []byte("slabs"))), "stats slabs\r\n"},
		{string(AppendShutdown(nil, false)), "shutdown\r\n"},
		{string(AppendShutdown(nil, true)), "shutdown graceful\r\n"},
		{string(AppendLruCrawler(nil, []byte("crawl"), []byte("all"))), "lru_crawler crawl all\r\n"},
		{string(AppendMetadump(nil, "all")), "lru_crawler metadump all\r\n"},
		{string(AppendStreamingGet(nil, k, 1024)), "streaming_get k 1024\r\n"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if got := AppendRequest([]byte("x"), &Request{Command: CmdMetaNoop}); string(got) != "x" {
		t.Errorf("AppendRequest of a meta command: %q", got)
	}
}

// readStream reads one streaming_get reply with a ResponseReader and
// returns the reassembled value, checking the framing rules of
// STREAMING.md.
func readStream(t *testing.T, rr *ResponseReader) (value []byte, hit bool, err error) {
	t.Helper()
	var resp Response
	if err := rr.ReadResponse(&resp); err != nil {
		return nil, false, err
	}
	switch resp.Kind {
	case KindEnd:
		return nil, false, nil
	case KindStream:
	default:
		return nil, false, errors.New("unexpected " + string(resp.Line))
	}
	total, chunks := resp.Size, resp.Chunks
	for i := range chunks {
		if err := rr.ReadResponse(&resp); err != nil {
			return nil, true, err
		}
		if resp.Kind == KindServerError {
			return nil, true, errors.New(string(resp.Message))
		}
		if resp.Kind != KindChunk || resp.Index != i {
			t.Fatalf("chunk %d: got %q", i, resp.Line)
		}
		value = append(value, resp.Value...)
	}
	if err := rr.ReadResponse(&resp); err != nil || resp.Kind != KindEnd {
		t.Fatalf("no END after chunks: %v %q", err, resp.Line)
	}
	if len(value) != total {
		t.Fatalf("reassembled %d bytes, header said %d", len(value), total)
	}
	return value, true, nil
}

func TestStreamingRoundTrip(t *testing.T) {
	// The example of STREAMING.md, byte for byte.
	v := []byte("0123456789abcdef0123456789abcdef01234567")
	want := "STREAM big 5 40 3 9\r\nCHUNK 0 16\r\n0123456789abcdef\r\nCHUNK 1 16\r\n0123456789abcdef\r\nCHUNK 2 8\r\n01234567\r\nEND\r\n"
	if got := string(AppendStream(nil, []byte("big"), 5, v, 9, 16)); got != want {
		t.Fatalf("AppendStream:\ngot  %q\nwant %q", got, want)
	}
	// Chunk-by-chunk encoding gives the same bytes.
	var b []byte
	b = AppendStreamHeader(b, []byte("big"), 5, len(v), StreamChunkCount(len(v), 16), 9)
	for i := 0; i*16 < len(v); i++ {
		c := v[i*16 : min(len(v), (i+1)*16)]
		b = AppendChunkHeader(b, i, len(c))
		b = append(append(b, c...), "\r\n"...)
	}
	b = append(b, ReplyEnd...)
	if string(b) != want {
		t.Fatalf("chunk by chunk: %q", b)
	}

	// Request side.
	var req Request
	if _, err := ParseRequest(AppendStreamingGet(nil, []byte("big"), 16), &req, Limits{}); err != nil ||
		req.Command != CmdStreamingGet || string(req.Key) != "big" || req.Number != 16 {
		t.Fatalf("request: %v %+v", err, viewOf(&req))
	}

	// Reply sizes around chunk boundaries, a miss, and a failure after
	// the header, all on one connection.
	var stream []byte
	sizes := []int{0, 1, 15, 16, 17, 32, 33, 1000}
	for _, n := range sizes {
		stream = AppendStream(stream, []byte("k"), 1, bytes.Repeat([]byte{'a' + byte(n%26)}, n), 2, 16)
	}
	stream = append(stream, ReplyEnd...) // miss
	stream = AppendStreamHeader(stream, []byte("k"), 0, 64, 4, 1)
	stream = AppendChunk(stream, 0, bytes.Repeat([]byte("x"), 16))
	stream = AppendServerError(stream, "read error")
	stream = append(stream, ReplyEnd...) // the connection stays usable
	rr := NewResponseReader(bufio.NewReaderSize(bytes.NewReader(stream), 16))
	for _, n := range sizes {
		got, hit, err := readStream(t, rr)
		if err != nil || !hit || !bytes.Equal(got, bytes.Repeat([]byte{'a' + byte(n%26)}, n)) {
			t.Fatalf("size %d: hit %v err %v len %d", n, hit, err, len(got))
		}
	}
	if _, hit, err := readStream(t, rr); hit || err != nil {
		t.Fatalf("miss: hit %v err %v", hit, err)
	}
	if _, _, err := readStream(t, rr); err == nil || err.Error() != "read error" {
		t.Fatalf("failure after header: %v", err)
	}
	if _, hit, err := readStream(t, rr); hit || err != nil {
		t.Fatalf("after failure: hit %v err %v", hit, err)
	}
	if StreamChunkCount(0, 16) != 0 || StreamChunkCount(16, 16) != 1 || StreamChunkCount(17, 16) != 2 || StreamChunkCount(5, 0) != 0 {
		t.Error("StreamChunkCount")
	}
}

// TestResponseReaderBogusLength checks that a huge announced length does
// not allocate it up front.
func TestResponseReaderBogusLength(t *testing.T) {
	var resp Response
	in := "VALUE k 0 777777770\r\nabc"
	rr := NewResponseReader(bufio.NewReader(strings.NewReader(in)))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := rr.ReadResponse(&resp); err != io.ErrUnexpectedEOF {
		t.Errorf("err = %v", err)
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 8<<20 {
		t.Errorf("allocated %d bytes for a 3-byte block", d)
	}
	big := strings.Repeat("z", 3<<20+5)
	rr = NewResponseReader(bufio.NewReader(strings.NewReader("VALUE k 0 " + strconv.Itoa(len(big)) + "\r\n" + big + "\r\nVALUE j 0 3\r\nabc\r\n")))
	if err := rr.ReadResponse(&resp); err != nil || string(resp.Value) != big {
		t.Fatalf("big value: %v, %d bytes", err, len(resp.Value))
	}
	if err := rr.ReadResponse(&resp); err != nil || string(resp.Value) != "abc" {
		t.Fatalf("after big value: %v %q", err, resp.Value)
	}
}
