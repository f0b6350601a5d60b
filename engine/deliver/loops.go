package deliver

import (
	"context"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/engine/store"
)

// noticeTimeout bounds the publication of one subscription.disabled event.
const noticeTimeout = 10 * time.Second

// claimLoop keeps the scheduler fed: at every wake and poll tick it claims
// due deliveries until the buffer is full or none is left.
func (d *Deliverer) claimLoop(ctx context.Context) {
	tick := time.NewTicker(d.cfg.PollInterval)
	defer tick.Stop()
	for {
		d.claim(ctx)
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-tick.C:
		}
	}
}

// claim leases deliveries while there is room for them.
//
// Each subscription's share of a claim is Prefetch, or less when the last
// claim found many subscriptions with work: twice the claim's room divided
// among them (at least 8). The store then reads a few candidates per
// subscription instead of Prefetch each, which halves a claim's cost with
// a hundred busy subscriptions.
func (d *Deliverer) claim(ctx context.Context) {
	for ctx.Err() == nil {
		buffered, _ := d.sched.counts()
		free := d.cfg.Buffer - buffered
		if free <= 0 {
			return
		}
		per := d.cfg.Prefetch
		if d.claimSubs > 0 {
			per = min(per, max(8, 2*free/d.claimSubs))
		}
		jobs, err := d.cfg.Store.DeliveryClaim(ctx, store.DeliveryClaimParams{
			Owner: d.cfg.Owner, Limit: free, PerSubscription: per,
			Exclude: d.sched.saturated(d.cfg.Prefetch), Lease: d.cfg.Lease, Now: d.cfg.Now(),
		})
		if err != nil {
			if ctx.Err() == nil {
				d.cfg.Logger.Error("claim deliveries", "err", err)
			}
			return
		}
		d.sched.push(jobs)
		if len(jobs) > 0 {
			d.claimSubs = distinctSubs(jobs)
		}
		if len(jobs) < free {
			return
		}
	}
}

// distinctSubs counts the subscriptions of jobs.
func distinctSubs(jobs []*store.DeliveryJob) int {
	seen := make(map[string]struct{}, 16)
	for _, j := range jobs {
		seen[j.Subscription.ID] = struct{}{}
	}
	return len(seen)
}

// completeLoop commits outcomes in batches until the workers are done and
// the results channel is closed.
func (d *Deliverer) completeLoop(ctx context.Context) {
	batch := make([]store.DeliveryResult, 0, maxCompleteBatch)
	for {
		r, ok := <-d.results
		if !ok {
			return
		}
		batch = append(batch[:0], r)
		batch = d.gather(batch)
		d.commitRetrying(ctx, batch)
	}
}

