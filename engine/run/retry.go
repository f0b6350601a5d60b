package run

import (
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/workflow"
)

// nextAttempt decides what happens after attempt number `attempt` (counting
// from 1) of a step failed with err, under policy p:
//
//   - retry is false when err is Permanent or the attempts are used up; the
//     step then fails.
//   - otherwise delay is how long to wait: the delay the other side asked
//     for with RetryAfter (capped at MaxDelay), or the policy's backoff —
//     Delay for "fixed", Delay·2^(attempt-1) for "exponential", capped at
//     MaxDelay — with jitter: a random value in [delay/2, delay].
//
// Context cancellation by the step's timeout is an ordinary, retryable
// error.
func nextAttempt(p workflow.RetryPolicy, attempt int, err error, randN func(int64) int64) (retry bool, delay time.Duration) {
	if engine.IsPermanent(err) || attempt >= p.MaxAttempts {
		return false, 0
	}
	if d, ok := engine.RetryAfterDelay(err); ok {
		if p.MaxDelay > 0 && d > p.MaxDelay {
			d = p.MaxDelay
		}
		return true, d
	}
	d := p.Delay
	if p.Backoff != "fixed" {
		for i := 1; i < attempt && (p.MaxDelay <= 0 || d < p.MaxDelay); i++ {
			d *= 2
		}
	}
	if p.MaxDelay > 0 && d > p.MaxDelay {
		d = p.MaxDelay
	}
	if d <= 0 {
		return true, 0
	}
	half := d / 2
	return true, half + time.Duration(randN(int64(d-half)+1))
}
