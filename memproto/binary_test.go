package memproto

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

func TestBinaryHeaderRoundTrip(t *testing.T) {
	h := BinaryHeader{
		Magic: BinaryMagicResponse, Opcode: BinaryOpGATKQ, KeyLength: 0x1234,
		ExtrasLength: 0x56, DataType: 0x78, Status: 0x9abc, BodyLength: 0xdeadbeef,
		Opaque: 0xcafebabe, CAS: 0x0102030405060708,
	}
	b := AppendBinaryHeader(nil, h)
	want := []byte{0x81, 0x24, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xad, 0xbe, 0xef,
		0xca, 0xfe, 0xba, 0xbe, 1, 2, 3, 4, 5, 6, 7, 8}
	if !bytes.Equal(b, want) {
		t.Fatalf("AppendBinaryHeader = % x, want % x", b, want)
	}
	got, err := ParseBinaryHeader(b)
	if err != nil || got != h {
		t.Fatalf("ParseBinaryHeader = %+v, %v; want %+v", got, err, h)
	}
	if h.VBucket() != 0x9abc {
		t.Fatalf("VBucket = %#x", h.VBucket())
	}
	for n := 0; n < BinaryHeaderLen; n++ {
		if _, err := ParseBinaryHeader(b[:n]); err != ErrIncomplete {
			t.Fatalf("ParseBinaryHeader(%d bytes) err = %v", n, err)
		}
	}
	if (BinaryHeader{ExtrasLength: 4, KeyLength: 3, BodyLength: 6}).ValueLength() != -1 {
		t.Fatal("ValueLength of inconsistent header not -1")
	}
	if (BinaryHeader{ExtrasLength: 4, KeyLength: 3, BodyLength: 10}).ValueLength() != 3 {
		t.Fatal("ValueLength wrong")
	}
	if !IsBinaryMagic(0x80) || IsBinaryMagic('g') || IsBinaryMagic(0x81) {
		t.Fatal("IsBinaryMagic")
	}
}

func TestBinaryOpcodes(t *testing.T) {
	quiet := map[BinaryOpcode]BinaryOpcode{
		BinaryOpGetQ: BinaryOpGet, BinaryOpGetKQ: BinaryOpGetK, BinaryOpSetQ: BinaryOpSet,
		BinaryOpAddQ: BinaryOpAdd, BinaryOpReplaceQ: BinaryOpReplace, BinaryOpDeleteQ: BinaryOpDelete,
		BinaryOpIncrementQ: BinaryOpIncrement, BinaryOpDecrementQ: BinaryOpDecrement,
		BinaryOpQuitQ: BinaryOpQuit, BinaryOpFlushQ: BinaryOpFlush, BinaryOpAppendQ: BinaryOpAppend,
		BinaryOpPrependQ: BinaryOpPrepend, BinaryOpGATQ: BinaryOpGAT, BinaryOpGATKQ: BinaryOpGATK,
		BinaryOpRSetQ: BinaryOpRSet, BinaryOpRAppendQ: BinaryOpRAppend, BinaryOpRPrependQ: BinaryOpRPrepend,
		BinaryOpRDeleteQ: BinaryOpRDelete, BinaryOpRIncrQ: BinaryOpRIncr, BinaryOpRDecrQ: BinaryOpRDecr,
	}
	known := 0
	for i := 0; i < 256; i++ {
		op := BinaryOpcode(i)
		if op.Known() {
			known++
			if strings.HasPrefix(op.String(), "Opcode(") {
				t.Errorf("%#x: String %q", i, op.String())
			}
		} else if want := "Opcode(0x"; !strings.HasPrefix(op.String(), want) || len(op.String()) != len("Opcode(0x00)") {
			t.Errorf("%#x: String %q", i, op.String())
		}
		loud, isQuiet := quiet[op]
		if op.IsQuiet() != isQuiet {
			t.Errorf("%v.IsQuiet() = %v", op, op.IsQuiet())
		}
		if isQuiet {
			if op.Loud() != loud || loud.Quiet() != op || op.Quiet() != op || !strings.HasSuffix(op.String(), "Q") {
				t.Errorf("%v: Loud %v, Quiet of loud %v", op, op.Loud(), loud.Quiet())
			}
		} else if op.Loud() != op {
			t.Errorf("%v.Loud() = %v", op, op.Loud())
		}
	}
	if known != 49 {
		t.Errorf("%d known opcodes, want 49", known)
	}
	if BinaryOpcode(0x7).String() != "Quit" || BinaryOpcode(0xff).String() != "Opcode(0xff)" || BinaryOpcode(0x25).String() != "Opcode(0x25)" {
		t.Error("String")
	}
	for _, c := range []struct {
		op     BinaryOpcode
		status BinaryStatus
		want   bool
	}{
		{BinaryOpGet, BinaryStatusKeyNotFound, false},
		{BinaryOpGetQ, BinaryStatusKeyNotFound, true},
		{BinaryOpGetQ, BinaryStatusNoError, false},
		{BinaryOpGATKQ, BinaryStatusKeyNotFound, true},
		{BinaryOpGATQ, BinaryStatusInvalidArguments, false},
		{BinaryOpSetQ, BinaryStatusNoError, true},
		{BinaryOpSetQ, BinaryStatusKeyExists, false},
		{BinaryOpDeleteQ, BinaryStatusKeyNotFound, false},
		{BinaryOpIncrementQ, BinaryStatusNoError, true},
		{BinaryOpFlushQ, BinaryStatusNoError, true},
		{BinaryOpQuitQ, BinaryStatusNoError, true},
		{BinaryOpSet, BinaryStatusNoError, false},
		{BinaryOpNoop, BinaryStatusNoError, false},
	} {
		if got := c.op.SuppressesResponse(c.status); got != c.want {
			t.Errorf("%v.SuppressesResponse(%v) = %v", c.op, c.status, got)
		}
	}
}

