package persist

import (
	"bytes"
	"testing"
)

// BenchmarkLZ4 measures encoding (compression) and decoding of 4 KiB
// values, compressible and random; it reports the stored/original ratio.
func BenchmarkLZ4(b *testing.B) {
	text := bytes.Repeat([]byte(`{"user":"ratmemcache","id":12345,"tags":["cache","lz4"],"ok":true} `), 100)[:4096]
	values := map[string][]byte{"compressible": text, "random": []byte(randomString(4096))}
	for _, name := range []string{"compressible", "random"} {
		v := values[name]
		for _, level := range []int{0, 9} {
			c := testCodec(true, level)
			e := c.encode("k", v, 0, 0, 0)
			ratio := float64(len(v)) / float64(e.stored)
			b.Run(name+"/encode/level"+string(rune('0'+level)), func(b *testing.B) {
				b.SetBytes(int64(len(v)))
				b.ReportAllocs()
				for b.Loop() {
					c.encode("k", v, 0, 0, 0)
				}
				b.ReportMetric(ratio, "ratio")
			})
			if level == 0 {
				b.Run(name+"/decode", func(b *testing.B) {
					b.SetBytes(int64(len(v)))
					b.ReportAllocs()
					for b.Loop() {
						if _, _, err := decodeRecord(e.rec); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(ratio, "ratio")
				})
			}
		}
	}
}
