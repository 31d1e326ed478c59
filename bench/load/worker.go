package load

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"github.com/ratmemcache/ratmemcache/bench/hist"
	"github.com/ratmemcache/ratmemcache/memproto"
)

type opKind uint8

const (
	opGet opKind = iota
	opSet
	opSync // version (text) or mn (meta): marks the end of an open-loop run
)

// slot is one request in flight.
type slot struct {
	t        int64 // when it was sent (closed loop) or due (open loop), ns since base
	op       opKind
	measured bool
	failed   bool
	nkeys    int32
	hits     int32
}

// stats are the measured counters of one connection, owned by its
// receiving goroutine.
type stats struct {
	gets, sets, keys, hits, errors uint64
	prefillErrors                  uint64
	lastDone                       int64
	hist                           hist.Histogram
}

// worker drives one connection. In closed loop one goroutine does
// everything; in open loop the sender (runOpen) and the receiver
// (receiveLoop) share only the ring, through head and tail.
type worker struct {
	progressCounters
	sh  *shared
	cfg *Config
	id  int
	nc  net.Conn
	rng *rand.Rand

	getFrac float64
	window  int // requests in flight in the measured phase

	// ring holds the requests in flight: slots [head, tail) are owned by
	// the receiver, the others by the sender.
	ring []slot
	mask uint64
	head atomic.Uint64
	tail atomic.Uint64

	wbuf  []byte
	rbuf  []byte
	r, w  int
	readT int64 // when the last bytes arrived, ns since base

	keys  [][]byte // MultiGet keys, each aliasing keyArena
	value []byte

	resp     memproto.Response
	mresp    memproto.MetaResponse
	mgFlags  []memproto.MetaFlag
	mgqFlags []memproto.MetaFlag
	quota    int64 // measured requests left to send (request-count mode)
	stats    stats
	sent     uint64 // sender side
	received uint64 // receiver side
	space    chan struct{}
	unsent   uint64 // open loop: requests due in the run but not sent by its end
	doneOpen bool   // receiver: the sync reply arrived
}

func newWorker(sh *shared, id int, nc net.Conn) *worker {
	c := sh.cfg
	size := 1
	for size < max(c.Pipeline, 32) {
		size <<= 1
	}
	w := &worker{
		sh: sh, cfg: c, id: id, nc: nc,
		rng:      rand.New(rand.NewPCG(c.Seed, uint64(id)+1)),
		getFrac:  c.Ratio.GetFraction(),
		window:   c.Pipeline,
		ring:     make([]slot, size),
		mask:     uint64(size - 1),
		rbuf:     make([]byte, 64<<10),
		value:    make([]byte, c.Sizes.Max()),
		mgFlags:  []memproto.MetaFlag{{Flag: 'v'}},
		mgqFlags: []memproto.MetaFlag{{Flag: 'v'}, {Flag: 'q'}},
		space:    make(chan struct{}, 1),
	}
	for i := range w.value {
		w.value[i] = 'a' + byte(i%26)
	}
	klen := len(c.KeyPrefix) + sh.keyWidth
	arena := make([]byte, klen*c.MultiGet)
	for i := range c.MultiGet {
		k := arena[i*klen : (i+1)*klen : (i+1)*klen]
		copy(k, c.KeyPrefix)
		w.keys = append(w.keys, k)
	}
	w.wbuf = make([]byte, 0, 64<<10)
	return w
}

// clock returns the time since the run's base, in nanoseconds.
func (w *worker) clock() int64 { return int64(time.Since(w.sh.base)) }

func (w *worker) inflight() int { return int(w.tail.Load() - w.head.Load()) }

// setKey writes key index i into w.keys[j].
func (w *worker) setKey(j, i int) []byte {
	k := w.keys[j]
	for p := len(k) - 1; p >= len(w.cfg.KeyPrefix); p-- {
		k[p] = byte('0' + i%10)
		i /= 10
	}
	return k
}

