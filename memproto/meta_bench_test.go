package memproto

import "testing"

func BenchmarkParseMetaGet(b *testing.B) {
	line := []byte("mg user:12345:profile v k c f t s O12345678 T300 q")
	var req Request
	args := make([][]byte, 0, 24)
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		var cmd Command
		cmd, args = splitMetaLine(line, args)
		req.Reset()
		req.Command = cmd
		if err := parseMeta(&req, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseMetaGetTokens measures parseMeta alone, on the tokens
// the text tokenizer hands it.
func BenchmarkParseMetaGetTokens(b *testing.B) {
	_, args := splitMetaLine([]byte("mg user:12345:profile v k c f t s O12345678 T300 q"), nil)
	var req Request
	b.ReportAllocs()
	for b.Loop() {
		req.Reset()
		req.Command = CmdMetaGet
		if err := parseMeta(&req, args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMetaSet(b *testing.B) {
	line := []byte("ms user:12345:profile 512 T300 F7 C12345 MS q k O9")
	var req Request
	args := make([][]byte, 0, 24)
	b.ReportAllocs()
	for b.Loop() {
		var cmd Command
		cmd, args = splitMetaLine(line, args)
		req.Reset()
		req.Command = cmd
		if err := parseMeta(&req, args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMetaGetBase64(b *testing.B) {
	line := []byte("mg dXNlcjoxMjM0NTpwcm9maWxl b v k c")
	var req Request
	args := make([][]byte, 0, 24)
	b.ReportAllocs()
	for b.Loop() {
		var cmd Command
		cmd, args = splitMetaLine(line, args)
		req.Reset()
		req.Command = cmd
		if err := parseMeta(&req, args); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendMetaReply(b *testing.B) {
	var req Request
	cmd, args := splitMetaLine([]byte("mg user:12345:profile v k c f t s O12345678"), nil)
	req.Command = cmd
	if err := parseMeta(&req, args); err != nil {
		b.Fatal(err)
	}
	it := &MetaItem{Value: make([]byte, 100), Size: 100, CAS: 99, ClientFlags: 7, TTL: -1}
	dst := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		dst = req.AppendMetaReply(dst[:0], MetaVA, it)
	}
}

func BenchmarkParseMetaResponse(b *testing.B) {
	resp := []byte("VA 5 k12345 c99 f7 t-1 s5 O12345678\r\nhello\r\n")
	var r MetaResponse
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMetaResponse(resp, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseMetaAllocs pins the allocation-free parse of mg, ms and a
// base64 key once the Request's buffers have grown.
func TestParseMetaAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, line := range []string{
		"mg user:12345:profile v k c f t s O12345678 T300 q",
		"ms user:12345:profile 512 T300 F7 C12345 MS q k O9",
		"mg dXNlcjoxMjM0NTpwcm9maWxl b v k c",
		"ma cnt N0 J10 D5 MD q v t c k O1",
	} {
		line := []byte(line)
		var req Request
		args := make([][]byte, 0, 24)
		allocs := testing.AllocsPerRun(100, func() {
			var cmd Command
			cmd, args = splitMetaLine(line, args)
			req.Reset()
			req.Command = cmd
			if err := parseMeta(&req, args); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%q: %v allocs per parse", line, allocs)
		}
	}
}
