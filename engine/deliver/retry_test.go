package deliver

import (
	"errors"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	sched := DefaultSchedule()
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	plain := errors.New("503")
	cases := []struct {
		name         string
		err          error
		attempt, max int
		rnd          float64
		status       string
		wantIn       time.Duration // expected delay (0 when not pending)
		lo, hi       time.Duration // bounds when jittered
	}{
		{"success", nil, 1, 3, 0.5, store.DeliverySucceeded, 0, 0, 0},
		{"permanent", engine.Permanent(plain), 1, 3, 0.5, store.DeliveryFailed, 0, 0, 0},
		{"last attempt", plain, 3, 3, 0.5, store.DeliveryFailed, 0, 0, 0},
		{"first retry, no jitter", plain, 1, 3, 0.5, store.DeliveryPending, 5 * time.Second, 0, 0},
		{"first retry, -20%", plain, 1, 3, 0, store.DeliveryPending, 4 * time.Second, 0, 0},
		{"second retry, +20%", plain, 2, 3, 0.99999999, store.DeliveryPending, 0, 5*time.Minute + 59*time.Second, 6 * time.Minute},
		{"beyond the schedule repeats the last step", plain, 12, 20, 0.5, store.DeliveryPending, 10 * time.Hour, 0, 0},
		{"retry-after honoured", engine.RetryAfter(90*time.Second, plain), 1, 3, 0.9, store.DeliveryPending, 90 * time.Second, 0, 0},
		{"retry-after raised to the shortest step", engine.RetryAfter(time.Second, plain), 1, 3, 0.5, store.DeliveryPending, 5 * time.Second, 0, 0},
		{"retry-after cut to the longest step", engine.RetryAfter(48*time.Hour, plain), 1, 3, 0.5, store.DeliveryPending, 10 * time.Hour, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			status, at := decide(c.err, c.attempt, c.max, sched, now, func() float64 { return c.rnd })
			if status != c.status {
				t.Fatalf("status %s, want %s", status, c.status)
			}
			if status != store.DeliveryPending {
				if !at.IsZero() {
					t.Fatalf("run at %v for a finished delivery", at)
				}
				return
			}
			got := at.Sub(now)
			if c.hi > 0 {
				if got < c.lo || got > c.hi {
					t.Fatalf("delay %s, want within [%s, %s]", got, c.lo, c.hi)
				}
				return
			}
			if got != c.wantIn {
				t.Fatalf("delay %s, want %s", got, c.wantIn)
			}
		})
	}
}
