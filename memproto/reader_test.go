package memproto

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestReaderTable runs the ParseRequest table through a Reader with the
// smallest bufio buffer, so that long lines and blocks cross refills.
func TestReaderTable(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			// A trailing request shows that the stream stayed in step.
			in := tt.in + "version\r\n"
			r := NewReader(bufio.NewReaderSize(strings.NewReader(in), 16), Limits{})
			var req Request
			err := r.ReadRequest(&req)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if req.NoReply != tt.errNoReply {
					t.Errorf("NoReply = %v", req.NoReply)
				}
				var e *Error
				if errors.As(err, &e) && (e.Close || e.Swallow > 0) {
					return // the table has no data after a too-large set
				}
			} else {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if got := viewOf(&req); got != tt.want {
					t.Fatalf("got  %+v\nwant %+v", got, tt.want)
				}
			}
			// Read on to the version; data left by a refused storage
			// command is parsed as commands, as memcached does.
			for i := 0; ; i++ {
				err := r.ReadRequest(&req)
				if err == nil && req.Command == CmdVersion {
					break
				}
				if i > 5 || (err != nil && !errors.As(err, new(*Error))) {
					t.Fatalf("did not reach the trailing version: %v", err)
				}
			}
			if err := r.ReadRequest(&req); err != io.EOF {
				t.Errorf("at end: %v", err)
			}
		})
	}
}

func TestReaderSwallow(t *testing.T) {
	in := "set k 0 0 20\r\n" + strings.Repeat("x", 20) + "\r\nget a\r\n"
	r := NewReader(bufio.NewReaderSize(strings.NewReader(in), 16), Limits{MaxItemSize: 10})
	var req Request
	if !r.AtBoundary() {
		t.Fatal("a new Reader is not at a request boundary")
	}
	if err := r.ReadRequest(&req); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if r.AtBoundary() {
		t.Fatal("at a boundary with a refused block still to discard")
	}
	if err := r.ReadRequest(&req); err != nil || req.Command != CmdGet {
		t.Fatalf("after swallow: %v %v", req.Command, err)
	}
	if !r.AtBoundary() {
		t.Fatal("not at a boundary after the block was discarded")
	}
}

func TestReaderEOF(t *testing.T) {
	for _, in := range []string{"get a", "set k 0 0 5\r\nab", "set k 0 0 50\r\n", "set k 0 0 5 noreply\r\n"} {
		r := NewReader(bufio.NewReaderSize(strings.NewReader(in), 16), Limits{})
		var req Request
		if err := r.ReadRequest(&req); err != io.ErrUnexpectedEOF {
			t.Errorf("%q: err = %v, want io.ErrUnexpectedEOF", in, err)
		}
	}
	r := NewReader(bufio.NewReader(strings.NewReader("set k 0 0 50 noreply\r\n")), Limits{MaxItemSize: 10})
	var req Request
	if err := r.ReadRequest(&req); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if err := r.ReadRequest(&req); err != io.ErrUnexpectedEOF {
		t.Errorf("swallow past EOF: %v", err)
	}
	r = NewReader(bufio.NewReader(strings.NewReader(strings.Repeat("x", 3000))), Limits{})
	if err := r.ReadRequest(&req); err != ErrLineTooLong {
		t.Errorf("long line: %v", err)
	}
	r = NewReader(bufio.NewReader(strings.NewReader("version\r\n")), Limits{})
	if err := r.ReadRequest(&req); err != nil || r.Buffered() != 0 {
		t.Errorf("version: %v, buffered %d", err, r.Buffered())
	}
}

// TestReaderLargeValue reads a value larger than the bufio buffer.
func TestReaderLargeValue(t *testing.T) {
	v := strings.Repeat("0123456789", 1000)
	in := fmt.Sprintf("set k 0 0 %d\r\n%s\r\nset j 0 0 %d\r\n%s\r\n", len(v), v, len(v), v)
	r := NewReader(bufio.NewReaderSize(strings.NewReader(in), 64), Limits{})
	var req Request
	for i := 0; i < 2; i++ {
		if err := r.ReadRequest(&req); err != nil || string(req.Value) != v {
			t.Fatalf("request %d: err %v, len %d", i, err, len(req.Value))
		}
	}
}

