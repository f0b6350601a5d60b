package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/signature"
)

// Retry-After values of the 503 answers.
const (
	drainRetryAfter   = 5 * time.Second
	busyRetryAfter    = time.Second
	storageRetryAfter = 5 * time.Second
)

// checkDraining answers 503 while the server drains.
func (t *Trigger) checkDraining(*request) *answer {
	if t.opts.Draining == nil || !t.opts.Draining() {
		return nil
	}
	return errorAnswer(fiber.StatusServiceUnavailable, "the server is shutting down; retry later").retryAfter(drainRetryAfter)
}

// findRoute answers 404 when no workflow listens on the path.
func (t *Trigger) findRoute(r *request) *answer {
	r.route = r.tab.routes[r.path]
	if r.route == nil {
		return errorAnswer(fiber.StatusNotFound, "no workflow listens on /hooks/"+shortPath(r.path))
	}
	return nil
}

// checkMethod keeps the workflows that take the method, or answers 405
// with the Allow header.
func (t *Trigger) checkMethod(r *request) *answer {
	for _, h := range r.route.hooks {
		if h.allows(r.method) {
			r.hooks = append(r.hooks, h)
		}
	}
	if len(r.hooks) > 0 {
		return nil
	}
	a := errorAnswer(fiber.StatusMethodNotAllowed,
		fmt.Sprintf("method %s is not allowed on /hooks/%s: use %s", r.method, r.path, r.route.allow))
	a.headers = append(a.headers, [2]string{fiber.HeaderAllow, r.route.allow})
	return a
}

// checkSize keeps the workflows whose max_body the body fits in, or
// answers 413 with the largest of their limits.
func (t *Trigger) checkSize(r *request) *answer {
	n := int64(len(r.body))
	var limit int64
	kept := r.hooks[:0:0]
	for _, h := range r.hooks {
		limit = max(limit, h.maxBody)
		if n <= h.maxBody {
			kept = append(kept, h)
		}
	}
	if len(kept) == 0 {
		return errorAnswer(fiber.StatusRequestEntityTooLarge,
			fmt.Sprintf("the body of %s is over the limit of %s", formatSize(n), formatSize(limit)))
	}
	r.hooks = kept
	return nil
}

// checkRate answers 429 with Retry-After when the path is over its rate.
func (t *Trigger) checkRate(r *request) *answer {
	if r.route.limiter == nil {
		return nil
	}
	wait, ok := take(r.route.limiter, t.opts.Now())
	if ok {
		return nil
	}
	secs := retryAfterSeconds(wait)
	return errorAnswer(fiber.StatusTooManyRequests,
		fmt.Sprintf("/hooks/%s is over its rate limit; retry in %d s", r.path, secs)).retryAfter(wait)
}

// admit takes an in-flight slot, or answers 503 with Retry-After when
// MaxInFlight requests are in hand. The handler gives the slot back.
func (t *Trigger) admit(r *request) *answer {
	if t.slots == nil {
		return nil
	}
	select {
	case t.slots <- struct{}{}:
		r.release = func() { <-t.slots }
		return nil
	default:
		return errorAnswer(fiber.StatusServiceUnavailable, "too many requests are being handled; retry later").retryAfter(busyRetryAfter)
	}
}

// errMisconfigured is the 401 sentence of a workflow whose verify settings
// could not be evaluated at load.
var errMisconfigured = errors.New("the signature cannot be checked: the workflow's verify settings are invalid")

// verify keeps the workflows whose signature check passes on the raw body,
// or answers 401 with the first failure's sentence.
func (t *Trigger) verify(r *request) *answer {
	headers := signature.HeaderFunc(func(name string) string { return r.headers[lower(name)] })
	var first error
	kept := r.hooks[:0:0]
	for _, h := range r.hooks {
		err := h.verifyErr
		if err == nil && h.verifier != nil {
			err = h.verifier.Verify(headers, r.body)
		}
		if err == nil {
			kept = append(kept, h)
		} else if first == nil {
			first = err
		}
	}
	if len(kept) > 0 {
		r.hooks = kept
		return nil
	}
	sentence := errMisconfigured.Error()
	var sigErr *signature.Error
	if errors.As(first, &sigErr) {
		sentence = sigErr.Error()
	}
	return errorAnswer(fiber.StatusUnauthorized, sentence)
}

// dispatch stores the event and a run per remaining workflow. It answers
// 202 after the commit, 200 for a duplicate and 503 when storage fails; it
// passes a request whose workflow waits for its respond step on.
func (t *Trigger) dispatch(r *request) *answer {
	targets := make([]run.Target, len(r.hooks))
	for i, h := range r.hooks {
		targets[i] = h.target
	}
	ctx, cancel := context.WithTimeout(r.ctx, dispatchTimeout)
	defer cancel()
	res, err := t.opts.Dispatcher.Dispatch(ctx, r.ev, targets)
	if err != nil {
		t.opts.Logger.Error("webhook event not stored", "path", r.path, "err", err)
		return errorAnswer(fiber.StatusServiceUnavailable, "the event could not be stored; retry later").retryAfter(storageRetryAfter)
	}
	r.result = res
	if res.Duplicate {
		a := idAnswer(fiber.StatusOK, idBody{ID: res.EventID, Duplicate: true}, "duplicate")
		a.eventID = res.EventID
		return a
	}
	if _, _, ok := r.waiting(); ok {
		return nil
	}
	a := idAnswer(fiber.StatusAccepted, idBody{ID: res.EventID}, "accepted")
	a.eventID, a.runIDs = res.EventID, res.RunIDs
	return a
}

// lower lower-cases an ASCII header name without allocating when it is
// already lower case.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// formatSize writes a byte count the way max_body is written.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
