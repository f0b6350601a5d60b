package webhook

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
)

// A Dispatcher stores an event and a run per target durably.
// (*run.Engine).Dispatch is one.
type Dispatcher interface {
	// Dispatch stores ev (setting ev.ID when empty) and one run per target,
	// in the order of targets, and returns only after the commit. For an
	// event whose DedupeKey is already stored it starts nothing and
	// returns the first event's id with Duplicate set. An error means the
	// event may not be stored: the caller must not answer 2xx.
	Dispatch(ctx context.Context, ev *engine.Event, targets []run.Target) (engine.AcceptResult, error)
}

// DispatcherFunc adapts a function to the Dispatcher interface; tests use
// it.
type DispatcherFunc func(ctx context.Context, ev *engine.Event, targets []run.Target) (engine.AcceptResult, error)

// Dispatch calls f.
func (f DispatcherFunc) Dispatch(ctx context.Context, ev *engine.Event, targets []run.Target) (engine.AcceptResult, error) {
	return f(ctx, ev, targets)
}

// Options configure a Trigger. Dispatcher is required; every other field
// has a working zero value.
type Options struct {
	// Dispatcher stores the events.
	Dispatcher Dispatcher
	// Env is what verify.secret and verify_token see as env (their
	// ${{ env.NAME }}); they are evaluated when a workflow loads.
	Env map[string]string
	// Now is the clock of signature timestamps, rate limits and records
	// (default time.Now).
	Now func() time.Time
	// Logger receives the trigger's own logs (default: discarded). It
	// never receives a secret.
	Logger *slog.Logger
	// RateLimit is each path's sustained rate in requests per second, and
	// RateBurst how many may come at once (default: RateLimit rounded up,
	// at least 1). 0 means no limit.
	RateLimit float64
	RateBurst int
	// MaxInFlight bounds the requests being handled at once, from the
	// signature check to the answer (waiting for a respond step
	// included); over it a request is answered 503 with Retry-After.
	// 0 means no bound.
	MaxInFlight int
	// Draining, when it returns true, makes every request answer 503 with
	// Retry-After (the server is shutting down).
	Draining func() bool
	// Inspect, when set, is called once for every request, rejected ones
	// included, with its verdict, before the answer is sent. It must not
	// block: hand the record to a buffered channel.
	Inspect func(Record)
	// RunDone, when set, is polled while a respond: wait request waits:
	// a run that finished without a respond step is then answered 502 at
	// once instead of 504 at the timeout.
	RunDone func(ctx context.Context, runID string) (bool, error)
	// Waiters is the registry that the respond action answers through
	// (default: a new one). Pass the one given to actions.Deps.Responder
	// when the registry must exist before the trigger; otherwise give
	// Trigger.Waiters to the actions.
	Waiters *Waiters
	// DedupeWindow is how long delivery ids are remembered (default 72h).
	// The store keeps them; the trigger only reports the value.
	DedupeWindow time.Duration
}

// Defaults that Options leave unset.
const (
	// DefaultDedupeWindow is how long delivery ids are remembered: longer
	// than Stripe's three days of retries.
	DefaultDedupeWindow = 72 * time.Hour
	// DefaultMaxBody is on.webhook.max_body when a workflow leaves it 0.
	DefaultMaxBody = 1 << 20
	// DefaultWaitTimeout is on.webhook.wait_timeout when a workflow leaves
	// it 0.
	DefaultWaitTimeout = 10 * time.Second
	// dispatchTimeout bounds how long a request waits for the commit.
	dispatchTimeout = 30 * time.Second
	// runDonePoll is how often RunDone is asked.
	runDonePoll = 250 * time.Millisecond
)

// Trigger serves the inbound URLs of the loaded workflows. Create it with
// New; it is safe for concurrent use.
type Trigger struct {
	opts    Options
	table   atomic.Pointer[table]
	limits  *limiters
	slots   chan struct{} // nil: no in-flight bound
	waiters *Waiters
	stages  pipeline
}

// New returns a Trigger with no workflow loaded (every path answers 404).
// It panics without a Dispatcher: that is a programming error.
func New(opts Options) *Trigger {
	if opts.Dispatcher == nil {
		panic("webhook: Options.Dispatcher is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.DedupeWindow <= 0 {
		opts.DedupeWindow = DefaultDedupeWindow
	}
	t := &Trigger{
		opts:    opts,
		limits:  newLimiters(opts.RateLimit, opts.RateBurst),
		waiters: opts.Waiters,
	}
	if t.waiters == nil {
		t.waiters = NewWaiters()
	}
	if opts.MaxInFlight > 0 {
		t.slots = make(chan struct{}, opts.MaxInFlight)
	}
	t.table.Store(&table{routes: map[string]*route{}})
	t.stages = pipeline{
		t.checkDraining,
		t.findRoute,
		t.hubChallenge,
		t.checkMethod,
		t.checkSize,
		t.checkRate,
		t.admit,
		t.verify,
		t.parse,
		t.slackChallenge,
		t.setDedupeKey,
		t.dispatch,
		t.awaitResponse,
	}
	return t
}

// Paths returns the distinct paths of the loaded workflows, sorted, without
// /hooks/ (for printing the inbound URLs).
func (t *Trigger) Paths() []string {
	return append([]string(nil), t.table.Load().paths...)
}

// Waiters returns the registry of requests waiting for their run's answer
// (Options.Waiters when set): give it to the respond action as
// actions.Deps.Responder.
func (t *Trigger) Waiters() engine.Responder { return t.waiters }

// DedupeWindow returns how long delivery ids are remembered.
func (t *Trigger) DedupeWindow() time.Duration { return t.opts.DedupeWindow }
