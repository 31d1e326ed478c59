package server

import "github.com/ratmemcache/ratmemcache/memproto"

// meta serves the meta commands (mg ms md ma mn me).
func (h *textHandler) meta() error {
	return h.write([]byte(memproto.ReplyError))
}