// gather adds whatever outcomes arrive within BatchWindow, up to
// maxCompleteBatch.
func (d *Deliverer) gather(batch []store.DeliveryResult) []store.DeliveryResult {
	timer := time.NewTimer(d.cfg.BatchWindow)
	defer timer.Stop()
	for len(batch) < maxCompleteBatch {
		select {
		case r, ok := <-d.results:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// commitRetrying commits a batch, trying again for a while when the store
// fails: the outcomes exist only in memory until then. A batch that cannot
// be committed is dropped; its leases run out and the deliveries are
// attempted again.
func (d *Deliverer) commitRetrying(ctx context.Context, batch []store.DeliveryResult) {
	wait := 10 * time.Millisecond
	for try := 1; ; try++ {
		err := d.commit(ctx, batch)
		if err == nil {
			return
		}
		if try == 10 {
			d.cfg.Logger.Error("commit delivery outcomes; giving up, the deliveries will be attempted again", "deliveries", len(batch), "err", err)
			return
		}
		d.cfg.Logger.Error("commit delivery outcomes; retrying", "deliveries", len(batch), "err", err)
		time.Sleep(wait)
		wait = min(2*wait, time.Second)
	}
}

// commit records outcomes, then deals with the subscriptions they
// deactivated and wakes the claimer for retries due before the next poll.
func (d *Deliverer) commit(ctx context.Context, batch []store.DeliveryResult) error {
	now := d.cfg.Now()
	off, err := d.cfg.Store.DeliveryComplete(ctx, store.DeliveryCompleteParams{
		Results: batch, Owner: d.cfg.Owner, Now: now, DisableAfter: d.cfg.disableAfter(),
	})
	if err != nil {
		return fmt.Errorf("commit delivery outcomes: %w", err)
	}
	if d.cfg.Committed != nil {
		d.cfg.Committed(batch)
	}
	for _, sub := range off {
		d.cfg.Logger.Warn("subscription deactivated", "subscription", sub.ID, "reason", sub.DisabledReason)
		if err := d.SubscriptionChanged(ctx, sub.ID); err != nil {
			d.cfg.Logger.Error("hand back deliveries of a deactivated subscription", "subscription", sub.ID, "err", err)
		}
		d.notify(ctx, sub)
	}
	soonest := time.Duration(-1)
	for _, r := range batch {
		if r.Status == store.DeliveryPending && !r.Release {
			if wait := r.RunAt.Sub(now); wait < d.cfg.PollInterval && (soonest < 0 || wait < soonest) {
				soonest = wait
			}
		}
	}
	if soonest >= 0 {
		time.AfterFunc(max(soonest, 0), d.Wake)
	}
	return nil
}

// notify publishes, in the background, the deactivation of sub through
// Config.Notify, and records it as done.
func (d *Deliverer) notify(ctx context.Context, sub *store.Subscription) {
	if d.cfg.Notify == nil || sub.DisabledAt == nil {
		return
	}
	d.side.Add(1)
	go func() {
		defer d.side.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), noticeTimeout)
		defer cancel()
		if err := d.cfg.Notify(ctx, sub); err != nil {
			d.cfg.Logger.Error("publish subscription.disabled; it is tried again at the next start", "subscription", sub.ID, "err", err)
			return
		}
		if err := d.cfg.Store.SubscriptionNoticeDone(ctx, sub.ID, *sub.DisabledAt); err != nil {
			d.cfg.Logger.Error("record the subscription.disabled notice", "subscription", sub.ID, "err", err)
		}
	}()
}

// sendNotices publishes the deactivations whose notice an earlier process
// did not publish.
func (d *Deliverer) sendNotices(ctx context.Context) {
	cursor := ""
	for {
		subs, next, err := d.cfg.Store.SubscriptionList(ctx, store.SubscriptionListParams{NoticePending: true, Limit: 500, Cursor: cursor})
		if err != nil {
			if ctx.Err() == nil {
				d.cfg.Logger.Error("list pending subscription notices", "err", err)
			}
			return
		}
		for _, sub := range subs {
			d.notify(ctx, sub)
		}
		if next == "" {
			return
		}
		cursor = next
	}
}

// keepLoop extends the leases of the deliveries this node holds, hands
// back those whose worker died elsewhere, and prunes old deliveries.
func (d *Deliverer) keepLoop(ctx context.Context) {
	tick := time.NewTicker(d.cfg.Lease / 3)
	defer tick.Stop()
	lastPrune := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := d.cfg.Now()
		if err := d.cfg.Store.DeliveryExtend(ctx, d.cfg.Owner, now.Add(d.cfg.Lease)); err != nil && ctx.Err() == nil {
			d.cfg.Logger.Error("extend delivery leases", "err", err)
		}
		if n, err := d.cfg.Store.DeliveryRescue(ctx, store.DeliveryRescueParams{Now: now}); err != nil && ctx.Err() == nil {
			d.cfg.Logger.Error("hand back expired deliveries", "err", err)
		} else if n > 0 {
			d.Wake()
		}
		if d.cfg.Retention > 0 && time.Since(lastPrune) >= time.Minute {
			lastPrune = time.Now()
			d.prune(ctx, now.Add(-d.cfg.Retention))
		}
	}
}

// prune deletes finished deliveries created before before, batch by batch.
func (d *Deliverer) prune(ctx context.Context, before time.Time) {
	for ctx.Err() == nil {
		n, err := d.cfg.Store.DeliveryPrune(ctx, store.PruneParams{Before: before, Limit: 500})
		if err != nil {
			if ctx.Err() == nil {
				d.cfg.Logger.Error("prune deliveries", "err", err)
			}
			return
		}
		if n == 0 {
			return
		}
	}
}