func TestBinaryStatusMessages(t *testing.T) {
	// The strings of memcached 1.6.18's write_bin_error.
	want := map[BinaryStatus]string{
		BinaryStatusNoError:          "",
		BinaryStatusKeyNotFound:      "Not found",
		BinaryStatusKeyExists:        "Data exists for key.",
		BinaryStatusValueTooLarge:    "Too large.",
		BinaryStatusInvalidArguments: "Invalid arguments",
		BinaryStatusItemNotStored:    "Not stored.",
		BinaryStatusNonNumeric:       "Non-numeric server-side value for incr or decr",
		BinaryStatusAuthError:        "Auth failure.",
		BinaryStatusAuthContinue:     "",
		BinaryStatusUnknownCommand:   "Unknown command",
		BinaryStatusOutOfMemory:      "Out of memory",
		BinaryStatusVBucketNotHere:   "Not my vbucket",
		BinaryStatusNotSupported:     "Not supported",
		BinaryStatusInternalError:    "Internal error",
		BinaryStatusBusy:             "Busy",
		BinaryStatusTemporaryFailure: "Temporary failure",
	}
	for s, m := range want {
		if s.Message() != m {
			t.Errorf("%v.Message() = %q, want %q", s, s.Message(), m)
		}
		if strings.HasPrefix(s.String(), "Status(") {
			t.Errorf("%#x.String() = %q", uint16(s), s.String())
		}
	}
	if BinaryStatus(0x99).String() != "Status(0x99)" || BinaryStatus(0x99).Message() != "" {
		t.Error("unknown status")
	}
}

// binReq is the expectation of one request in the opcode table.
type binReq struct {
	name  string
	frame []byte
	want  BinaryRequest
}

func binaryRequestTable() []binReq {
	k := []byte("key")
	v := []byte("value")
	var t []binReq
	add := func(name string, frame []byte, want BinaryRequest) {
		h, _ := ParseBinaryHeader(frame)
		want.Header = h
		t = append(t, binReq{name, frame, want})
	}
	for _, op := range []BinaryOpcode{BinaryOpGet, BinaryOpGetQ, BinaryOpGetK, BinaryOpGetKQ} {
		add(op.String(), AppendBinaryGet(nil, op, 7, k), BinaryRequest{Key: k})
	}
	for _, op := range []BinaryOpcode{BinaryOpSet, BinaryOpSetQ, BinaryOpAdd, BinaryOpAddQ, BinaryOpReplace, BinaryOpReplaceQ} {
		add(op.String(), AppendBinarySet(nil, op, 8, 99, k, 0xf1a9, 3600, v),
			BinaryRequest{Extras: []byte{0, 0, 0xf1, 0xa9, 0, 0, 0x0e, 0x10}, Key: k, Value: v, Flags: 0xf1a9, Exptime: 3600})
	}
	add("SetEmptyValue", AppendBinarySet(nil, BinaryOpSet, 8, 0, k, 1, 2, nil),
		BinaryRequest{Extras: []byte{0, 0, 0, 1, 0, 0, 0, 2}, Key: k, Flags: 1, Exptime: 2})
	for _, op := range []BinaryOpcode{BinaryOpAppend, BinaryOpAppendQ, BinaryOpPrepend, BinaryOpPrependQ} {
		add(op.String(), AppendBinaryAppend(nil, op, 9, 5, k, v), BinaryRequest{Key: k, Value: v})
	}
	for _, op := range []BinaryOpcode{BinaryOpDelete, BinaryOpDeleteQ} {
		add(op.String(), AppendBinaryDelete(nil, op, 10, 6, k), BinaryRequest{Key: k})
	}
	for _, op := range []BinaryOpcode{BinaryOpIncrement, BinaryOpIncrementQ, BinaryOpDecrement, BinaryOpDecrementQ} {
		frame := AppendBinaryIncr(nil, op, 11, 0, k, 5, 100, BinaryIncrNoCreate)
		add(op.String(), frame, BinaryRequest{Extras: frame[24:44], Key: k, Delta: 5, Initial: 100, Exptime: BinaryIncrNoCreate})
	}
	for _, op := range []BinaryOpcode{BinaryOpTouch, BinaryOpGAT, BinaryOpGATQ, BinaryOpGATK, BinaryOpGATKQ} {
		add(op.String(), AppendBinaryTouch(nil, op, 12, k, 60), BinaryRequest{Extras: []byte{0, 0, 0, 60}, Key: k, Exptime: 60})
	}
	for _, op := range []BinaryOpcode{BinaryOpFlush, BinaryOpFlushQ} {
		add(op.String(), AppendBinaryFlush(nil, op, 13, 0), BinaryRequest{})
		add(op.String()+"Delay", AppendBinaryFlush(nil, op, 13, 30), BinaryRequest{Extras: []byte{0, 0, 0, 30}, Exptime: 30})
	}
	add("Noop", AppendBinaryNoop(nil, 14), BinaryRequest{})
	add("Version", AppendBinaryVersion(nil, 15), BinaryRequest{})
	add("Quit", AppendBinaryQuit(nil, BinaryOpQuit, 16), BinaryRequest{})
	add("QuitQ", AppendBinaryQuit(nil, BinaryOpQuitQ, 16), BinaryRequest{})
	add("Stat", AppendBinaryStat(nil, 17, nil), BinaryRequest{})
	add("StatGroup", AppendBinaryStat(nil, 17, []byte("settings")), BinaryRequest{Key: []byte("settings")})
	add("Verbosity", AppendBinaryVerbosity(nil, 18, 2), BinaryRequest{Extras: []byte{0, 0, 0, 2}, Verbosity: 2})
	add("SASLListMechs", AppendBinarySASLListMechs(nil, 19), BinaryRequest{})
	add("SASLAuth", AppendBinarySASLPlain(nil, 20, "user", "pw"), BinaryRequest{Key: []byte("PLAIN"), Value: []byte("\x00user\x00pw")})
	add("SASLStep", AppendBinarySASLAuth(nil, BinaryOpSASLStep, 21, []byte("CRAM-MD5"), []byte("resp")),
		BinaryRequest{Key: []byte("CRAM-MD5"), Value: []byte("resp")})
	return t
}

