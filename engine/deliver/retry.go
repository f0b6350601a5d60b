package deliver

import (
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// decide turns the outcome of attempt number seriesAttempt (counting from
// 1 in its series) into the delivery's next state:
//
//   - nil succeeds;
//   - a Permanent error, or any error once maxAttempts attempts of the
//     series are used, fails the delivery;
//   - any other error makes it pending again at now plus retryDelay.
func decide(err error, seriesAttempt, maxAttempts int, schedule []time.Duration, now time.Time, rnd func() float64) (status string, runAt time.Time) {
	switch {
	case err == nil:
		return store.DeliverySucceeded, time.Time{}
	case engine.IsPermanent(err) || seriesAttempt >= maxAttempts:
		return store.DeliveryFailed, time.Time{}
	}
	return store.DeliveryPending, now.Add(retryDelay(err, seriesAttempt, schedule, rnd))
}

// retryDelay is the wait after failed attempt number seriesAttempt: the
// schedule's step for it (the last step repeating), varied by ±Jitter
// with rnd in [0, 1). A receiver's Retry-After (engine.RetryAfterDelay) is
// honoured instead, without jitter, but kept within the schedule's
// shortest and longest steps.
func retryDelay(err error, seriesAttempt int, schedule []time.Duration, rnd func() float64) time.Duration {
	if d, ok := engine.RetryAfterDelay(err); ok {
		lo, hi := schedule[0], schedule[0]
		for _, s := range schedule {
			lo, hi = min(lo, s), max(hi, s)
		}
		return min(max(d, lo), hi)
	}
	step := schedule[min(max(seriesAttempt, 1), len(schedule))-1]
	return time.Duration(float64(step) * (1 + Jitter*(2*rnd()-1)))
}
