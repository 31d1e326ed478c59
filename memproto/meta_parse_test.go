package memproto

import "testing"

func TestReadMetaBasic(t *testing.T) {
	var req Request
	args := make([][]byte, 0, 24)
	n, err := readMeta([]byte("ms foo 3 T10 F5\r\nbar\r\n"), &req, args, Limits{})
	if err != nil || n != 22 || string(req.Value) != "bar" || req.Meta.TTL != 10 || req.Meta.ClientFlags != 5 {
		t.Fatalf("n=%d err=%v req=%+v", n, err, req)
	}
	if _, err := readMeta([]byte("get foo\r\n"), &req, args, Limits{}); err != errNotMeta {
		t.Fatalf("get: %v", err)
	}
	if _, err := readMeta([]byte("ms foo 3\r\nbarx\r\n"), &req, args, Limits{}); err != ErrBadDataChunk {
		t.Fatalf("bad chunk: %v", err)
	}
	if _, err := readMeta([]byte("ms foo 3000\r\n"), &req, args, Limits{MaxItemSize: 100}); err == nil {
		t.Fatal("too large accepted")
	}
	if _, err := readMeta([]byte("mg foo"), &req, args, Limits{MaxGetLineLength: 10}); err != ErrIncomplete {
		t.Fatal(err)
	}
}
