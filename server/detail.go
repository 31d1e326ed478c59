package server

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strconv"
	"sync"
	"sync/atomic"
)

// prefixStats keeps memcached's per-prefix statistics ("stats detail"):
// for every key prefix (the part of a key before the first delimiter)
// the gets, hits, sets and deletes seen while detail is on. Keys without
// the delimiter are not counted, as in memcached. Recording costs one
// atomic load while detail is off.
type prefixStats struct {
	on    atomic.Bool
	delim byte
	mu    sync.Mutex
	byKey map[string]*prefixCounts
	// buckets orders the dump as memcached does: by MurmurHash3 of the
	// prefix modulo 256, newest first within a bucket.
	buckets [prefixBuckets][]*prefixCounts
}

const prefixBuckets = 256 // memcached's PREFIX_HASH_SIZE

type prefixCounts struct {
	prefix                 string
	gets, hits, sets, dels uint64
}

type prefixEvent uint8

const (
	prefixGet prefixEvent = iota
	prefixHit             // a get that found the item
	prefixSet
	prefixDelete
)

// record counts ev for key's prefix when detail is on.
func (p *prefixStats) record(key []byte, ev prefixEvent) {
	if !p.on.Load() {
		return
	}
	i := bytes.IndexByte(key, p.delim)
	if z := bytes.IndexByte(key, 0); i < 0 || (z >= 0 && z < i) {
		return // memcached stops at a NUL byte
	}
	prefix := key[:i]
	p.mu.Lock()
	pc := p.byKey[string(prefix)]
	if pc == nil {
		if p.byKey == nil {
			p.byKey = make(map[string]*prefixCounts)
		}
		pc = &prefixCounts{prefix: string(prefix)}
		p.byKey[pc.prefix] = pc
		b := &p.buckets[murmur3(prefix)%prefixBuckets]
		*b = append(*b, pc) // dumped from the end: newest first
	}
	switch ev {
	case prefixGet:
		pc.gets++
	case prefixHit:
		pc.gets++
		pc.hits++
	case prefixSet:
		pc.sets++
	case prefixDelete:
		pc.dels++
	}
	p.mu.Unlock()
}

// recordGet counts a get of key, hit or miss.
func (p *prefixStats) recordGet(key []byte, hit bool) {
	if hit {
		p.record(key, prefixHit)
	} else {
		p.record(key, prefixGet)
	}
}

// appendDump appends memcached's "stats detail dump" reply, END included.
func (p *prefixStats) appendDump(b []byte) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.buckets {
		bucket := p.buckets[i]
		for j := len(bucket) - 1; j >= 0; j-- {
			pc := bucket[j]
			b = append(b, "PREFIX "...)
			b = append(b, pc.prefix...)
			b = append(b, " get "...)
			b = strconv.AppendUint(b, pc.gets, 10)
			b = append(b, " hit "...)
			b = strconv.AppendUint(b, pc.hits, 10)
			b = append(b, " set "...)
			b = strconv.AppendUint(b, pc.sets, 10)
			b = append(b, " del "...)
			b = strconv.AppendUint(b, pc.dels, 10)
			b = append(b, "\r\n"...)
		}
	}
	return append(b, "END\r\n"...)
}

// clear forgets every prefix (stats reset).
func (p *prefixStats) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.byKey = nil
	p.buckets = [prefixBuckets][]*prefixCounts{}
}

// murmur3 is MurmurHash3 x86_32 with seed 0, memcached's default hash.
func murmur3(data []byte) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	var h uint32
	n := len(data)
	for len(data) >= 4 {
		k := binary.LittleEndian.Uint32(data)
		data = data[4:]
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	var k uint32
	switch len(data) {
	case 3:
		k ^= uint32(data[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(data[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(data[0])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(n)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// resetStats is "stats reset": the store's counters, the connection
// counters memcached resets, and the per-prefix statistics.
func (s *Server) resetStats() {
	s.store.ResetStats()
	s.st.totalConns.Store(0)
	s.st.rejectedConns.Store(0)
	s.st.bytesRead.Store(0)
	s.st.bytesWritten.Store(0)
	s.st.authCmds.Store(0)
	s.st.authErrors.Store(0)
	s.st.metaCmds.Store(0)
	s.st.storeTooLarge.Store(0)
	s.st.storeNoMemory.Store(0)
	s.st.idleKicks.Store(0)
	s.st.connYields.Store(0)
	s.prefix.clear()
}

// bindingProtocol names Protocol as memcached's stats settings does.
func (s *Server) bindingProtocol() string {
	switch s.Protocol {
	case "ascii":
		return "ascii"
	case "binary":
		return "binary"
	}
	return "auto-negotiate"
}

// countStoreFailure counts a store refused as too large or for memory
// (stats store_too_large, store_no_memory).
func (s *Server) countStoreFailure(st Status) {
	switch st {
	case StatusTooLarge:
		s.st.storeTooLarge.Add(1)
	case StatusNoMemory:
		s.st.storeNoMemory.Add(1)
	}
}

// stateName is the connection's state as memcached's stats conns names
// it: conn_read while waiting for a request or for the rest of its line,
// conn_nread while waiting for a data block, conn_parse_cmd while a
// request is being served.
func (c *conn) stateName() string {
	switch c.state.Load() {
	case stateWatching:
		return "conn_watch"
	case stateIdle, stateParked:
		return "conn_read"
	}
	if c.cr.waiting.Load() {
		if r := c.text.Load(); r != nil && r.InDataBlock() {
			return "conn_nread"
		}
		return "conn_read"
	}
	return "conn_parse_cmd"
}