// push encodes one request due or sent at t and adds it to the ring.
// key >= 0 forces a set of that key (pre-fill).
func (w *worker) push(t int64, measured bool, key int) {
	c := w.cfg
	s := &w.ring[w.tail.Load()&w.mask]
	*s = slot{t: t, measured: measured}
	switch {
	case key < 0 && (w.getFrac >= 1 || (w.getFrac > 0 && w.rng.Float64() < w.getFrac)):
		s.op = opGet
		n := c.MultiGet
		s.nkeys = int32(n)
		for j := range n {
			w.setKey(j, w.sh.picker.pick(w.rng))
		}
		if c.Protocol == Text {
			w.wbuf = memproto.AppendGet(w.wbuf, memproto.CmdGet, w.keys[:n]...)
		} else if n == 1 {
			w.wbuf = memproto.AppendMetaRequest(w.wbuf, memproto.CmdMetaGet, w.keys[0], w.mgFlags, nil)
		} else {
			for _, k := range w.keys[:n] {
				w.wbuf = memproto.AppendMetaRequest(w.wbuf, memproto.CmdMetaGet, k, w.mgqFlags, nil)
			}
			w.wbuf = append(w.wbuf, "mn\r\n"...)
		}
	default:
		s.op = opSet
		if key < 0 {
			key = w.sh.picker.pick(w.rng)
		}
		k := w.setKey(0, key)
		v := w.value[:c.Sizes.Pick(w.rng)]
		if c.Protocol == Text {
			w.wbuf = memproto.AppendStore(w.wbuf, memproto.CmdSet, k, 0, 0, v, 0, false)
		} else {
			w.wbuf = memproto.AppendMetaRequest(w.wbuf, memproto.CmdMetaSet, k, nil, v)
		}
	}
	w.sent++
	w.tail.Store(w.tail.Load() + 1)
}

// pushSync adds the request that ends an open-loop run.
func (w *worker) pushSync(t int64) {
	s := &w.ring[w.tail.Load()&w.mask]
	*s = slot{t: t, op: opSync}
	if w.cfg.Protocol == Text {
		w.wbuf = append(w.wbuf, "version\r\n"...)
	} else {
		w.wbuf = append(w.wbuf, "mn\r\n"...)
	}
	w.tail.Store(w.tail.Load() + 1)
}

func (w *worker) flush() error {
	if len(w.wbuf) == 0 {
		return nil
	}
	_, err := w.nc.Write(w.wbuf)
	w.wbuf = w.wbuf[:0]
	return err
}

// fill reads more bytes into rbuf, growing it when a reply does not fit.
func (w *worker) fill() error {
	if w.r == w.w {
		w.r, w.w = 0, 0
	} else if w.r > 0 {
		w.w = copy(w.rbuf, w.rbuf[w.r:w.w])
		w.r = 0
	}
	if w.w == len(w.rbuf) {
		nb := make([]byte, 2*len(w.rbuf))
		copy(nb, w.rbuf[:w.w])
		w.rbuf = nb
	}
	n, err := w.nc.Read(w.rbuf[w.w:])
	if n > 0 {
		w.w += n
		w.readT = w.clock()
		return nil
	}
	if err == nil {
		err = errors.New("empty read")
	}
	return err
}

var errUnexpected = errors.New("load: reply does not match the request")

// consume parses every complete reply in rbuf and completes the requests
// they answer; it returns how many it completed.
func (w *worker) consume() (int, error) {
	done := 0
	head, tail := w.head.Load(), w.tail.Load()
	for head != tail {
		s := &w.ring[head&w.mask]
		var complete bool
		var err error
		if w.cfg.Protocol == Text {
			complete, err = w.parseText(s)
		} else {
			complete, err = w.parseMeta(s)
		}
		if err == memproto.ErrIncomplete {
			break
		}
		if err != nil {
			w.head.Store(head)
			return done, err
		}
		if !complete {
			continue
		}
		w.complete(s)
		head++
		done++
		if done&63 == 0 {
			w.head.Store(head) // let an open-loop sender go on
		}
	}
	w.head.Store(head)
	if done > 0 {
		w.progressOps.Store(w.stats.gets + w.stats.sets)
		w.progressErrs.Store(w.stats.errors)
	}
	if head == tail && w.r < w.w {
		return done, fmt.Errorf("%w: %q with no request in flight", errUnexpected, clip(w.rbuf[w.r:w.w]))
	}
	return done, nil
}

