// Package zipf draws Zipf-distributed ranks for the load generator and
// the synthetic traces.
package zipf

import (
	"math"
	"math/rand/v2"
)

// Zipf draws ranks in [1, n] with P(k) proportional to 1/k^s, for any
// s > 0 (math/rand's Zipf needs s > 1; key-value benchmarks commonly use
// 0.99). It is the rejection-inversion sampler of W. Hörmann and G.
// Derflinger, "Rejection-inversion to generate variates from monotone
// discrete distributions" (1996): O(1) per draw, no table.
type Zipf struct {
	n           float64
	s           float64 // exponent
	hIntegralX1 float64
	hIntegralN  float64
	threshold   float64
}

// New returns a sampler of ranks in [1, n] with exponent s > 0.
func New(n int, s float64) *Zipf {
	z := &Zipf{n: float64(n), s: s}
	z.hIntegralX1 = z.hIntegral(1.5) - 1
	z.hIntegralN = z.hIntegral(z.n + 0.5)
	z.threshold = 2 - z.hIntegralInverse(z.hIntegral(2.5)-z.h(2))
	return z
}

// Sample draws one rank.
func (z *Zipf) Sample(r *rand.Rand) int {
	for {
		u := z.hIntegralN + r.Float64()*(z.hIntegralX1-z.hIntegralN)
		x := z.hIntegralInverse(u)
		k := math.Floor(x + 0.5)
		if k < 1 {
			k = 1
		} else if k > z.n {
			k = z.n
		}
		if k-x <= z.threshold || u >= z.hIntegral(k+0.5)-z.h(k) {
			return int(k)
		}
	}
}

// h is the density 1/x^s.
func (z *Zipf) h(x float64) float64 { return math.Exp(-z.s * math.Log(x)) }

// hIntegral is an antiderivative of h: (x^(1-s) - 1) / (1-s), or log x
// when s = 1.
func (z *Zipf) hIntegral(x float64) float64 {
	logX := math.Log(x)
	return helper2((1-z.s)*logX) * logX
}

func (z *Zipf) hIntegralInverse(x float64) float64 {
	t := x * (1 - z.s)
	if t < -1 {
		t = -1 // rounding may push t just past -1
	}
	return math.Exp(helper1(t) * x)
}

// helper1 is log(1+x)/x, accurate near 0.
func helper1(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Log1p(x) / x
	}
	return 1 - x*(0.5-x*(1.0/3-0.25*x))
}

// helper2 is (exp(x)-1)/x, accurate near 0.
func helper2(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Expm1(x) / x
	}
	return 1 + x*0.5*(1+x*(1.0/3)*(1+0.25*x))
}
