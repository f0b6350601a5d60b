package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// deferError asks the executor to run the step again at a later time
// without counting a failure: the step is queued in the store until then,
// holding no goroutine, so the wait survives a restart.
type deferError struct {
	until time.Time
	state any
}

func (e *deferError) Error() string {
	return fmt.Sprintf("waiting until %s", e.until.UTC().Format(time.RFC3339))
}

// Defer returns the error through which an action waits durably: the step
// is queued again for until, and its next attempt finds state in
// Step.Resume. The `delay` action is built on it.
func Defer(until time.Time, state any) error { return &deferError{until: until, state: state} }

// Deferred reports whether err asks for a durable wait, and until when.
func Deferred(err error) (until time.Time, state any, ok bool) {
	var d *deferError
	if errors.As(err, &d) {
		return d.until, d.state, true
	}
	return time.Time{}, nil, false
}

// A Publisher publishes an event (SPEC section 4) durably and starts the
// workflows that listen for its type; the emit action uses it. A non-empty
// dedupeKey makes a second publication with the same key a no-op that
// returns the first event's id.
type Publisher interface {
	Publish(ctx context.Context, typ string, data any, dedupeKey string) (eventID string, err error)
}
