package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// Config configures an Engine. Store, Registry and Catalog are required.
type Config struct {
	Store    store.Store
	Registry *engine.Registry
	Catalog  *Catalog
	// Owner names this node in leases; a random id when empty.
	Owner string
	// Workers is how many steps run at once (default 64).
	Workers int
	// ForeachLimit caps the parallel items of one foreach step (default 8).
	ForeachLimit int
	// Lease is how long a claimed step stays ours without a heartbeat
	// (default 30s); it is extended every Lease/3.
	Lease time.Duration
	// BatchWindow is how long commits gather work (default 1ms).
	BatchWindow time.Duration
	// PollInterval is how often idle workers look for queued work that is
	// not announced in-process (retries coming due, other nodes' runs;
	// default 200ms).
	PollInterval time.Duration
	// SingleNode re-queues every step leased by another owner at start:
	// right for SQLite, where no other node can be running.
	SingleNode bool
	// Env is what expressions see as env.
	Env map[string]string
	// NoInline runs every step as a job, even the steps of Inline actions
	// that would otherwise run before the commit (tests of the job path
	// set it).
	NoInline bool
	// DryRun runs every action in dry-run mode.
	DryRun bool
	// Mocks replaces the named steps' actions by fixed outputs (hookflow
	// test); a mock that is a map with the single key "error" fails the
	// step. With Mocks set, actions that are not Pure run in dry-run mode.
	Mocks map[string]any
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RandN returns a random number in [0, n) for retry jitter (default
	// math/rand/v2).
	RandN func(n int64) int64
	// Logger receives the engine's and the runs' logs.
	Logger *slog.Logger
	// Observe, when set, is told about every finished attempt: the action,
	// the step's new status (queued for a retry), and how long it took.
	Observe func(action, status string, d time.Duration)
}

func (c *Config) setDefaults() {
	if c.Owner == "" {
		c.Owner = "node-" + uuid.NewString()[:8]
	}
	if c.Workers <= 0 {
		c.Workers = 64
	}
	if c.ForeachLimit <= 0 {
		c.ForeachLimit = 8
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	if c.BatchWindow <= 0 {
		c.BatchWindow = time.Millisecond
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 200 * time.Millisecond
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.RandN == nil {
		c.RandN = rand.Int64N
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Engine executes runs. Create one with New, start it with Start, stop it
// by cancelling the context given to Start and calling Wait.
type Engine struct {
	cfg      Config
	redactor *redactor

	accepts     chan *acceptReq
	completions chan store.Completion
	queue       *jobQueue
	wake        chan struct{}
	events      *eventCache
	outcomes    *stepCache
	vars        *varsCache

	busy    atomic.Int64 // workers executing a step
	pending atomic.Int64 // jobs taken in and not yet committed as done
	wg      sync.WaitGroup
	started bool
}

// New returns an engine; it does nothing until Start.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil || cfg.Registry == nil || cfg.Catalog == nil {
		return nil, errors.New("new engine: Store, Registry and Catalog are required")
	}
	cfg.setDefaults()
	return &Engine{
		cfg:         cfg,
		redactor:    newRedactor(cfg.Env),
		accepts:     make(chan *acceptReq, 1024),
		completions: make(chan store.Completion, 4*cfg.Workers),
		queue:       newJobQueue(),
		wake:        make(chan struct{}, 1),
		events:      newEventCache(4096),
		outcomes:    newStepCache(4096),
		vars:        newVarsCache(4096),
	}, nil
}

// Busy returns how many steps are executing now.
func (e *Engine) Busy() int { return int(e.busy.Load()) }

// Queued returns how many leased steps wait for a worker.
func (e *Engine) Queued() int { return e.queue.len() }

// Owner returns the name this node leases steps under.
func (e *Engine) Owner() string { return e.cfg.Owner }

// Start launches the writer, the workers, the completer, the claimer, the
// heartbeat and the rescuer. They stop when ctx is cancelled; Wait waits
// for them. Work in hand when ctx ends is not finished: its leases expire
// and another start (or node) runs it again.
func (e *Engine) Start(ctx context.Context) error {
	if e.started {
		return errors.New("start engine: already started")
	}
	e.started = true
	if e.cfg.SingleNode {
		n, err := e.cfg.Store.JobRescue(ctx, store.JobRescueParams{Now: e.cfg.Now(), AnyOwnerBut: e.cfg.Owner})
		if err != nil {
			return fmt.Errorf("start engine: rescue steps: %w", err)
		}
		if n > 0 {
			e.cfg.Logger.Info("resumed steps left running by an earlier process", "steps", n)
		}
	}
	e.spawn(ctx, e.writeLoop)
	e.spawn(ctx, e.completeLoop)
	e.spawn(ctx, e.claimLoop)
	e.spawn(ctx, e.heartbeatLoop)
	for i := 0; i < e.cfg.Workers; i++ {
		e.spawn(ctx, e.workLoop)
	}
	return nil
}

func (e *Engine) spawn(ctx context.Context, f func(context.Context)) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		f(ctx)
	}()
}

// Wait blocks until every loop started by Start has returned.
func (e *Engine) Wait() { e.wg.Wait() }

// enqueue hands leased jobs to the workers.
func (e *Engine) enqueue(jobs []*store.Job) {
	if len(jobs) == 0 {
		return
	}
	e.pending.Add(int64(len(jobs)))
	e.queue.push(jobs...)
}

// Drain waits until this node holds no work: no leased step waits or runs
// and every outcome is committed (steps that became ready meanwhile are run
// too). It returns ctx's error when ctx ends first. Call it before
// cancelling the context given to Start, after new events stopped coming.
func (e *Engine) Drain(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	idleSince := time.Time{}
	for {
		if e.pending.Load() == 0 && len(e.accepts) == 0 {
			if idleSince.IsZero() {
				idleSince = time.Now()
			} else if time.Since(idleSince) >= 4*e.cfg.BatchWindow {
				return nil
			}
		} else {
			idleSince = time.Time{}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("drain: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// poke wakes the claimer without blocking.
func (e *Engine) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// heartbeatLoop extends this node's leases and rescues expired ones.
func (e *Engine) heartbeatLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := e.cfg.Now()
		if err := e.cfg.Store.JobExtend(ctx, e.cfg.Owner, now.Add(e.cfg.Lease)); err != nil && ctx.Err() == nil {
			e.cfg.Logger.Error("extend leases", "err", err)
		}
		n, err := e.cfg.Store.JobRescue(ctx, store.JobRescueParams{Now: now})
		if err != nil && ctx.Err() == nil {
			e.cfg.Logger.Error("rescue expired leases", "err", err)
		}
		if n > 0 {
			e.cfg.Logger.Warn("re-queued steps whose lease expired", "steps", n)
			e.poke()
		}
	}
}
