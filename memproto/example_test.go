package memproto_test

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/ratmemcache/ratmemcache/memproto"
)

// A server-side loop: read pipelined requests, answer each, and report a
// refused one with memcached's own reply.
func ExampleReader() {
	in := "set greeting 5 0 5\r\nhello\r\nget greeting nokey\r\nincr greeting x\r\n"
	r := memproto.NewReader(bufio.NewReader(strings.NewReader(in)), memproto.Limits{})
	store := map[string]string{}
	flags := map[string]uint32{}
	var req memproto.Request
	var out []byte
	for {
		err := r.ReadRequest(&req)
		if pe, ok := err.(*memproto.Error); ok {
			out = pe.AppendReply(out)
			continue
		}
		if err != nil {
			break // io.EOF
		}
		switch req.Command {
		case memproto.CmdSet:
			store[string(req.Key)] = string(req.Value)
			flags[string(req.Key)] = req.Flags
			out = append(out, memproto.ReplyStored...)
		case memproto.CmdGet:
			for _, k := range req.Keys {
				if v, ok := store[string(k)]; ok {
					out = memproto.AppendValue(out, k, flags[string(k)], []byte(v))
				}
			}
			out = append(out, memproto.ReplyEnd...)
		}
	}
	fmt.Printf("%q\n", out)
	// Output:
	// "STORED\r\nVALUE greeting 5 5\r\nhello\r\nEND\r\nCLIENT_ERROR invalid numeric delta argument\r\n"
}

// A client: encode a pipeline of requests, then parse the server's replies.
func ExampleResponseReader() {
	var reqs []byte
	reqs = memproto.AppendStore(reqs, memproto.CmdSet, []byte("k"), 7, 0, []byte("v1"), 0, false)
	reqs = memproto.AppendGet(reqs, memproto.CmdGets, []byte("k"))
	fmt.Printf("%q\n", reqs)

	// What memcached answers to those two requests:
	replies := "STORED\r\nVALUE k 7 2 1\r\nv1\r\nEND\r\n"
	rr := memproto.NewResponseReader(bufio.NewReader(strings.NewReader(replies)))
	var resp memproto.Response
	for rr.ReadResponse(&resp) == nil {
		switch resp.Kind {
		case memproto.KindStored:
			fmt.Println("stored")
		case memproto.KindValue:
			fmt.Printf("value %s=%s flags=%d cas=%d\n", resp.Key, resp.Value, resp.Flags, resp.CAS)
		case memproto.KindEnd:
			fmt.Println("end")
		}
	}
	// Output:
	// "set k 7 0 2\r\nv1\r\ngets k\r\n"
	// stored
	// value k=v1 flags=7 cas=1
	// end
}
