// Command memfill measures the memory cost of storing many small items,
// in the engine or in a running memcached, for docs/benchmarks.md.
//
//	go run ./engine/internal/cmd/memfill -n 1000000 -value 100
//	go run ./engine/internal/cmd/memfill -n 1000000 -value 100 -memcached 127.0.0.1:11311 -pid PID
//
// Keys are 16 bytes ("key:%012d"). In engine mode it reports the Go heap
// and the process's VmRSS before and after; in memcached mode it sends the
// sets over one pipelined connection with noreply and reads the server's
// VmRSS from /proc/PID/status.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/ratmemcache/ratmemcache/engine"
)

func main() {
	n := flag.Int("n", 1_000_000, "items to store")
	size := flag.Int("value", 100, "value size in bytes")
	mem := flag.Int64("m", 1024, "engine MaxMemory in MiB")
	addr := flag.String("memcached", "", "fill the memcached at this address instead of the engine")
	pid := flag.Int("pid", 0, "memcached's process id (memcached mode)")
	policy := flag.String("policy", "", "engine eviction policy (default: the engine's)")
	shards := flag.Int("shards", 0, "engine shards (default: the engine's)")
	memprofile := flag.String("memprofile", "", "write a heap profile of the filled engine to this file")
	flag.Parse()
	value := bytes.Repeat([]byte("v"), *size)
	if *addr != "" {
		fillMemcached(*addr, *pid, *n, value)
		return
	}
	fillEngine(*n, value, &engine.Config{MaxMemory: *mem << 20, EvictionPolicy: *policy, Shards: *shards}, *memprofile)
}

func key(i int) string { return fmt.Sprintf("key:%012d", i) }

func fillEngine(n int, value []byte, cfg *engine.Config, memprofile string) {
	rss0 := rss(os.Getpid())
	heap0 := heap()
	c, err := engine.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	for i := range n {
		if _, err := c.Set(key(i), value, 0, 0); err != nil {
			log.Fatal(err)
		}
	}
	rssNoGC := rss(os.Getpid())
	runtime.GC()
	debug.FreeOSMemory()
	heap1, rss1 := heap(), rss(os.Getpid())
	st := c.Stats()
	fmt.Printf("engine: items=%d evictions=%d accounted=%d bytes (%.1f/item)\n",
		st.CurrItems, st.Evictions, st.AccountedBytes, float64(st.AccountedBytes)/float64(st.CurrItems))
	fmt.Printf("engine: heap %0.1f MiB -> %0.1f MiB (%.1f bytes/item)\n",
		mib(heap0), mib(heap1), float64(heap1-heap0)/float64(n))
	fmt.Printf("engine: VmRSS right after the fill (no forced GC): %0.1f MiB\n", mib(rssNoGC))
	fmt.Printf("engine: VmRSS %0.1f MiB -> %0.1f MiB (%.1f bytes/item; payload %d bytes/item)\n",
		mib(rss0), mib(rss1), float64(rss1-rss0)/float64(n), len(key(0))+len(value))
	if memprofile != "" {
		f, err := os.Create(memprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
	runtime.KeepAlive(c)
}

func fillMemcached(addr string, pid, n int, value []byte) {
	rss0 := rss(pid)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	w := bufio.NewWriterSize(conn, 1<<16)
	for i := range n {
		fmt.Fprintf(w, "set %s 0 0 %d noreply\r\n", key(i), len(value))
		w.Write(value)
		w.WriteString("\r\n")
	}
	w.WriteString("stats\r\n")
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	r := bufio.NewReader(conn)
	stats := map[string]string{}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			log.Fatal(err)
		}
		line = strings.TrimSpace(line)
		if line == "END" {
			break
		}
		if f := strings.Fields(line); len(f) == 3 && f[0] == "STAT" {
			stats[f[1]] = f[2]
		}
	}
	rss1 := rss(pid)
	fmt.Printf("memcached: curr_items=%s evictions=%s bytes=%s version=%s\n",
		stats["curr_items"], stats["evictions"], stats["bytes"], stats["version"])
	fmt.Printf("memcached: VmRSS %0.1f MiB -> %0.1f MiB (%.1f bytes/item; payload %d bytes/item)\n",
		mib(rss0), mib(rss1), float64(rss1-rss0)/float64(n), len(key(0))+len(value))
}

func heap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// rss returns VmRSS of a process in bytes.
func rss(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	log.Fatal("no VmRSS")
	return 0
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
