package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// DeliveryComplete records a batch of delivery outcomes (see
// SubscriptionStore and DeliveryResult) in one transaction: the
// deliveries, their attempts, the health clocks of their subscriptions and
// the deactivations that follow.
func (s *gormStore) DeliveryComplete(ctx context.Context, p DeliveryCompleteParams) ([]*Subscription, error) {
	if len(p.Results) == 0 {
		return nil, nil
	}
	b, err := planDeliveryComplete(p, s.nowOr(p.Now))
	if err != nil {
		return nil, fmt.Errorf("complete deliveries: %w", err)
	}
	var disabled []*Subscription
	err = s.write(ctx, func(tx *gorm.DB) error {
		applied, err := b.finish(tx, s.d)
		if err != nil || len(applied) == 0 {
			return err
		}
		applied = slices.DeleteFunc(applied, func(a appliedResult) bool { return a.r.Release })
		if len(applied) == 0 {
			return nil
		}
		if err := b.insertAttempts(tx, applied); err != nil {
			return err
		}
		disabled, err = b.health(tx, s.d, applied)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("complete deliveries: %w", err)
	}
	return disabled, nil
}

// deliveryBatch is a DeliveryComplete batch checked outside the
// transaction, which may run it more than once.
type deliveryBatch struct {
	rs           []*DeliveryResult // sorted by id, one per delivery
	owner        string
	now          time.Time
	disableAfter time.Duration
}

// appliedResult is a result whose delivery was still leased to it.
type appliedResult struct {
	r      *DeliveryResult
	series int
}

// planDeliveryComplete checks, deduplicates (the first result of a
// delivery wins) and sorts a batch.
func planDeliveryComplete(p DeliveryCompleteParams, now time.Time) (*deliveryBatch, error) {
	b := &deliveryBatch{owner: p.Owner, now: now, disableAfter: p.DisableAfter}
	seen := make(map[string]bool, len(p.Results))
	for i := range p.Results {
		r := &p.Results[i]
		switch r.Status {
		case DeliveryPending, DeliverySucceeded, DeliveryFailed:
		default:
			return nil, fmt.Errorf("delivery %s: status %q: want pending, succeeded or failed", r.ID, r.Status)
		}
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		b.rs = append(b.rs, r)
	}
	slices.SortFunc(b.rs, func(x, y *DeliveryResult) int { return strings.Compare(x.ID, y.ID) })
	return b, nil
}

// finish applies the results whose delivery is still leased to their owner
// and attempt, and returns those.
func (b *deliveryBatch) finish(tx *gorm.DB, d dialect) ([]appliedResult, error) {
	byID := make(map[string]*DeliveryResult, len(b.rs))
	var out []appliedResult
	err := chunks(b.rs, 500, func(part []*DeliveryResult) error {
		q := newQuery(`WITH c (c_id, c_owner, c_attempt, c_status, c_run_at, c_error, c_code, c_finished, c_release) AS (VALUES `)
		q.cols(d, typText, typText, typBigint, typText, typBigint, typText, typBigint, typBigint, typBigint)
		for _, r := range part {
			byID[r.ID] = r
			owner := r.Owner
			if owner == "" {
				owner = b.owner
			}
			runAt := micros(b.now)
			if !r.RunAt.IsZero() {
				runAt = micros(r.RunAt)
			}
			status := r.Status
			if r.Release {
				status = DeliveryPending
			}
			q.row(r.ID, owner, r.Attempt, status, runAt, r.Record.Error, r.Record.Status, micros(b.now), flag(r.Release))
		}
		q.sql(`)
UPDATE deliveries SET status = c_status,
	run_at = CASE WHEN c_status = 'pending' THEN c_run_at ELSE run_at END,
	finished_at = CASE WHEN c_status = 'pending' THEN NULL ELSE c_finished END,
	error = CASE WHEN c_release = 1 THEN error ELSE c_error END,
	last_status = CASE WHEN c_release = 1 THEN last_status ELSE c_code END,
	attempts = CASE WHEN c_release = 1 THEN attempts - 1 ELSE attempts END,
	lease_owner = '', lease_until = NULL
FROM c WHERE deliveries.id = c_id AND deliveries.lease_until IS NOT NULL
	AND deliveries.lease_owner = c_owner AND deliveries.attempts = c_attempt
RETURNING id, series`)
		return q.scanAll(tx, func(rows *sql.Rows) error {
			var a appliedResult
			var id string
			if err := rows.Scan(&id, &a.series); err != nil {
				return err
			}
			a.r = byID[id]
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("finish deliveries: %w", err)
	}
	return out, nil
}

// insertAttempts records the applied attempts.
func (b *deliveryBatch) insertAttempts(tx *gorm.DB, applied []appliedResult) error {
	err := chunks(applied, 500, func(part []appliedResult) error {
		q := newQuery(`INSERT INTO delivery_attempts (delivery_id, attempt, series, started_at, duration_ms, status, response, error) VALUES `)
		for _, a := range part {
			rec := &a.r.Record
			body := rec.Response
			if len(body) > MaxResponseBody {
				body = body[:MaxResponseBody]
			}
			q.row(a.r.ID, a.r.Attempt, a.series, micros(rec.StartedAt), rec.DurationMS, rec.Status, rawBytes(body), rec.Error)
		}
		return q.execErr(tx)
	})
	if err != nil {
		return fmt.Errorf("insert delivery attempts: %w", err)
	}
	return nil
}

// subHealth is what a batch says about one subscription's endpoint.
type subHealth struct {
	id    string
	reset bool  // an attempt succeeded: the clock restarts
	since int64 // the first failure after the last success, or 0
	gone  bool
}

// healthOf sums the applied results up per subscription, in the order the
// attempts started.
func healthOf(applied []appliedResult) []*subHealth {
	sorted := slices.Clone(applied)
	slices.SortStableFunc(sorted, func(x, y appliedResult) int {
		return x.r.Record.StartedAt.Compare(y.r.Record.StartedAt)
	})
	byID := map[string]*subHealth{}
	var out []*subHealth
	for _, a := range sorted {
		h := byID[a.r.SubscriptionID]
		if h == nil {
			h = &subHealth{id: a.r.SubscriptionID}
			byID[h.id] = h
			out = append(out, h)
		}
		switch {
		case a.r.Healthy:
			h.reset, h.since = true, 0
		case h.since == 0:
			h.since = micros(a.r.Record.StartedAt)
		}
		h.gone = h.gone || a.r.Gone
	}
	slices.SortFunc(out, func(x, y *subHealth) int { return strings.Compare(x.id, y.id) })
	return out
}

// health moves the subscriptions' health clocks and deactivates those
// whose endpoint is gone or has failed for disableAfter; it returns the
// deactivated subscriptions.
func (b *deliveryBatch) health(tx *gorm.DB, d dialect, applied []appliedResult) ([]*Subscription, error) {
	hs := healthOf(applied)
	q := newQuery(`WITH h (h_id, h_reset, h_since) AS (VALUES `)
	q.cols(d, typText, typBigint, typBigint)
	for _, h := range hs {
		q.row(h.id, flag(h.reset), nullMicrosInt(h.since))
	}
	q.sql(`)
UPDATE subscriptions SET failing_since = h_since
FROM h WHERE subscriptions.id = h_id AND (
	(h_reset = 1 AND (subscriptions.failing_since IS NOT NULL OR h_since IS NOT NULL))
	OR (h_reset = 0 AND subscriptions.failing_since IS NULL AND h_since IS NOT NULL))`)
	if err := q.execErr(tx); err != nil {
		return nil, fmt.Errorf("update subscription health: %w", err)
	}
	return b.deactivate(tx, d, hs)
}

// deactivate turns off the batch's subscriptions whose endpoint answered
// 410 or whose health clock ran for disableAfter, with the reason.
func (b *deliveryBatch) deactivate(tx *gorm.DB, d dialect, hs []*subHealth) ([]*Subscription, error) {
	var ids []string
	gone := map[string]bool{}
	for _, h := range hs {
		if h.gone || (h.since != 0 && b.disableAfter > 0) {
			ids = append(ids, h.id)
			gone[h.id] = h.gone
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	now := micros(b.now)
	reasons := map[string]string{}
	err := chunks(ids, 500, func(part []string) error {
		q := newQuery(`SELECT id, failing_since FROM subscriptions WHERE active = 1 AND id IN `).list(part).sql(` ORDER BY id` + d.lockRows())
		return q.scanAll(tx, func(rows *sql.Rows) error {
			var id string
			var since sql.NullInt64
			if err := rows.Scan(&id, &since); err != nil {
				return err
			}
			switch {
			case gone[id]:
				reasons[id] = "the endpoint answered 410 Gone"
			case b.disableAfter > 0 && since.Valid && since.Int64 <= now-b.disableAfter.Microseconds():
				reasons[id] = fmt.Sprintf("every delivery attempt failed for %s (since %s)",
					humanDuration(b.disableAfter), fromMicros(since.Int64).Format(time.RFC3339))
			}
			return nil
		})
	})
	if err != nil || len(reasons) == 0 {
		return nil, err
	}
	q := newQuery(`WITH r (r_id, r_reason) AS (VALUES `)
	q.cols(d, typText, typText)
	off := make([]string, 0, len(reasons))
	for id := range reasons {
		off = append(off, id)
	}
	slices.Sort(off)
	for _, id := range off {
		q.row(id, reasons[id])
	}
	q.sql(`)
UPDATE subscriptions SET active = 0, disabled_reason = r_reason, disabled_at = `).arg(now).sql(`,
	notice_pending = 1, updated_at = `).arg(now).sql(`, version = version + 1
FROM r WHERE subscriptions.id = r_id`)
	if err := q.execErr(tx); err != nil {
		return nil, fmt.Errorf("deactivate subscriptions: %w", err)
	}
	subs, err := loadSubscriptions(tx, off)
	if err != nil {
		return nil, err
	}
	out := make([]*Subscription, 0, len(off))
	for _, id := range off {
		out = append(out, subs[id])
	}
	return out, nil
}

// nullMicrosInt stores 0 as NULL.
func nullMicrosInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// humanDuration writes whole days as "5 days" and anything else as Go
// does ("36h0m0s").
func humanDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d == day:
		return "1 day"
	case d%day == 0:
		return fmt.Sprintf("%d days", d/day)
	}
	return d.String()
}
