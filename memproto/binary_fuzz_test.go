package memproto

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// binaryFuzzLimits keeps values small so the fuzzer reaches the
// too-large path.
var binaryFuzzLimits = Limits{MaxItemSize: 4096}

func FuzzBinaryParse(f *testing.F) {
	for _, c := range binaryRequestTable() {
		f.Add(c.frame)
	}
	f.Add(AppendBinaryGetResponse(nil, BinaryOpGetK, 1, 2, 3, []byte("key"), []byte("value")))
	f.Add(AppendBinaryError(nil, BinaryOpSet, 1, BinaryStatusValueTooLarge))
	f.Add(rawReq(0x42, 0, 0, 3, 3))
	f.Add(rawReq(BinaryOpGet, 0, 4, 3, 3))
	f.Add(rawReq(BinaryOpSet, 8, 1, 9+5000, 9))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkBinaryRequests(t, data)
		checkBinaryResponses(t, data)
	})
}

// binaryParsed is one outcome of parsing a request stream.
type binaryParsed struct {
	req BinaryRequest
	err error
}

// checkBinaryRequests parses data as a request stream with the slice
// parser, round-trips every request through AppendBinaryRequest, and
// checks that BinaryReader gives the same requests and errors.
func checkBinaryRequests(t *testing.T, data []byte) {
	var want []binaryParsed
	rest := data
	for {
		var req BinaryRequest
		n, err := ParseBinaryRequest(rest, &req, binaryFuzzLimits)
		if err == ErrIncomplete {
			if n != 0 {
				t.Fatalf("incomplete with n %d", n)
			}
			break
		}
		if n < BinaryHeaderLen || n > len(rest) {
			t.Fatalf("n %d of %d, err %v", n, len(rest), err)
		}
		var be *BinaryError
		switch {
		case err == nil:
			checkBinaryRoundTrip(t, rest[:n], &req)
		case errors.As(err, &be):
			if be.Close && n != BinaryHeaderLen {
				t.Fatalf("closing error consumed %d", n)
			}
			if !be.Close && int64(n)+int64(be.Swallow) != BinaryHeaderLen+int64(req.Header.BodyLength) {
				t.Fatalf("n %d + swallow %d != packet %d", n, be.Swallow, BinaryHeaderLen+req.Header.BodyLength)
			}
			if reply := be.AppendReply(nil, req.Header.Opcode, req.Header.Opaque); len(reply) > 0 {
				var resp BinaryResponse
				if m, err := ParseBinaryResponse(reply, &resp); err != nil || m != len(reply) || resp.Status() != be.Status {
					t.Fatalf("reply %q: %v", reply, err)
				}
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
		want = append(want, binaryParsed{copyBinaryRequest(req), err})
		if be != nil {
			if be.Close || be.Swallow > len(rest)-n {
				break
			}
			n += be.Swallow
		}
		rest = rest[n:]
	}

	r := NewBinaryReader(bufio.NewReaderSize(bytes.NewReader(data), 16), binaryFuzzLimits)
	for i, w := range want {
		var req BinaryRequest
		err := r.ReadRequest(&req)
		if err == io.ErrUnexpectedEOF && w.err != nil {
			// The slice parser reports a refused request whose swallowed
			// bytes are missing; the reader needs them.
			return
		}
		if !errors.Is(err, w.err) && err != w.err {
			t.Fatalf("request %d: reader err %v, parser err %v", i, err, w.err)
		}
		if !reflect.DeepEqual(normReq(req), normReq(w.req)) {
			t.Fatalf("request %d: reader %+v\nparser %+v", i, req, w.req)
		}
		var be *BinaryError
		if errors.As(err, &be) && be.Close {
			return
		}
	}
	var req BinaryRequest
	if err := r.ReadRequest(&req); err != io.EOF && err != io.ErrUnexpectedEOF {
		t.Fatalf("reader end: %v", err)
	}
}

// checkBinaryRoundTrip re-encodes a parsed request and parses it again.
func checkBinaryRoundTrip(t *testing.T, frame []byte, req *BinaryRequest) {
	enc := AppendBinaryRequest(nil, req)
	var again BinaryRequest
	n, err := ParseBinaryRequest(enc, &again, binaryFuzzLimits)
	if err != nil || n != len(enc) {
		t.Fatalf("re-parse: n %d of %d, %v\nframe % x\nenc   % x", n, len(enc), err, frame, enc)
	}
	a, b := normReq(*req), normReq(again)
	dropped := req.Header.Opcode.Loud() == BinaryOpFlush && req.Exptime == 0 && len(req.Extras) == 4
	if dropped {
		// A Flush with a zero delay is sent without extras.
		a.Extras, a.Header.ExtrasLength, a.Header.BodyLength = nil, 0, 0
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip\nfirst  %+v\nsecond %+v", a, b)
	}
	if !dropped && !bytes.Equal(enc, frame) {
		t.Fatalf("re-encoded bytes differ\nframe % x\nenc   % x", frame, enc)
	}
}

func copyBinaryRequest(r BinaryRequest) BinaryRequest {
	r.Extras = bytes.Clone(r.Extras)
	r.Key = bytes.Clone(r.Key)
	r.Value = bytes.Clone(r.Value)
	return r
}

// checkBinaryResponses parses data as a response stream, round-trips each
// response through AppendBinaryResponse and compares with
// BinaryResponseReader.
func checkBinaryResponses(t *testing.T, data []byte) {
	var want []BinaryResponse
	var werr error
	for rest := data; ; {
		var resp BinaryResponse
		n, err := ParseBinaryResponse(rest, &resp)
		if err != nil {
			if n != 0 {
				t.Fatalf("response error with n %d", n)
			}
			werr = err
			break
		}
		enc := AppendBinaryResponse(nil, resp.Header.Opcode, resp.Status(), resp.Header.Opaque, resp.Header.CAS, resp.Extras, resp.Key, resp.Value)
		enc[5] = resp.Header.DataType
		if !bytes.Equal(enc, rest[:n]) {
			t.Fatalf("response re-encoded\nframe % x\nenc   % x", rest[:n], enc)
		}
		resp.Extras, resp.Key, resp.Value = bytes.Clone(resp.Extras), bytes.Clone(resp.Key), bytes.Clone(resp.Value)
		want = append(want, resp)
		rest = rest[n:]
	}
	rr := NewBinaryResponseReader(bufio.NewReaderSize(bytes.NewReader(data), 16), binaryFuzzLimits)
	for i, w := range want {
		var resp BinaryResponse
		err := rr.ReadResponse(&resp)
		if err == ErrBinaryResponseTooLarge && int64(w.Header.BodyLength) > int64(binaryFuzzLimits.MaxItemSize)+binaryMaxPrefix {
			return
		}
		if err != nil {
			t.Fatalf("response %d: reader %v", i, err)
		}
		if !reflect.DeepEqual(normResp(resp), normResp(w)) {
			t.Fatalf("response %d: reader %+v\nparser %+v", i, resp, w)
		}
	}
	var resp BinaryResponse
	err := rr.ReadResponse(&resp)
	switch werr {
	case ErrIncomplete:
		if err != io.EOF && err != io.ErrUnexpectedEOF && err != ErrBinaryResponseTooLarge {
			t.Fatalf("reader end: %v", err)
		}
	default:
		if err != werr {
			t.Fatalf("reader end: %v, parser %v", err, werr)
		}
	}
}

func normResp(r BinaryResponse) BinaryResponse {
	for _, p := range []*[]byte{&r.Extras, &r.Key, &r.Value} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	return r
}
