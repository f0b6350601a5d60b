package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/hookflow/hookflow/engine"
)

// DeliveryClaim leases due deliveries fairly across subscriptions (see
// SubscriptionStore). Lease defaults to 30s and Now to the store's clock.
//
// Each active subscription contributes at most PerSubscription of its
// oldest due deliveries, found through deliveries_due, and the oldest of
// those are taken up to Limit: the cost follows the number of
// subscriptions, never the length of one subscription's backlog.
func (s *gormStore) DeliveryClaim(ctx context.Context, p DeliveryClaimParams) ([]*DeliveryJob, error) {
	if p.Owner == "" {
		return nil, errors.New("claim deliveries: owner is empty")
	}
	if p.Limit <= 0 {
		return nil, nil
	}
	per := p.PerSubscription
	if per <= 0 {
		per = 64
	}
	now := s.nowOr(p.Now)
	until := micros(now.Add(leaseOr(p.Lease)))
	var jobs []*DeliveryJob
	err := s.write(ctx, func(tx *gorm.DB) error {
		var err error
		jobs, err = s.claimDeliveries(tx, p, per, until, micros(now))
		if err != nil || len(jobs) == 0 {
			return err
		}
		return fillDeliveryJobs(tx, jobs)
	})
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return jobs, nil
}

