// Package schedule fires on.schedule ticks. Each tick becomes an event of
// type "schedule" whose body has scheduled_at and cron, dispatched to its
// workflow with the dedupe key "schedule:<workflow>:<cron>:<unix time>", so
// that every node sharing a database may fire the same tick and exactly one
// event (and run) results. After downtime, one catch-up tick — the latest
// one missed — fires at start, unless the entry says catchup: false.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/robfig/cron/v3"
)

// maxCatchupLookback bounds how far back a missed tick is looked for.
const maxCatchupLookback = 31 * 24 * time.Hour

// Dispatcher stores an event and its runs durably.
type Dispatcher interface {
	Dispatch(ctx context.Context, ev *engine.Event, targets []run.Target) (engine.AcceptResult, error)
}

// Options configure a Trigger.
type Options struct {
	Dispatcher Dispatcher
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Since returns when a workflow was first stored; a missed tick older
	// than that is not caught up. Nil: catch up any tick.
	Since  func(ctx context.Context, workflow string) (time.Time, error)
	Logger *slog.Logger
}

// Trigger fires the schedules of the loaded workflows.
type Trigger struct {
	opts    Options
	parser  cron.Parser
	mu      sync.Mutex
	entries map[string]*entry
	wake    chan struct{}
}

type entry struct {
	key      string // workflow + spec: stable across reloads
	target   run.Target
	spec     string
	sched    cron.Schedule
	constant bool // @every: not aligned to the clock, never caught up
	next     time.Time
}

// New returns a trigger with no schedules.
func New(opts Options) *Trigger {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Trigger{
		opts:    opts,
		parser:  cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor),
		entries: map[string]*entry{},
		wake:    make(chan struct{}, 1),
	}
}

// Load swaps in the schedules of targets. An entry that was already loaded
// keeps its next tick; a new one gets its next tick and, with catchup, the
// latest missed tick is fired at once (the dedupe key makes that a no-op
// when it had fired already).
func (t *Trigger) Load(ctx context.Context, targets []run.Target) error {
	now := t.opts.Now()
	fresh := map[string]*entry{}
	var catchups []*entry
	var errs []string
	t.mu.Lock()
	for _, tg := range targets {
		for _, s := range tg.Workflow.On.Schedule {
			e, err := t.newEntry(tg, s.Cron, s.Timezone)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			if old, ok := t.entries[e.key]; ok {
				e.next = old.next
			} else {
				e.next = e.sched.Next(now)
				if s.Catchup && !e.constant {
					catchups = append(catchups, e)
				}
			}
			fresh[e.key] = e
		}
	}
	t.entries = fresh
	t.mu.Unlock()
	for _, e := range catchups {
		t.catchUp(ctx, e, now)
	}
	t.poke()
	if len(errs) > 0 {
		return fmt.Errorf("load schedules: %s", strings.Join(errs, "; "))
	}
	return nil
}

func (t *Trigger) newEntry(tg run.Target, spec, tz string) (*entry, error) {
	full := spec
	if tz != "" {
		full = "CRON_TZ=" + tz + " " + spec
	}
	sched, err := t.parser.Parse(full)
	if err != nil {
		return nil, fmt.Errorf("workflow %s: cron %q: %w", tg.Workflow.Name, spec, err)
	}
	_, constant := sched.(cron.ConstantDelaySchedule)
	return &entry{key: tg.Workflow.Name + "\x00" + full, target: tg, spec: spec, sched: sched, constant: constant}, nil
}

// catchUp fires the latest tick before now that fell after the workflow
// was first stored.
func (t *Trigger) catchUp(ctx context.Context, e *entry, now time.Time) {
	from := now.Add(-maxCatchupLookback)
	if t.opts.Since != nil {
		since, err := t.opts.Since(ctx, e.target.Workflow.Name)
		if err != nil {
			t.opts.Logger.Warn("schedule catch-up skipped", "workflow", e.target.Workflow.Name, "err", err)
			return
		}
		if since.After(from) {
			from = since
		}
	}
	var last time.Time
	for tick := e.sched.Next(from); !tick.After(now); tick = e.sched.Next(tick) {
		last = tick
	}
	if !last.IsZero() {
		t.fire(ctx, e, last)
	}
}

// Run fires ticks as they come due until ctx ends.
func (t *Trigger) Run(ctx context.Context) error {
	for {
		wait := time.Hour
		if next, ok := t.nextDue(); ok {
			wait = max(next.Sub(t.opts.Now()), 0)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-t.wake:
			timer.Stop()
		case <-timer.C:
			t.FireDue(ctx, t.opts.Now())
		}
	}
}

// FireDue fires every entry whose next tick is at or before now, once each
// (ticks missed in between are not fired one by one), and moves each to
// its next tick after now. Tests call it with a chosen time.
func (t *Trigger) FireDue(ctx context.Context, now time.Time) {
	t.mu.Lock()
	var due []*entry
	ticks := map[*entry]time.Time{}
	for _, e := range t.entries {
		if !e.next.After(now) {
			due = append(due, e)
			ticks[e] = e.next
			e.next = e.sched.Next(now)
		}
	}
	t.mu.Unlock()
	sort.Slice(due, func(i, j int) bool { return due[i].key < due[j].key })
	for _, e := range due {
		t.fire(ctx, e, ticks[e])
	}
}

func (t *Trigger) nextDue() (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var next time.Time
	for _, e := range t.entries {
		if next.IsZero() || e.next.Before(next) {
			next = e.next
		}
	}
	return next, !next.IsZero()
}

// fire dispatches the tick event of e at tick.
func (t *Trigger) fire(ctx context.Context, e *entry, tick time.Time) {
	ev := &engine.Event{
		Type:      "schedule",
		Body:      map[string]any{"scheduled_at": tick.UTC().Format(time.RFC3339), "cron": e.spec},
		DedupeKey: fmt.Sprintf("schedule:%s:%s:%d", e.target.Workflow.Name, e.spec, tick.Unix()),
	}
	res, err := t.opts.Dispatcher.Dispatch(ctx, ev, []run.Target{e.target})
	if err != nil {
		t.opts.Logger.Error("schedule tick not stored", "workflow", e.target.Workflow.Name, "cron", e.spec, "tick", tick, "err", err)
		return
	}
	if !res.Duplicate {
		t.opts.Logger.Info("schedule tick", "workflow", e.target.Workflow.Name, "cron", e.spec, "event", res.EventID)
	}
}

func (t *Trigger) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}