// normReq makes empty and nil slices compare equal.
func normReq(r BinaryRequest) BinaryRequest {
	for _, p := range []*[]byte{&r.Extras, &r.Key, &r.Value} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	return r
}

func TestParseBinaryRequestOpcodes(t *testing.T) {
	for _, c := range binaryRequestTable() {
		t.Run(c.name, func(t *testing.T) {
			var req BinaryRequest
			trailer := AppendBinaryNoop(nil, 1)
			buf := append(append([]byte(nil), c.frame...), trailer...)
			n, err := ParseBinaryRequest(buf, &req, Limits{})
			if err != nil || n != len(c.frame) {
				t.Fatalf("n, err = %d, %v; want %d, nil", n, err, len(c.frame))
			}
			if got, want := normReq(req), normReq(c.want); !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
			if req.Opcode() != c.want.Header.Opcode || req.Quiet() != c.want.Header.Opcode.IsQuiet() {
				t.Fatal("Opcode/Quiet")
			}
			// Client encoding of the parsed request gives the same bytes.
			if re := AppendBinaryRequest(nil, &req); !bytes.Equal(re, c.frame) {
				t.Fatalf("AppendBinaryRequest = % x\nwant                 % x", re, c.frame)
			}
			// Every strict prefix is incomplete.
			for cut := 0; cut < len(c.frame); cut++ {
				if n, err := ParseBinaryRequest(c.frame[:cut], &req, Limits{}); err != ErrIncomplete || n != 0 {
					t.Fatalf("cut %d: n, err = %d, %v", cut, n, err)
				}
			}
			// The reader agrees.
			r := NewBinaryReader(bufio.NewReader(bytes.NewReader(buf)), Limits{})
			if err := r.ReadRequest(&req); err != nil {
				t.Fatal(err)
			}
			if got, want := normReq(req), normReq(c.want); !reflect.DeepEqual(got, want) {
				t.Fatalf("reader got %+v\nwant %+v", got, want)
			}
			if err := r.ReadRequest(&req); err != nil || req.Opcode() != BinaryOpNoop {
				t.Fatalf("trailer: %v %v", err, req.Opcode())
			}
			if err := r.ReadRequest(&req); err != io.EOF {
				t.Fatalf("end: %v", err)
			}
		})
	}
}

// rawReq builds a request frame with arbitrary lengths.
func rawReq(op BinaryOpcode, ext, key int, body uint32, payload int) []byte {
	b := AppendBinaryHeader(nil, BinaryHeader{Magic: BinaryMagicRequest, Opcode: op,
		ExtrasLength: uint8(ext), KeyLength: uint16(key), BodyLength: body, Opaque: 0x01020304})
	return append(b, bytes.Repeat([]byte("k"), payload)...)
}

