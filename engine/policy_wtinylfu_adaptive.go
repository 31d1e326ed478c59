package engine

// The adaptive W-TinyLFU (one of the experts of "hybrid") is W-TinyLFU
// (see tinyLFU) whose window share adapts
// to the workload by hill climbing, as in Caffeine: the hit ratio is
// sampled over a period of requests; if it improved since the previous
// period, the window boundary keeps moving in the same direction, otherwise
// it reverses; the step decays geometrically and restarts at full size when
// the hit ratio jumps (a phase change). The window may range over the whole
// capacity: at 100% the policy degenerates to LRU (best for recency-heavy
// traces such as corda), at 0% to TinyLFU-admitted SLRU (best for
// frequency-heavy and looping traces). Admission ties are broken with a
// little randomness (jitter) for warm candidates.

const (
	// adaptiveInitialWindow is the window share the climber starts from.
	adaptiveInitialWindow = 0.01
	// climbStepFrac is the initial (and restart) step, a fraction of the
	// capacity.
	climbStepFrac = 0.0625
	// climbDecay shrinks the step after each period without a phase change.
	climbDecay = 0.98
	// climbRestart is the hit-ratio change that counts as a phase change.
	climbRestart = 0.05
	// climbPeriodFactor sets the sample period to this many requests per
	// resident entry (at least climbMinPeriod).
	climbPeriodFactor = 10
	climbMinPeriod    = 512
	// jitterMinFreq is the least estimated frequency of a candidate that may
	// be admitted at random when it does not beat the victim.
	jitterMinFreq = 6
)

// climber is the hill-climbing state of the adaptive W-TinyLFU.
type climber struct {
	hits, misses uint64
	prevRate     float64
	step         float64 // signed, in weight units
	started      bool
}

// newAdaptiveTinyLFU returns the adaptive W-TinyLFU.
func newAdaptiveTinyLFU(capacity uint64) *tinyLFU {
	p := newTinyLFU(capacity, adaptiveInitialWindow)
	p.adaptive = true
	p.jitter = true
	p.rnd = 0x2545F4914F6CDD1D
	p.climb.step = climbStepFrac * float64(p.capacity)
	return p
}

// maybeAdapt ends a sample period when enough requests were seen and moves
// the window boundary.
func (p *tinyLFU) maybeAdapt() {
	c := &p.climb
	total := c.hits + c.misses
	period := max(uint64(climbPeriodFactor*p.resident()), climbMinPeriod)
	if total < period {
		return
	}
	rate := float64(c.hits) / float64(total)
	c.hits, c.misses = 0, 0
	if !c.started {
		c.started = true
		c.prevRate = rate
		p.moveWindow(c.step)
		return
	}
	delta := rate - c.prevRate
	c.prevRate = rate
	step := c.step
	if delta < 0 {
		step = -step
	}
	if delta >= climbRestart || delta <= -climbRestart {
		full := climbStepFrac * float64(p.capacity)
		if step < 0 {
			full = -full
		}
		c.step = full
	} else {
		c.step = step * climbDecay
	}
	p.moveWindow(step)
}

// moveWindow shifts the window/main boundary by delta weight units; the
// segments then drift to their new shares through ordinary evictions.
func (p *tinyLFU) moveWindow(delta float64) {
	w := float64(p.windowCap) + delta
	switch {
	case w < 0:
		w = 0
	case w > float64(p.capacity):
		w = float64(p.capacity)
	}
	p.setWindow(uint64(w))
}
