package deliver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/hookflow/hookflow/engine/store"
)

// DefaultSchedule returns the delay before each retry (SPEC 4): after the
// first failed attempt 5s, then 5m, 30m, 2h, 5h, 10h and 10h; the last
// step repeats for attempts beyond it.
func DefaultSchedule() []time.Duration {
	return []time.Duration{
		5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
	}
}

// DefaultDisableAfter is how long a subscription may fail every attempt
// before it is deactivated.
const DefaultDisableAfter = 5 * 24 * time.Hour

// Jitter is the share by which each retry delay varies either way.
const Jitter = 0.2

// Config configures a Deliverer. Store and Client are required.
type Config struct {
	Store store.Store
	// Client sends every delivery: the server's one guarded client.
	Client *http.Client
	// Owner names this node in leases; a random id when empty.
	Owner string
	// Workers is how many attempts run at once (default 128).
	Workers int
	// PerSubscription is how many attempts of one subscription run at
	// once (default 4).
	PerSubscription int
	// Prefetch is how many deliveries of one subscription a claim takes
	// (default 64); Buffer how many claimed deliveries may wait in memory
	// in all (default 8 × Workers).
	Prefetch int
	Buffer   int
	// Schedule is the retry schedule (default DefaultSchedule()); each delay
	// varies by ±Jitter.
	Schedule []time.Duration
	// Timeout bounds one attempt (default 30s); Lease how long a claimed
	// delivery stays ours without a heartbeat (default Timeout + 30s, and
	// never less than that).
	Timeout time.Duration
	Lease   time.Duration
	// DisableAfter deactivates a subscription whose attempts have all
	// failed that long (default DefaultDisableAfter; negative: never).
	DisableAfter time.Duration
	// Retention, when set, prunes finished deliveries older than it.
	Retention time.Duration
	// PollInterval is how often idle workers look for due deliveries that
	// were not announced with Wake (default 200ms); BatchWindow how long
	// outcomes gather before a commit (default 1ms).
	PollInterval time.Duration
	BatchWindow  time.Duration
	// Grace is how long attempts in flight may finish after the context
	// given to Run ends (default 5s); those still running are abandoned
	// and their deliveries handed back.
	Grace time.Duration
	// SingleNode hands back, at start, deliveries leased by any other
	// owner: right for SQLite, where no other node runs.
	SingleNode bool
	// Notify is called, after the commit, for each subscription that was
	// deactivated (the server publishes subscription.disabled). An error
	// leaves the notice pending: it is tried again at the next start.
	Notify func(ctx context.Context, sub *store.Subscription) error
	// Committed, when set, is called with every batch of outcomes after
	// its commit (metrics, benchmarks).
	Committed func(batch []store.DeliveryResult)
	// UserAgent is sent with every delivery.
	UserAgent string
	// Now is the clock for every stored time and decision (default
	// time.Now); Rand returns a number in [0, 1) for jitter (default
	// math/rand/v2). Rate limits use the real clock.
	Now  func() time.Time
	Rand func() float64
	// Logger receives the worker's logs; secrets never reach it.
	Logger *slog.Logger
}

// setDefaults fills what c leaves out and checks the rest.
func (c *Config) setDefaults() error {
	if c.Store == nil || c.Client == nil {
		return errors.New("new deliverer: Store and Client are required")
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.Owner == "" {
		c.Owner = "deliver-" + uuid.NewString()[:8]
	}
	def(&c.Workers, 128)
	def(&c.PerSubscription, 4)
	def(&c.Prefetch, 64)
	def(&c.Buffer, 8*c.Workers)
	defDur(&c.Timeout, 30*time.Second)
	c.Lease = max(c.Lease, c.Timeout+30*time.Second)
	defDur(&c.PollInterval, 200*time.Millisecond)
	defDur(&c.BatchWindow, time.Millisecond)
	defDur(&c.Grace, 5*time.Second)
	if c.DisableAfter == 0 {
		c.DisableAfter = DefaultDisableAfter
	}
	if len(c.Schedule) == 0 {
		c.Schedule = DefaultSchedule()
	}
	for _, d := range c.Schedule {
		if d <= 0 {
			return errors.New("new deliverer: every retry delay must be positive")
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.UserAgent == "" {
		c.UserAgent = "hookflow"
	}
	return nil
}

// disableAfter is DisableAfter as the store takes it (0: never).
func (c *Config) disableAfter() time.Duration {
	return max(c.DisableAfter, 0)
}
