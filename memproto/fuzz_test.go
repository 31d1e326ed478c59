package memproto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzTextParse parses arbitrary bytes as a request: ParseRequest must
// agree with Reader, and a parsed classic request must survive
// AppendRequest and a second parse unchanged.
func FuzzTextParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		lim := Limits{MaxItemSize: 1 << 16}
		var req Request
		n, err := ParseRequest(in, &req, lim)
		if n < 0 || n > len(in) {
			t.Fatalf("n = %d for %d bytes", n, len(in))
		}
		view := viewOf(&req)

		// Reader must see the same first request.
		var rreq Request
		rerr := NewReader(bufio.NewReaderSize(bytes.NewReader(in), 16), lim).ReadRequest(&rreq)
		switch {
		case err == ErrIncomplete:
			if rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
				t.Fatalf("ParseRequest incomplete, Reader: %v", rerr)
			}
		case err == nil:
			if rerr != nil || viewOf(&rreq) != view {
				t.Fatalf("Reader: %v %+v, ParseRequest %+v", rerr, viewOf(&rreq), view)
			}
		default:
			if !errors.Is(rerr, err) {
				t.Fatalf("Reader err %v, ParseRequest err %v", rerr, err)
			}
			if rreq.NoReply != req.NoReply {
				t.Fatalf("NoReply differs on error %v", err)
			}
		}
		if err != nil || req.Command.IsMeta() {
			return
		}

		wire := AppendRequest(nil, &req)
		var again Request
		m, err := ParseRequest(wire, &again, lim)
		if err != nil || m != len(wire) {
			t.Fatalf("re-parse of %q: n %d, err %v", wire, m, err)
		}
		if got := viewOf(&again); got != view {
			t.Fatalf("round trip of %q via %q:\ngot  %+v\nwant %+v", in[:n], wire, got, view)
		}
	})
}

// appendResponse re-encodes a parsed response with the server-side
// encoders (or, for free-form lines, from its Line).
func appendResponse(dst []byte, r *Response) []byte {
	switch r.Kind {
	case KindValue:
		if r.HasCAS {
			return AppendValueCAS(dst, r.Key, r.Flags, r.Value, r.CAS)
		}
		return AppendValue(dst, r.Key, r.Flags, r.Value)
	case KindStat:
		return AppendStat(dst, string(r.Key), string(r.Value))
	case KindNumber:
		return AppendNumber(dst, r.Number)
	case KindVersion:
		return AppendVersionReply(dst, string(r.Value))
	case KindStream:
		return AppendStreamHeader(dst, r.Key, r.Flags, r.Size, r.Chunks, r.CAS)
	case KindChunk:
		return AppendChunk(dst, r.Index, r.Value)
	}
	dst = append(dst, r.Line...)
	return append(dst, "\r\n"...)
}

// respView is the comparable part of a Response, without Line.
type respView struct {
	Kind                ResponseKind
	Key, Value, Message string
	Flags               uint32
	CAS                 uint64
	HasCAS              bool
	Number              uint64
	Size, Chunks, Index int
}

func respViewOf(r *Response) respView {
	return respView{r.Kind, string(r.Key), string(r.Value), string(r.Message), r.Flags, r.CAS, r.HasCAS, r.Number, r.Size, r.Chunks, r.Index}
}

// FuzzResponseParse parses arbitrary bytes as a reply: ParseResponse
// must agree with ResponseReader, and a parsed reply must survive
// re-encoding and a second parse.
func FuzzResponseParse(f *testing.F) {
	for _, s := range responseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var resp Response
		n, err := ParseResponse(in, &resp)
		if n < 0 || n > len(in) {
			t.Fatalf("n = %d for %d bytes", n, len(in))
		}
		view := respViewOf(&resp)
		var rresp Response
		rerr := NewResponseReader(bufio.NewReaderSize(bytes.NewReader(in), 16)).ReadResponse(&rresp)
		switch {
		case err == ErrIncomplete:
			if rerr != io.EOF && rerr != io.ErrUnexpectedEOF && !errors.Is(rerr, ErrBadResponse) {
				t.Fatalf("ParseResponse incomplete, ResponseReader: %v", rerr)
			}
		case err == nil:
			if rerr != nil || respViewOf(&rresp) != view {
				t.Fatalf("ResponseReader %v %+v, ParseResponse %+v", rerr, respViewOf(&rresp), view)
			}
		default:
			if !errors.Is(err, ErrBadResponse) || !errors.Is(rerr, ErrBadResponse) {
				t.Fatalf("errors: ParseResponse %v, ResponseReader %v", err, rerr)
			}
			return
		}
		if err != nil {
			return
		}
		wire := appendResponse(nil, &resp)
		var again Response
		m, err := ParseResponse(wire, &again)
		if err != nil || m != len(wire) {
			t.Fatalf("re-parse of %q: n %d, err %v", wire, m, err)
		}
		if got := respViewOf(&again); got != view {
			t.Fatalf("round trip of %q via %q:\ngot  %+v\nwant %+v", in[:n], wire, got, view)
		}
	})
}