func clip(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

// parseText parses one reply line for s.
func (w *worker) parseText(s *slot) (complete bool, err error) {
	n, err := memproto.ParseResponse(w.rbuf[w.r:w.w], &w.resp)
	if err != nil {
		return false, err
	}
	w.r += n
	k := w.resp.Kind
	switch {
	case k == memproto.KindError || k == memproto.KindClientError || k == memproto.KindServerError:
		s.failed = true
		return true, nil
	case s.op == opGet && k == memproto.KindValue:
		s.hits++
		return false, nil
	case s.op == opGet && k == memproto.KindEnd:
		return true, nil
	case s.op == opSet && k == memproto.KindStored:
		return true, nil
	case s.op == opSet && (k == memproto.KindNotStored || k == memproto.KindExists || k == memproto.KindNotFound):
		s.failed = true
		return true, nil
	case s.op == opSync && k == memproto.KindVersion:
		w.doneOpen = true
		return true, nil
	}
	return false, fmt.Errorf("%w: %q", errUnexpected, clip(w.resp.Line))
}

// parseMeta parses one meta reply for s.
func (w *worker) parseMeta(s *slot) (complete bool, err error) {
	n, err := memproto.ParseMetaResponse(w.rbuf[w.r:w.w], &w.mresp)
	if err != nil {
		return false, err
	}
	w.r += n
	code := w.mresp.Code
	multi := s.op == opGet && s.nkeys > 1
	switch {
	case code == memproto.MetaError || code == memproto.MetaClientError || code == memproto.MetaServerError:
		s.failed = true
		return !multi, nil
	case s.op == opGet && code == memproto.MetaVA:
		s.hits++
		return !multi, nil
	case s.op == opGet && code == memproto.MetaEN:
		return !multi, nil
	case multi && code == memproto.MetaMN:
		return true, nil
	case s.op == opSet && code == memproto.MetaHD:
		return true, nil
	case s.op == opSet && (code == memproto.MetaNS || code == memproto.MetaEX || code == memproto.MetaNF):
		s.failed = true
		return true, nil
	case s.op == opSync && code == memproto.MetaMN:
		w.doneOpen = true
		return true, nil
	}
	return false, fmt.Errorf("%w: meta code %s", errUnexpected, code)
}

// complete accounts for a finished request.
func (w *worker) complete(s *slot) {
	if s.op == opSync {
		return
	}
	w.received++
	st := &w.stats
	if !s.measured {
		if s.failed {
			st.prefillErrors++
		}
		return
	}
	if s.op == opGet {
		st.gets++
		st.keys += uint64(s.nkeys)
		st.hits += uint64(s.hits)
	} else {
		st.sets++
	}
	if s.failed {
		st.errors++
	}
	st.hist.Record(w.readT - s.t)
	st.lastDone = w.readT
}

// receiveSome blocks until at least one request completes.
func (w *worker) receiveSome() error {
	for {
		n, err := w.consume()
		if err != nil || n > 0 {
			return err
		}
		if err := w.fill(); err != nil {
			return err
		}
	}
}

// more reports whether a request sent or due at t belongs to the run,
// and whether it is measured.
func (w *worker) more(t int64) (ok, measured bool) {
	sh := w.sh
	measured = t >= sh.measureFrom
	if sh.end > 0 {
		return t < sh.end, measured
	}
	return !measured || w.quota > 0, measured
}

// runClosed runs the closed loop: keep the window full until the end.
func (w *worker) runClosed() error {
	for {
		now := w.clock()
		for w.inflight() < w.window {
			ok, measured := w.more(now)
			if !ok {
				break
			}
			if measured && w.sh.end == 0 {
				w.quota--
			}
			w.push(now, measured, -1)
		}
		if err := w.flush(); err != nil {
			return err
		}
		if w.inflight() == 0 {
			return nil
		}
		if err := w.receiveSome(); err != nil {
			return err
		}
	}
}

// prefill sets keys [lo, hi) with a full ring in flight.
func (w *worker) prefill(lo, hi int) error {
	next := lo
	for {
		for next < hi && w.inflight() < len(w.ring) {
			w.push(w.clock(), false, next)
			next++
		}
		if err := w.flush(); err != nil {
			return err
		}
		if w.inflight() == 0 {
			return nil
		}
		if err := w.receiveSome(); err != nil {
			return err
		}
	}
}

// flushAll sends flush_all and waits for its OK.
func (w *worker) flushAll() error {
	w.wbuf = memproto.AppendFlushAll(w.wbuf, 0, false)
	if err := w.flush(); err != nil {
		return err
	}
	for {
		n, err := memproto.ParseResponse(w.rbuf[w.r:w.w], &w.resp)
		if err == memproto.ErrIncomplete {
			if err := w.fill(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		w.r += n
		if w.resp.Kind != memproto.KindOK {
			return fmt.Errorf("load: flush_all answered %q", w.resp.Line)
		}
		return nil
	}
}

// runOpen runs the open loop at rate requests per second on this
// connection: requests are due at fixed intervals, staggered across
// connections, and sent when due if the window has room.
func (w *worker) runOpen(rate float64) error {
	interval := 1e9 / rate
	start := w.clock() + int64(interval*float64(w.id)/float64(w.cfg.Conns))
	recvErr := make(chan error, 1)
	go func() {
		err := w.receiveLoop()
		if err != nil {
			w.nc.Close() // unblock the sender
		}
		recvErr <- err
	}()
	k := int64(0)
	due := start
	for {
		ok, _ := w.more(due)
		if !ok {
			break
		}
		now := w.clock()
		if end := w.sh.end; end > 0 && now >= end {
			// Overloaded: requests due before the end were not sent by
			// then. They are counted as unsent, not queued past the end.
			w.unsent += uint64((float64(end-due) + interval - 1) / interval)
			break
		}
		if due > now {
			time.Sleep(time.Duration(due - now))
			now = w.clock()
		}
		for due <= now {
			ok, measured := w.more(due)
			if !ok {
				break
			}
			if w.inflight() >= w.window {
				if err := w.flush(); err != nil {
					return errors.Join(err, <-recvErr)
				}
				select {
				case <-w.space:
				case err := <-recvErr:
					return errNotNil(err)
				}
				continue
			}
			if measured && w.sh.end == 0 {
				w.quota--
			}
			w.push(due, measured, -1)
			k++
			due = start + int64(interval*float64(k))
		}
		if err := w.flush(); err != nil {
			return errors.Join(err, <-recvErr)
		}
	}
	for w.inflight() >= len(w.ring) {
		select {
		case <-w.space:
		case err := <-recvErr:
			return errNotNil(err)
		}
	}
	w.pushSync(w.clock())
	if err := w.flush(); err != nil {
		return errors.Join(err, <-recvErr)
	}
	return <-recvErr
}

func errNotNil(err error) error {
	if err == nil {
		return errors.New("load: receiver stopped early")
	}
	return err
}

// receiveLoop reads replies until the sync request of runOpen completes.
func (w *worker) receiveLoop() error {
	for {
		n, err := w.consume()
		if err != nil {
			return err
		}
		if n > 0 {
			select {
			case w.space <- struct{}{}:
			default:
			}
		}
		if w.doneOpen {
			return nil
		}
		if err := w.fill(); err != nil {
			return err
		}
	}
}
