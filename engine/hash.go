package engine

import "math/bits"

// Key hashing: a small multiply-fold hash in the spirit of wyhash, written
// for this package. It reads 8 bytes at a time, folds each word into the
// state with a 64x64->128 multiply, and finishes with an avalanche step.
// It is seeded per cache, does not allocate, and works on both string and
// []byte keys (the two instantiations compile to separate code).

const (
	hashK0 = 0xa0761d6478bd642f
	hashK1 = 0xe7037ed1a0b428db
	hashK2 = 0x8ebc6af09c88c6e3
)

func fold(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func load64[K ~string | ~[]byte](k K, i int) uint64 {
	_ = k[i+7]
	return uint64(k[i]) | uint64(k[i+1])<<8 | uint64(k[i+2])<<16 | uint64(k[i+3])<<24 |
		uint64(k[i+4])<<32 | uint64(k[i+5])<<40 | uint64(k[i+6])<<48 | uint64(k[i+7])<<56
}

// hashKey hashes k with seed.
func hashKey[K ~string | ~[]byte](seed uint64, k K) uint64 {
	n := len(k)
	h := seed ^ fold(uint64(n)^hashK0, hashK1)
	i := 0
	for ; i+8 <= n; i += 8 {
		h = fold(h^load64(k, i), hashK1)
	}
	if i < n {
		var t uint64
		for j := n - 1; j >= i; j-- {
			t = t<<8 | uint64(k[j])
		}
		h = fold(h^t^hashK2, hashK1)
	}
	return fold(h^(h>>29), hashK2)
}
