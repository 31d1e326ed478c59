package server

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
)

// capturePC is a net.PacketConn that records what is written to it.
type capturePC struct {
	net.PacketConn
	sent [][]byte
}

func (c *capturePC) WriteTo(p []byte, _ net.Addr) (int, error) {
	c.sent = append(c.sent, bytes.Clone(p))
	return len(p), nil
}

// TestUDPReplyFraming: a reply is cut into datagrams of at most 1400
// bytes, each with the request id, its sequence number and the total, and
// their payloads put back together are the reply.
func TestUDPReplyFraming(t *testing.T) {
	s := &Server{}
	for _, n := range []int{1, udpDataSize - 1, udpDataSize, udpDataSize + 1, 3*udpDataSize + 17} {
		reply := make([]byte, n)
		for i := range reply {
			reply[i] = byte(i * 7)
		}
		pc := &capturePC{}
		if err := s.udpReply(pc, nil, 0xbeef, reply); err != nil {
			t.Fatal(err)
		}
		want := (n + udpDataSize - 1) / udpDataSize
		if len(pc.sent) != want {
			t.Fatalf("%d bytes: %d datagrams, want %d", n, len(pc.sent), want)
		}
		var got []byte
		for seq, d := range pc.sent {
			if len(d) > udpMaxPayload || len(d) <= udpHeaderSize {
				t.Fatalf("%d bytes: datagram %d is %d bytes", n, seq, len(d))
			}
			if id, sq, total := binary.BigEndian.Uint16(d), binary.BigEndian.Uint16(d[2:]), binary.BigEndian.Uint16(d[4:]); id != 0xbeef || int(sq) != seq || int(total) != want || d[6]|d[7] != 0 {
				t.Fatalf("%d bytes: datagram %d header % x", n, seq, d[:8])
			}
			got = append(got, d[udpHeaderSize:]...)
		}
		if !bytes.Equal(got, reply) {
			t.Fatalf("%d bytes: reassembled reply differs", n)
		}
	}
}

// FuzzUDPDatagram serves arbitrary datagram payloads, text or binary:
// nothing panics, and a payload that is one complete get is answered.
func FuzzUDPDatagram(f *testing.F) {
	for _, seed := range []string{
		"get foo\r\n", "set foo 0 0 3\r\nabc\r\nget foo\r\n", "gets a b c\r\n", "set x 0 0 10\r\nshort",
		"\x80\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00foo",
		"\x80\x01\x00\x01\x08", "mg foo v\r\nmn\r\n", "quit\r\n", "stats\r\n", "",
	} {
		f.Add([]byte(seed))
	}
	s := &Server{Store: newLifecycleStore(), Logger: quietLogger()}
	s.init()
	addr := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	f.Fuzz(func(t *testing.T, payload []byte) {
		out := s.udpExchange(nil, payload, addr, addr)
		if string(payload) == "get foo\r\n" && !bytes.HasSuffix(out, []byte("END\r\n")) {
			t.Fatalf("get answered %q", out)
		}
	})
}