func TestParseBinaryRequestMalformed(t *testing.T) {
	lim := Limits{MaxItemSize: 1024}
	cases := []struct {
		name    string
		frame   []byte
		err     error
		n       int // bytes consumed
		swallow int
	}{
		{"BadMagicResponse", append([]byte{0x81}, AppendBinaryNoop(nil, 1)[1:]...), ErrBinaryBadMagic, 24, 0},
		{"BadMagicText", []byte("get foo\r\nget foo\r\nget foo\r\n"), ErrBinaryBadMagic, 24, 0},
		{"KeyLongerThanBody", rawReq(BinaryOpGet, 0, 4, 3, 3), ErrBinaryBadFraming, 24, 0},
		{"ExtrasLongerThanBody", rawReq(BinaryOpSet, 8, 0, 7, 7), ErrBinaryBadFraming, 24, 0},
		{"ExtrasAndKeyLongerThanBody", rawReq(BinaryOpSet, 8, 3, 10, 10), ErrBinaryBadFraming, 24, 0},
		{"UnknownOpcodeBadFraming", rawReq(0x42, 1, 1, 1, 1), ErrBinaryBadFraming, 24, 0},
		{"KeyTooLong", rawReq(BinaryOpGet, 0, 251, 251, 251), ErrBinaryInvalidArguments, 24, 0},
		{"KeyMaxLength", rawReq(BinaryOpGet, 0, 250, 250, 250), nil, 24 + 250, 0},
		{"GetWithExtras", rawReq(BinaryOpGet, 4, 1, 5, 5), ErrBinaryInvalidArguments, 24, 0},
		{"GetWithValue", rawReq(BinaryOpGet, 0, 1, 2, 2), ErrBinaryInvalidArguments, 24, 0},
		{"GetNoKey", rawReq(BinaryOpGetKQ, 0, 0, 0, 0), ErrBinaryInvalidArguments, 24, 0},
		{"SetNoExtras", rawReq(BinaryOpSet, 0, 1, 2, 2), ErrBinaryInvalidArguments, 24, 0},
		{"SetNoKey", rawReq(BinaryOpSetQ, 8, 0, 8, 8), ErrBinaryInvalidArguments, 24, 0},
		{"AppendWithExtras", rawReq(BinaryOpAppend, 8, 1, 9, 9), ErrBinaryInvalidArguments, 24, 0},
		{"DeleteWithValue", rawReq(BinaryOpDelete, 0, 1, 3, 3), ErrBinaryInvalidArguments, 24, 0},
		{"IncrShortExtras", rawReq(BinaryOpIncrement, 8, 1, 9, 9), ErrBinaryInvalidArguments, 24, 0},
		{"IncrWithValue", rawReq(BinaryOpDecrementQ, 20, 1, 22, 22), ErrBinaryInvalidArguments, 24, 0},
		{"TouchNoExtras", rawReq(BinaryOpTouch, 0, 1, 1, 1), ErrBinaryInvalidArguments, 24, 0},
		{"GATKNoKey", rawReq(BinaryOpGATK, 4, 0, 4, 4), ErrBinaryInvalidArguments, 24, 0},
		{"FlushBadExtras", rawReq(BinaryOpFlush, 8, 0, 8, 8), ErrBinaryInvalidArguments, 24, 0},
		{"FlushWithKey", rawReq(BinaryOpFlushQ, 0, 1, 1, 1), ErrBinaryInvalidArguments, 24, 0},
		{"NoopWithBody", rawReq(BinaryOpNoop, 0, 0, 1, 1), ErrBinaryInvalidArguments, 24, 0},
		{"VersionWithKey", rawReq(BinaryOpVersion, 0, 1, 1, 1), ErrBinaryInvalidArguments, 24, 0},
		{"QuitWithExtras", rawReq(BinaryOpQuit, 4, 0, 4, 4), ErrBinaryInvalidArguments, 24, 0},
		{"StatWithExtras", rawReq(BinaryOpStat, 4, 0, 4, 4), ErrBinaryInvalidArguments, 24, 0},
		{"ListMechsWithBody", rawReq(BinaryOpSASLListMechs, 0, 0, 5, 5), ErrBinaryInvalidArguments, 24, 0},
		{"SASLAuthNoKey", rawReq(BinaryOpSASLAuth, 0, 0, 5, 5), ErrBinaryInvalidArguments, 24, 0},
		{"VerbosityNoExtras", rawReq(BinaryOpVerbosity, 0, 0, 0, 0), ErrBinaryInvalidArguments, 24, 0},
		{"UnknownOpcode", rawReq(0x42, 0, 0, 3, 3), ErrBinaryUnknownCommand, 24, 3},
		{"UnknownOpcodeKey", rawReq(0x25, 2, 3, 10, 10), ErrBinaryUnknownCommand, 29, 5},
		{"RangeOpcode", rawReq(BinaryOpRGet, 0, 0, 0, 0), ErrBinaryUnknownCommand, 24, 0},
		{"UnknownOpcodeHugeBody", rawReq(0xff, 0, 1, 0xffffffff, 1), ErrBinaryUnknownCommand, 25, 0xfffffffe},
		{"SetTooLarge", rawReq(BinaryOpSet, 8, 1, 9+1025, 9), ErrBinaryTooLarge, 33, 1025},
		{"SetMaxSize", rawReq(BinaryOpSet, 8, 1, 9+1024, 9+1024), nil, 33 + 1024, 0},
		{"AppendHugeBody", rawReq(BinaryOpAppendQ, 0, 1, 0xffffffff, 1), ErrBinaryTooLarge, 25, 0xfffffffe},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var req BinaryRequest
			n, err := ParseBinaryRequest(c.frame, &req, lim)
			if c.err == nil {
				if err != nil || n != c.n {
					t.Fatalf("n, err = %d, %v; want %d, nil", n, err, c.n)
				}
				return
			}
			if !errors.Is(err, c.err) || n != c.n {
				t.Fatalf("n, err = %d, %v; want %d, %v", n, err, c.n, c.err)
			}
			var be *BinaryError
			if !errors.As(err, &be) || be.Swallow != c.swallow {
				t.Fatalf("err %#v, want swallow %d", err, c.swallow)
			}
			if req.Header.Magic == BinaryMagicRequest && req.Header.Opaque != 0x01020304 {
				t.Fatalf("header not filled: %+v", req.Header)
			}
			if be.Error() == "" {
				t.Fatal("empty Error()")
			}
			// The reply: memcached's error packet, or nothing for bad magic.
			reply := be.AppendReply(nil, req.Header.Opcode, req.Header.Opaque)
			if be.Status == BinaryStatusNoError {
				if len(reply) != 0 {
					t.Fatalf("reply to bad magic: %q", reply)
				}
			} else {
				var resp BinaryResponse
				if m, err := ParseBinaryResponse(reply, &resp); err != nil || m != len(reply) ||
					resp.Status() != be.Status || string(resp.Value) != be.Status.Message() ||
					resp.Header.Opaque != 0x01020304 || resp.Header.Opcode != req.Header.Opcode {
					t.Fatalf("reply %q: %+v %v", reply, resp, err)
				}
			}
			// The reader reports the same error and has skipped the swallow.
			if c.swallow < 1<<20 {
				stream := append([]byte(nil), c.frame...)
				if pad := c.n + c.swallow - len(c.frame); pad > 0 {
					stream = append(stream, make([]byte, pad)...)
				}
				stream = AppendBinaryNoop(stream, 77)
				r := NewBinaryReader(bufio.NewReaderSize(bytes.NewReader(stream), 16), lim)
				if err := r.ReadRequest(&req); !errors.Is(err, c.err) {
					t.Fatalf("reader err %v", err)
				}
				if !be.Close {
					if err := r.ReadRequest(&req); err != nil || req.Opcode() != BinaryOpNoop || req.Header.Opaque != 77 {
						t.Fatalf("after swallow: %v %+v", err, req.Header)
					}
				}
			}
		})
	}
}

