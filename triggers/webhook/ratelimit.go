package webhook

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters keeps one token bucket per path. A path keeps its bucket across
// Loads, so a reload does not refill it; buckets of paths that are gone are
// dropped.
type limiters struct {
	limit rate.Limit // 0: no limit
	burst int

	mu     sync.Mutex
	byPath map[string]*rate.Limiter
}

// newLimiters returns per-path limiters of perSecond with burst (default:
// perSecond rounded up, at least 1); perSecond <= 0 means no limit.
func newLimiters(perSecond float64, burst int) *limiters {
	l := &limiters{byPath: map[string]*rate.Limiter{}}
	if perSecond <= 0 {
		return l
	}
	l.limit = rate.Limit(perSecond)
	l.burst = burst
	if l.burst <= 0 {
		l.burst = max(1, int(math.Ceil(perSecond)))
	}
	return l
}

// keep returns the limiters of paths, creating missing ones and dropping
// those of other paths; nil when there is no limit.
func (l *limiters) keep(paths []string) map[string]*rate.Limiter {
	if l.limit <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	next := make(map[string]*rate.Limiter, len(paths))
	for _, p := range paths {
		lim := l.byPath[p]
		if lim == nil {
			lim = rate.NewLimiter(l.limit, l.burst)
		}
		next[p] = lim
	}
	l.byPath = next
	return next
}

// take takes one token at now. When none is left it takes nothing and
// returns how long until one is.
func take(lim *rate.Limiter, now time.Time) (wait time.Duration, ok bool) {
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Second, false
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return 0, true
	}
	r.CancelAt(now)
	return d, false
}

// retryAfterSeconds is d in whole seconds, rounded up, at least 1: the
// value of a Retry-After header.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