// claimDeliveries leases the deliveries and returns them without their
// subscriptions and events.
func (s *gormStore) claimDeliveries(tx *gorm.DB, p DeliveryClaimParams, per int, until, now int64) ([]*DeliveryJob, error) {
	q := newQuery(``)
	if _, pg := s.d.(postgresDialect); pg {
		q.sql(`WITH c AS (SELECT d.id FROM subscriptions s CROSS JOIN LATERAL (
	SELECT x.id, x.run_at FROM deliveries x WHERE x.subscription_id = s.id AND x.status = 'pending'
		AND x.lease_until IS NULL AND x.run_at <= `).arg(now).sql(` ORDER BY x.run_at LIMIT `).arg(per).sql(`
	FOR UPDATE SKIP LOCKED) d
WHERE s.active = 1`)
		excludeSubs(q, p.Exclude)
		q.sql(` ORDER BY d.run_at LIMIT `).arg(p.Limit).sql(`)
UPDATE deliveries SET attempts = deliveries.attempts + 1, lease_owner = `).arg(p.Owner).sql(`, lease_until = `).arg(until).sql(`
FROM c WHERE deliveries.id = c.id
RETURNING deliveries.id, deliveries.subscription_id, deliveries.event_id, deliveries.attempts, deliveries.series, deliveries.series_base`)
	} else {
		// CROSS JOIN keeps subscriptions the outer loop: SQLite then looks
		// each subscription's deliveries up in deliveries_due.
		q.sql(`UPDATE deliveries SET attempts = attempts + 1, lease_owner = `).arg(p.Owner).sql(`, lease_until = `).arg(until).sql(`
WHERE id IN (SELECT d.id FROM subscriptions s CROSS JOIN deliveries d
	WHERE d.id IN (SELECT x.id FROM deliveries x WHERE x.subscription_id = s.id AND x.status = 'pending'
		AND x.lease_until IS NULL AND x.run_at <= `).arg(now).sql(` ORDER BY x.run_at LIMIT `).arg(per).sql(`)
	AND s.active = 1`)
		excludeSubs(q, p.Exclude)
		q.sql(` ORDER BY d.run_at LIMIT `).arg(p.Limit).sql(`)
RETURNING id, subscription_id, event_id, attempts, series, series_base`)
	}
	var jobs []*DeliveryJob
	err := q.scanAll(tx, func(rows *sql.Rows) error {
		j := &DeliveryJob{Owner: p.Owner, Subscription: &Subscription{}, Event: &engine.Event{}}
		var base int
		if err := rows.Scan(&j.ID, &j.Subscription.ID, &j.Event.ID, &j.Attempt, &j.Series, &base); err != nil {
			return err
		}
		j.SeriesAttempt = j.Attempt - base
		jobs = append(jobs, j)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lease deliveries: %w", err)
	}
	return jobs, nil
}

// excludeSubs appends "AND s.id NOT IN (…)" when ids is not empty.
func excludeSubs(q *query, ids []string) {
	if len(ids) > 0 {
		q.sql(` AND s.id NOT IN `).list(ids)
	}
}

// fillDeliveryJobs loads the subscriptions and events of claimed jobs; a
// job whose event is gone gets a nil Event.
func fillDeliveryJobs(tx *gorm.DB, jobs []*DeliveryJob) error {
	var subIDs, evIDs []string
	for _, j := range jobs {
		subIDs = append(subIDs, j.Subscription.ID)
		evIDs = append(evIDs, j.Event.ID)
	}
	subs, err := loadSubscriptions(tx, distinct(subIDs))
	if err != nil {
		return err
	}
	events, err := loadEventPayloads(tx, distinct(evIDs))
	if err != nil {
		return err
	}
	for _, j := range jobs {
		sub, ok := subs[j.Subscription.ID]
		if !ok {
			return fmt.Errorf("subscription %s of delivery %s: %w", j.Subscription.ID, j.ID, ErrNotFound)
		}
		j.Subscription, j.Event = sub, events[j.Event.ID]
	}
	return nil
}

// loadSubscriptions reads subscriptions by id.
func loadSubscriptions(tx *gorm.DB, ids []string) (map[string]*Subscription, error) {
	out := make(map[string]*Subscription, len(ids))
	err := chunks(ids, 500, func(part []string) error {
		q := newQuery(`SELECT ` + subscriptionColumns + ` FROM subscriptions WHERE id IN `).list(part)
		return q.scanAll(tx, func(rows *sql.Rows) error {
			var r subscriptionRow
			if err := r.scan(rows); err != nil {
				return err
			}
			sub, err := r.subscription()
			out[r.ID] = sub
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load subscriptions: %w", err)
	}
	return out, nil
}

// loadEventPayloads reads what a delivery sends of each event: id, type,
// time and raw data (the parsed body when there is no raw copy).
func loadEventPayloads(tx *gorm.DB, ids []string) (map[string]*engine.Event, error) {
	out := make(map[string]*engine.Event, len(ids))
	err := chunks(ids, 500, func(part []string) error {
		q := newQuery(`SELECT id, type, received_at, raw, body FROM events WHERE id IN `).list(part)
		return q.scanAll(tx, func(rows *sql.Rows) error {
			ev := &engine.Event{}
			var at int64
			var body sql.NullString
			if err := rows.Scan(&ev.ID, &ev.Type, &at, &ev.Raw, &body); err != nil {
				return err
			}
			ev.ReceivedAt = fromMicros(at)
			if ev.Raw == nil && body.Valid {
				ev.Raw = []byte(body.String)
			}
			out[ev.ID] = ev
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	return out, nil
}

// distinct returns the sorted distinct values of ids.
func distinct(ids []string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// DeliveryExtend moves the leases of owner's deliveries to until.
func (s *gormStore) DeliveryExtend(ctx context.Context, owner string, until time.Time) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		return newQuery(`UPDATE deliveries SET lease_until = $1 WHERE lease_until IS NOT NULL AND lease_owner = $2`,
			micros(until), owner).execErr(tx)
	})
	if err != nil {
		return fmt.Errorf("extend delivery leases of %s: %w", owner, err)
	}
	return nil
}

// DeliveryRescue hands back leases (see DeliveryRescueParams). The attempt
// counted at the claim is taken back: it never completed.
func (s *gormStore) DeliveryRescue(ctx context.Context, p DeliveryRescueParams) (int, error) {
	cond, arg := `lease_until < $1`, any(micros(s.nowOr(p.Now)))
	switch {
	case p.Owner != "":
		cond, arg = `lease_owner = $1`, p.Owner
	case p.AnyOwnerBut != "":
		cond, arg = `lease_owner <> $1`, p.AnyOwnerBut
	}
	var n int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		var err error
		n, err = newQuery(`UPDATE deliveries SET lease_owner = '', lease_until = NULL,
	attempts = CASE WHEN attempts > series_base THEN attempts - 1 ELSE attempts END
WHERE lease_until IS NOT NULL AND `+cond, arg).exec(tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rescue deliveries: %w", err)
	}
	if n > 0 {
		s.log.InfoContext(ctx, "rescued deliveries", "count", n)
	}
	return int(n), nil
}