func TestBinaryErrorIs(t *testing.T) {
	e := binarySwallow(ErrBinaryTooLarge, 10)
	if e == ErrBinaryTooLarge || !errors.Is(e, ErrBinaryTooLarge) || errors.Is(e, ErrBinaryUnknownCommand) || e.Swallow != 10 {
		t.Fatal("binarySwallow / Is")
	}
	if binarySwallow(ErrBinaryUnknownCommand, 0) != ErrBinaryUnknownCommand {
		t.Fatal("binarySwallow(0) not shared")
	}
	if errors.Is(ErrBinaryTooLarge, ErrTooLarge) || errors.Is(ErrBinaryBadFraming, ErrBinaryUnknownCommand) {
		t.Fatal("Is too loose")
	}
	for _, e := range []*BinaryError{ErrBinaryBadMagic, ErrBinaryBadFraming, ErrBinaryInvalidArguments, ErrBinaryUnknownCommand, ErrBinaryTooLarge} {
		if !strings.HasPrefix(e.Error(), "memproto: binary: ") {
			t.Errorf("Error() = %q", e.Error())
		}
	}
}

// binChunkReader returns its data in chunks of random sizes (at least one
// byte), like a network connection.
type binChunkReader struct {
	data []byte
	rng  *rand.Rand
}

