package deliver

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// maxCompleteBatch caps how many outcomes share one transaction.
const maxCompleteBatch = 512

// Deliverer is the delivery worker of one node. Create it with New, run it
// with Run; Wake and Test may be called at any time.
type Deliverer struct {
	cfg     Config
	sched   *scheduler
	results chan store.DeliveryResult
	wake    chan struct{}
	// side tracks goroutines that outlive a loop: notices.
	side sync.WaitGroup
	// claimSubs is how many subscriptions the last claim found work for
	// (claim loop only).
	claimSubs int
	// inFlight counts attempts being sent now.
	inFlight atomic.Int64
}

// InFlight returns how many delivery attempts are being sent now.
func (d *Deliverer) InFlight() int { return int(d.inFlight.Load()) }

// New returns a deliverer; it does nothing until Run.
func New(cfg Config) (*Deliverer, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	d := &Deliverer{
		cfg:     cfg,
		results: make(chan store.DeliveryResult, 2*cfg.Workers),
		wake:    make(chan struct{}, 1),
	}
	d.sched = newScheduler(cfg.PerSubscription, cfg.Prefetch, d.Wake)
	return d, nil
}

// Owner returns the name this node leases deliveries under.
func (d *Deliverer) Owner() string { return d.cfg.Owner }

// Wake makes the claimer look for due deliveries now (new ones were
// stored, or retries were started).
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then stops claiming, lets the attempts in
// flight finish for up to Grace, commits every outcome, hands back the
// deliveries it still holds, and returns.
func (d *Deliverer) Run(ctx context.Context) error {
	if d.cfg.SingleNode {
		if _, err := d.cfg.Store.DeliveryRescue(ctx, store.DeliveryRescueParams{AnyOwnerBut: d.cfg.Owner}); err != nil {
			return fmt.Errorf("run deliverer: hand back deliveries: %w", err)
		}
	}
	// Attempts run under hard, which ends Grace after ctx does.
	hard, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	stopGrace := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(d.cfg.Grace, abandon)
		context.AfterFunc(hard, func() { t.Stop() })
	})
	defer stopGrace()

	var loops, workers sync.WaitGroup
	spawn := func(wg *sync.WaitGroup, f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	spawn(&loops, func() { d.claimLoop(ctx) })
	spawn(&loops, func() { d.keepLoop(ctx) })
	spawn(&loops, func() { d.sendNotices(ctx) })
	committed := make(chan struct{})
	go func() { defer close(committed); d.completeLoop(context.WithoutCancel(ctx)) }()
	for range d.cfg.Workers {
		spawn(&workers, func() { d.workLoop(hard) })
	}
	<-ctx.Done()
	d.sched.close()
	workers.Wait()
	close(d.results)
	<-committed
	loops.Wait()
	d.side.Wait()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := d.cfg.Store.DeliveryRescue(rctx, store.DeliveryRescueParams{Owner: d.cfg.Owner}); err != nil {
		return fmt.Errorf("stop deliverer: hand back deliveries: %w", err)
	}
	return nil
}

// workLoop attempts deliveries until the scheduler closes.
func (d *Deliverer) workLoop(ctx context.Context) {
	for {
		j := d.sched.next()
		if j == nil {
			return
		}
		d.inFlight.Add(1)
		res, ok := d.attempt(ctx, j)
		d.inFlight.Add(-1)
		d.sched.done(j)
		if ok {
			d.results <- res
		}
	}
}

// Test stores a delivery of ev to sub, leased to this node, attempts it at
// once (whether sub is active or not, without waiting for its turn) and
// returns the delivery's id and the attempt's outcome. A failed attempt is
// retried on the schedule like any other (while sub is active).
func (d *Deliverer) Test(ctx context.Context, sub *store.Subscription, ev *engine.Event) (string, store.DeliveryResult, error) {
	now := d.cfg.Now()
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = now.UTC()
	}
	if ev.ID == "" {
		ev.ID = engine.NewID(ev.ReceivedAt)
	}
	id := newID()
	_, err := d.cfg.Store.Accept(ctx, store.AcceptParams{
		Events: []store.EventWithRuns{{Event: ev, Deliveries: []store.DeliveryCreate{{ID: id, SubscriptionID: sub.ID, Owner: d.cfg.Owner}}}},
		Lease:  d.cfg.Lease, Now: now,
	})
	if err != nil {
		return "", store.DeliveryResult{}, fmt.Errorf("store test delivery: %w", err)
	}
	j := &store.DeliveryJob{ID: id, Subscription: sub, Event: ev, Attempt: 1, SeriesAttempt: 1, Series: 1, Owner: d.cfg.Owner}
	// The attempt and its record outlive a caller that goes away: the
	// delivery is leased to this node and must be completed.
	ctx = context.WithoutCancel(ctx)
	res, _ := d.attempt(ctx, j)
	if err := d.commit(ctx, []store.DeliveryResult{res}); err != nil {
		return id, res, err
	}
	return id, res, nil
}

// SubscriptionChanged hands back the deliveries of a subscription that
// wait in memory, so that the next claim takes them with the subscription
// as it is now (or, when it was deleted or deactivated, not at all).
func (d *Deliverer) SubscriptionChanged(ctx context.Context, id string) error {
	return d.release(ctx, d.sched.drop(id))
}

// release hands deliveries back without recording an attempt.
func (d *Deliverer) release(ctx context.Context, jobs []*store.DeliveryJob) error {
	if len(jobs) == 0 {
		return nil
	}
	now := d.cfg.Now()
	rs := make([]store.DeliveryResult, len(jobs))
	for i, j := range jobs {
		rs[i] = store.DeliveryResult{ID: j.ID, SubscriptionID: j.Subscription.ID, Attempt: j.Attempt,
			Owner: j.Owner, Status: store.DeliveryPending, RunAt: now, Release: true}
	}
	_, err := d.cfg.Store.DeliveryComplete(ctx, store.DeliveryCompleteParams{Results: rs, Owner: d.cfg.Owner, Now: now})
	if err != nil {
		return fmt.Errorf("hand back deliveries: %w", err)
	}
	d.Wake()
	return nil
}

// newID returns a time-ordered unique id.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}