// randRequest returns a random valid request, or a refused one (with its
// expected error) about one time in eight.
func randRequest(rng *rand.Rand) (wire []byte, want reqView, wantErr error) {
	key := func() []byte {
		n := 1 + rng.IntN(20)
		if rng.IntN(50) == 0 {
			n = MaxKeyLength
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('!' + rng.IntN(94))
		}
		return b
	}
	if rng.IntN(8) == 0 {
		switch rng.IntN(4) {
		case 0:
			return []byte("bogus command\r\n"), reqView{}, ErrUnknownCommand
		case 1:
			v := bytes.Repeat([]byte("v"), 200+rng.IntN(100))
			return AppendStore(nil, CmdSet, key(), 0, 0, v, 0, false), reqView{}, ErrTooLarge
		case 2:
			// The block is 5 bytes long but not ended by CRLF.
			w := fmt.Appendf(nil, "set %s 0 0 3\r\nabcXY", key())
			return w, reqView{}, ErrBadDataChunk
		default:
			return []byte("incr k x\r\n"), reqView{}, ErrBadDelta
		}
	}
	var req Request
	cmds := []Command{CmdSet, CmdAdd, CmdReplace, CmdAppend, CmdPrepend, CmdCas, CmdGet, CmdGets,
		CmdGat, CmdGats, CmdDelete, CmdIncr, CmdDecr, CmdTouch, CmdFlushAll, CmdVersion,
		CmdVerbosity, CmdQuit, CmdStats, CmdShutdown, CmdCacheMemlimit, CmdLruCrawler, CmdSlabs, CmdStreamingGet}
	req.Command = cmds[rng.IntN(len(cmds))]
	noreply := rng.IntN(3) == 0
	switch c := req.Command; {
	case c.IsStorage():
		req.Key, req.Flags, req.Exptime = key(), rng.Uint32(), int64(rng.Int32())-1<<30
		req.Value = make([]byte, rng.IntN(150))
		for i := range req.Value {
			req.Value[i] = byte(rng.IntN(256))
		}
		if c == CmdCas {
			req.CAS = rng.Uint64()
		}
		req.NoReply = noreply
	case c.IsRetrieval():
		for range 1 + rng.IntN(12) {
			req.Keys = append(req.Keys, key())
		}
		req.Key = req.Keys[0]
		if c == CmdGat || c == CmdGats {
			req.Exptime = int64(rng.Int32())
		}
	case c == CmdDelete:
		req.Key, req.NoReply = key(), noreply
	case c == CmdIncr || c == CmdDecr:
		req.Key, req.Delta, req.NoReply = key(), rng.Uint64(), noreply
	case c == CmdTouch:
		req.Key, req.Exptime, req.NoReply = key(), int64(rng.Int32()), noreply
	case c == CmdFlushAll:
		req.Exptime, req.NoReply = int64(rng.IntN(100)), noreply
	case c == CmdVerbosity || c == CmdCacheMemlimit:
		req.Number, req.NoReply = uint64(rng.Uint32()), noreply
	case c == CmdStats:
		if rng.IntN(2) == 0 {
			req.Args = [][]byte{[]byte("slabs")}
		}
	case c == CmdLruCrawler:
		req.Args = [][]byte{[]byte("crawl"), []byte("all")}
	case c == CmdSlabs:
		req.Args = [][]byte{[]byte("automove"), []byte("1")}
	case c == CmdStreamingGet:
		req.Key, req.Number = key(), uint64(MinStreamChunkSize+rng.IntN(1<<20))
	}
	return AppendRequest(nil, &req), viewOf(&req), nil
}

type parsed struct {
	view reqView
	err  error
}

func (p parsed) String() string { return fmt.Sprintf("%+v %v", p.view, p.err) }

// feedChunks parses stream delivered in the given chunks with
// ParseRequest, as a server with its own buffer would.
func feedChunks(t *testing.T, chunks [][]byte, lim Limits) []parsed {
	var out []parsed
	var buf []byte
	swallow := 0
	var req Request
	for _, c := range chunks {
		buf = append(buf, c...)
		for {
			if swallow > 0 {
				k := min(swallow, len(buf))
				buf, swallow = buf[k:], swallow-k
				if swallow > 0 {
					break
				}
			}
			n, err := ParseRequest(buf, &req, lim)
			if err == ErrIncomplete {
				break
			}
			p := parsed{err: err}
			if err == nil {
				p.view = viewOf(&req)
			}
			var e *Error
			if errors.As(err, &e) {
				if e.Close {
					t.Fatalf("unexpected close: %v", err)
				}
				swallow = e.Swallow
			}
			out = append(out, p)
			buf = buf[n:]
		}
	}
	if len(buf) != 0 || swallow != 0 {
		t.Fatalf("left over: %q, swallow %d", buf, swallow)
	}
	return out
}

// chunkReader returns its data in the given chunks.
type chunkReader struct{ chunks [][]byte }

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

func randCuts(rng *rand.Rand, stream []byte) [][]byte {
	var chunks [][]byte
	for len(stream) > 0 {
		n := 1 + rng.IntN(min(len(stream), 1+rng.IntN(300)))
		chunks = append(chunks, stream[:n])
		stream = stream[n:]
	}
	return chunks
}

// TestRandomPipeline builds random pipelines and checks that they parse
// the same whole, cut at random byte boundaries, and through a Reader.
func TestRandomPipeline(t *testing.T) {
	lim := Limits{MaxItemSize: 150}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 1))
		var stream []byte
		var want []parsed
		for range 1 + rng.IntN(40) {
			w, v, err := randRequest(rng)
			stream = append(stream, w...)
			want = append(want, parsed{view: v, err: err})
		}
		check := func(how string, got []parsed) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("seed %d %s: %d requests, want %d", seed, how, len(got), len(want))
			}
			for i := range got {
				if got[i].view != want[i].view || !errors.Is(got[i].err, want[i].err) {
					t.Fatalf("seed %d %s request %d:\ngot  %v\nwant %v", seed, how, i, got[i], want[i])
				}
			}
		}
		check("whole", feedChunks(t, [][]byte{stream}, lim))
		check("cut", feedChunks(t, randCuts(rng, stream), lim))

		cr := &chunkReader{chunks: randCuts(rng, bytes.Clone(stream))}
		r := NewReader(bufio.NewReaderSize(cr, 16+rng.IntN(200)), lim)
		var got []parsed
		var req Request
		for {
			err := r.ReadRequest(&req)
			if err == io.EOF {
				break
			}
			p := parsed{err: err}
			if err == nil {
				p.view = viewOf(&req)
			} else if !errors.As(err, new(*Error)) {
				t.Fatalf("seed %d reader: %v", seed, err)
			}
			got = append(got, p)
		}
		check("reader", got)
	}
}