func (c *binChunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := 1 + c.rng.Intn(len(c.data))
	if n > len(p) {
		n = len(p)
	}
	n = copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestBinaryPipelineRandomCuts(t *testing.T) {
	table := binaryRequestTable()
	rng := rand.New(rand.NewSource(1))
	lim := Limits{MaxItemSize: 4096}
	for iter := 0; iter < 200; iter++ {
		var stream []byte
		var want []BinaryRequest
		var values [][]byte
		for i := 0; i < 1+rng.Intn(30); i++ {
			if rng.Intn(8) == 0 {
				// A large value that does not fit a small bufio buffer.
				v := bytes.Repeat([]byte{byte('a' + i)}, 100+rng.Intn(3000))
				values = append(values, v)
				frame := AppendBinarySet(nil, BinaryOpSetQ, uint32(i), 0, []byte("big"), 1, 2, v)
				h, _ := ParseBinaryHeader(frame)
				want = append(want, BinaryRequest{Header: h, Extras: frame[24:32], Key: []byte("big"), Value: v, Flags: 1, Exptime: 2})
				stream = append(stream, frame...)
				continue
			}
			c := table[rng.Intn(len(table))]
			stream = append(stream, c.frame...)
			want = append(want, c.want)
		}
		// Slice parser, fed the stream in random cuts.
		var req BinaryRequest
		buf := []byte(nil)
		rest := stream
		got := 0
		for len(rest) > 0 || len(buf) > 0 {
			if len(rest) > 0 {
				k := 1 + rng.Intn(len(rest))
				buf = append(buf, rest[:k]...)
				rest = rest[k:]
			}
			for {
				n, err := ParseBinaryRequest(buf, &req, lim)
				if err == ErrIncomplete {
					if len(rest) == 0 && len(buf) > 0 {
						t.Fatalf("iter %d: incomplete at end with %d bytes", iter, len(buf))
					}
					break
				}
				if err != nil {
					t.Fatalf("iter %d: %v", iter, err)
				}
				if !reflect.DeepEqual(normReq(req), normReq(want[got])) {
					t.Fatalf("iter %d req %d: got %+v want %+v", iter, got, req, want[got])
				}
				got++
				buf = buf[n:]
			}
		}
		if got != len(want) {
			t.Fatalf("iter %d: parsed %d of %d", iter, got, len(want))
		}
		// Reader over a chunked connection, with a small buffer.
		r := NewBinaryReader(bufio.NewReaderSize(&binChunkReader{stream, rng}, 16+rng.Intn(600)), lim)
		for i := range want {
			if err := r.ReadRequest(&req); err != nil {
				t.Fatalf("iter %d reader req %d: %v", iter, i, err)
			}
			if !reflect.DeepEqual(normReq(req), normReq(want[i])) {
				t.Fatalf("iter %d reader req %d: got %+v want %+v", iter, i, req, want[i])
			}
		}
		if err := r.ReadRequest(&req); err != io.EOF {
			t.Fatalf("iter %d: end %v", iter, err)
		}
		_ = values
	}
}

func TestBinaryReaderErrors(t *testing.T) {
	var req BinaryRequest
	frame := AppendBinarySet(nil, BinaryOpSet, 1, 0, []byte("k"), 0, 0, []byte("value"))
	for cut := 1; cut < len(frame); cut++ {
		r := NewBinaryReader(bufio.NewReaderSize(bytes.NewReader(frame[:cut]), 16), Limits{})
		if err := r.ReadRequest(&req); err != io.ErrUnexpectedEOF {
			t.Fatalf("cut %d: %v", cut, err)
		}
	}
	r := NewBinaryReader(bufio.NewReader(bytes.NewReader(nil)), Limits{})
	if err := r.ReadRequest(&req); err != io.EOF {
		t.Fatalf("empty: %v", err)
	}
	// A too-large value is skipped, not buffered, even when it is huge.
	big := rawReq(BinaryOpSet, 8, 1, 9+64<<20, 9)
	stream := io.MultiReader(bytes.NewReader(big), io.LimitReader(zeroReader{}, 64<<20), bytes.NewReader(AppendBinaryNoop(nil, 5)))
	r = NewBinaryReader(bufio.NewReader(stream), Limits{})
	if err := r.ReadRequest(&req); !errors.Is(err, ErrBinaryTooLarge) {
		t.Fatalf("huge: %v", err)
	}
	if cap(r.buf) > binaryMaxPrefix {
		t.Fatalf("reader buffered %d bytes", cap(r.buf))
	}
	if err := r.ReadRequest(&req); err != nil || req.Opcode() != BinaryOpNoop {
		t.Fatalf("after huge: %v", err)
	}
	// Truncated inside a swallowed value.
	r = NewBinaryReader(bufio.NewReader(bytes.NewReader(big)), Limits{})
	if err := r.ReadRequest(&req); err != io.ErrUnexpectedEOF {
		t.Fatalf("truncated huge: %v", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestBinaryResponseEncoders(t *testing.T) {
	key := []byte("key")
	val := []byte("value")
	type want struct {
		op     BinaryOpcode
		status BinaryStatus
		cas    uint64
		extras string
		key    string
		value  string
		flags  uint32
	}
	cases := []struct {
		name  string
		frame []byte
		want  want
	}{
		{"Hit", AppendBinaryGetResponse(nil, BinaryOpGet, 1, 9, 0xabcd, key, val), want{BinaryOpGet, 0, 9, "\x00\x00\xab\xcd", "", "value", 0xabcd}},
		{"HitQ", AppendBinaryGetResponse(nil, BinaryOpGetQ, 1, 9, 1, key, val), want{BinaryOpGetQ, 0, 9, "\x00\x00\x00\x01", "", "value", 1}},
		{"HitK", AppendBinaryGetResponse(nil, BinaryOpGetK, 1, 9, 1, key, val), want{BinaryOpGetK, 0, 9, "\x00\x00\x00\x01", "key", "value", 1}},
		{"HitGATKQ", AppendBinaryGetResponse(nil, BinaryOpGATKQ, 1, 9, 1, key, val), want{BinaryOpGATKQ, 0, 9, "\x00\x00\x00\x01", "key", "value", 1}},
		{"Touch", AppendBinaryGetResponse(nil, BinaryOpTouch, 1, 9, 1, key, val), want{BinaryOpTouch, 0, 9, "\x00\x00\x00\x01", "", "", 1}},
		{"Miss", AppendBinaryGetMiss(nil, BinaryOpGet, 1, key), want{BinaryOpGet, BinaryStatusKeyNotFound, 0, "", "", "Not found", 0}},
		{"MissK", AppendBinaryGetMiss(nil, BinaryOpGATK, 1, key), want{BinaryOpGATK, BinaryStatusKeyNotFound, 0, "", "key", "", 0}},
		{"Counter", AppendBinaryCounterResponse(nil, BinaryOpIncrement, 1, 3, 42), want{BinaryOpIncrement, 0, 3, "", "", "\x00\x00\x00\x00\x00\x00\x00\x2a", 0}},
		{"Stat", AppendBinaryStatResponse(nil, 1, []byte("pid"), []byte("123")), want{BinaryOpStat, 0, 0, "", "pid", "123", 0}},
		{"StatEnd", AppendBinaryStatEnd(nil, 1), want{BinaryOpStat, 0, 0, "", "", "", 0}},
		{"Version", AppendBinaryVersionResponse(nil, 1, "1.6.18"), want{BinaryOpVersion, 0, 0, "", "", "1.6.18", 0}},
		{"OK", AppendBinaryOK(nil, BinaryOpSet, 1, 77), want{BinaryOpSet, 0, 77, "", "", "", 0}},
		{"Error", AppendBinaryError(nil, BinaryOpAddQ, 1, BinaryStatusKeyExists), want{BinaryOpAddQ, BinaryStatusKeyExists, 0, "", "", "Data exists for key.", 0}},
		{"ErrorMessage", AppendBinaryErrorMessage(nil, BinaryOpSet, 1, BinaryStatusOutOfMemory, "Out of memory allocating item"), want{BinaryOpSet, BinaryStatusOutOfMemory, 0, "", "", "Out of memory allocating item", 0}},
		{"Mechs", AppendBinarySASLMechsResponse(nil, 1, "PLAIN"), want{BinaryOpSASLListMechs, 0, 0, "", "", "PLAIN", 0}},
		{"SASLDone", AppendBinarySASLAuthResponse(nil, BinaryOpSASLAuth, 1, true, nil), want{BinaryOpSASLAuth, 0, 0, "", "", "Authenticated", 0}},
		{"SASLContinue", AppendBinarySASLAuthResponse(nil, BinaryOpSASLStep, 1, false, []byte("chal")), want{BinaryOpSASLStep, BinaryStatusAuthContinue, 0, "", "", "chal", 0}},
		{"Generic", AppendBinaryResponse(nil, 0x42, 0x85, 1, 5, []byte("e"), key, val), want{0x42, BinaryStatusBusy, 5, "e", "key", "value", 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r BinaryResponse
			n, err := ParseBinaryResponse(c.frame, &r)
			if err != nil || n != len(c.frame) {
				t.Fatalf("n, err = %d, %v", n, err)
			}
			got := want{r.Header.Opcode, r.Status(), r.Header.CAS, string(r.Extras), string(r.Key), string(r.Value), r.Flags}
			if got != c.want || r.Header.Opaque != 1 || r.Header.Magic != BinaryMagicResponse {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
			// Header-only encoders followed by the value give the same bytes.
			re := AppendBinaryResponseHeader(nil, r.Header.Opcode, r.Status(), 1, r.Header.CAS, r.Extras, r.Key, len(r.Value))
			if re = append(re, r.Value...); !bytes.Equal(re, c.frame) {
				t.Fatalf("re-encoded % x\nwant % x", re, c.frame)
			}
			for cut := 0; cut < len(c.frame); cut++ {
				if n, err := ParseBinaryResponse(c.frame[:cut], &r); err != ErrIncomplete || n != 0 {
					t.Fatalf("cut %d: %d %v", cut, n, err)
				}
			}
		})
	}
	if got := AppendBinaryGetMiss([]byte("x"), BinaryOpGetKQ, 1, key); string(got) != "x" {
		t.Fatalf("quiet miss appended %q", got)
	}
	if v, ok := (&BinaryResponse{Value: make([]byte, 8)}).Counter(); !ok || v != 0 {
		t.Fatal("Counter")
	}
	if _, ok := (&BinaryResponse{Value: make([]byte, 7)}).Counter(); ok {
		t.Fatal("Counter of 7 bytes")
	}
	hdr := AppendBinaryGetResponseHeader(nil, BinaryOpGetK, 1, 2, 3, key, 5)
	if h, _ := ParseBinaryHeader(hdr); h.BodyLength != 4+3+5 || len(hdr) != 24+4+3 {
		t.Fatalf("AppendBinaryGetResponseHeader: %+v", h)
	}
}

func TestParseBinaryResponseMalformed(t *testing.T) {
	var r BinaryResponse
	ok := AppendBinaryVersionResponse(nil, 1, "1.6.18")
	bad := append([]byte{0x80}, ok[1:]...)
	if _, err := ParseBinaryResponse(bad, &r); err != ErrBinaryResponseMagic {
		t.Fatalf("magic: %v", err)
	}
	frame := AppendBinaryHeader(nil, BinaryHeader{Magic: BinaryMagicResponse, KeyLength: 5, ExtrasLength: 4, BodyLength: 8})
	frame = append(frame, make([]byte, 8)...)
	if _, err := ParseBinaryResponse(frame, &r); err != ErrBinaryResponseFraming {
		t.Fatalf("framing: %v", err)
	}
	rr := NewBinaryResponseReader(bufio.NewReader(bytes.NewReader(frame)), Limits{})
	if err := rr.ReadResponse(&r); err != ErrBinaryResponseFraming {
		t.Fatalf("reader framing: %v", err)
	}
	rr = NewBinaryResponseReader(bufio.NewReader(bytes.NewReader(bad)), Limits{})
	if err := rr.ReadResponse(&r); err != ErrBinaryResponseMagic {
		t.Fatalf("reader magic: %v", err)
	}
	huge := AppendBinaryHeader(nil, BinaryHeader{Magic: BinaryMagicResponse, BodyLength: 2048 + binaryMaxPrefix + 1})
	rr = NewBinaryResponseReader(bufio.NewReader(bytes.NewReader(huge)), Limits{MaxItemSize: 2048})
	if err := rr.ReadResponse(&r); err != ErrBinaryResponseTooLarge {
		t.Fatalf("reader huge: %v", err)
	}
	if _, err := ParseBinaryResponse(huge, &r); err != ErrIncomplete {
		t.Fatalf("slice huge: %v", err)
	}
	for cut := 1; cut < len(ok); cut++ {
		rr = NewBinaryResponseReader(bufio.NewReaderSize(bytes.NewReader(ok[:cut]), 16), Limits{})
		if err := rr.ReadResponse(&r); err != io.ErrUnexpectedEOF {
			t.Fatalf("cut %d: %v", cut, err)
		}
	}
}

func TestBinaryResponseReaderRandomCuts(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for iter := 0; iter < 100; iter++ {
		var stream []byte
		var values []string
		for i := 0; i < 1+rng.Intn(20); i++ {
			v := strings.Repeat(string(rune('a'+i%26)), rng.Intn(2000))
			values = append(values, v)
			stream = AppendBinaryGetResponse(stream, BinaryOpGetK, uint32(i), uint64(i), uint32(i), []byte("k"), []byte(v))
		}
		rr := NewBinaryResponseReader(bufio.NewReaderSize(&binChunkReader{stream, rng}, 16+rng.Intn(500)), Limits{})
		var r BinaryResponse
		for i, v := range values {
			if err := rr.ReadResponse(&r); err != nil {
				t.Fatalf("iter %d resp %d: %v", iter, i, err)
			}
			if string(r.Value) != v || string(r.Key) != "k" || r.Header.Opaque != uint32(i) || r.Flags != uint32(i) {
				t.Fatalf("iter %d resp %d: %+v", iter, i, r.Header)
			}
		}
		if err := rr.ReadResponse(&r); err != io.EOF {
			t.Fatalf("end: %v", err)
		}
	}
}

func TestAppendBinaryRequestOtherOpcodes(t *testing.T) {
	// Opcodes without a known layout send req.Extras as they are.
	req := BinaryRequest{Header: BinaryHeader{Opcode: BinaryOpRGet, Opaque: 3, Status: 7}, Extras: []byte{1, 2}, Key: []byte("k"), Value: []byte("v")}
	b := AppendBinaryRequest(nil, &req)
	h, _ := ParseBinaryHeader(b)
	if h.Magic != BinaryMagicRequest || h.ExtrasLength != 2 || h.KeyLength != 1 || h.BodyLength != 4 || h.VBucket() != 7 || string(b[24:]) != "\x01\x02kv" {
		t.Fatalf("% x", b)
	}
	// Flush with Exptime 0 drops its extras.
	req = BinaryRequest{Header: BinaryHeader{Opcode: BinaryOpFlush}, Extras: []byte{0, 0, 0, 0}}
	if b := AppendBinaryRequest(nil, &req); len(b) != 24 {
		t.Fatalf("flush: % x", b)
	}
	req.Reset()
	if !reflect.DeepEqual(req, BinaryRequest{}) {
		t.Fatal("Reset")
	}
}

func TestParseBinaryGetAllocs(t *testing.T) {
	frame := AppendBinaryGet(nil, BinaryOpGetKQ, 1, []byte("some:key:1234"))
	var req BinaryRequest
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseBinaryRequest(frame, &req, Limits{}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per parse", allocs)
	}
	stream := bytes.Repeat(frame, 1000)
	br := bytes.NewReader(stream)
	r := NewBinaryReader(bufio.NewReader(br), Limits{})
	allocs = testing.AllocsPerRun(100, func() {
		if err := r.ReadRequest(&req); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per ReadRequest", allocs)
	}
	var out []byte
	out = AppendBinaryGetResponse(out, BinaryOpGetKQ, 1, 2, 3, req.Key, []byte("value"))
	allocs = testing.AllocsPerRun(100, func() {
		out = AppendBinaryGetResponse(out[:0], BinaryOpGetKQ, 1, 2, 3, req.Key, []byte("value"))
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per AppendBinaryGetResponse", allocs)
	}
}

func BenchmarkParseBinaryGet(b *testing.B) {
	frame := AppendBinaryGet(nil, BinaryOpGet, 1, []byte("some:key:1234"))
	var req BinaryRequest
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := ParseBinaryRequest(frame, &req, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBinarySet(b *testing.B) {
	frame := AppendBinarySet(nil, BinaryOpSetQ, 1, 0, []byte("some:key:1234"), 1, 0, make([]byte, 100))
	var req BinaryRequest
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := ParseBinaryRequest(frame, &req, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBinaryReaderGet(b *testing.B) {
	frame := AppendBinaryGet(nil, BinaryOpGetKQ, 1, []byte("some:key:1234"))
	stream := bytes.Repeat(frame, 4096)
	br := bytes.NewReader(stream)
	bufr := bufio.NewReader(br)
	r := NewBinaryReader(bufr, Limits{})
	var req BinaryRequest
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if err := r.ReadRequest(&req); err != nil {
			br.Reset(stream)
			bufr.Reset(br)
		}
	}
}

func BenchmarkAppendBinaryGetResponse(b *testing.B) {
	key, val := []byte("some:key:1234"), make([]byte, 100)
	out := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		out = AppendBinaryGetResponse(out[:0], BinaryOpGetK, 1, 2, 3, key, val)
	}
	_ = binary.BigEndian.Uint32(out[12:])
}
