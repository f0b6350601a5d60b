package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// deliveryRow is a row of deliveries.
type deliveryRow struct {
	ID             string        `gorm:"column:id;primaryKey"`
	SubscriptionID string        `gorm:"column:subscription_id"`
	EventID        string        `gorm:"column:event_id"`
	EventType      string        `gorm:"column:event_type"`
	Status         string        `gorm:"column:status"`
	Attempts       int           `gorm:"column:attempts"`
	Series         int           `gorm:"column:series"`
	SeriesBase     int           `gorm:"column:series_base"`
	RunAt          int64         `gorm:"column:run_at"`
	LeaseOwner     string        `gorm:"column:lease_owner"`
	LeaseUntil     sql.NullInt64 `gorm:"column:lease_until"`
	LastStatus     int           `gorm:"column:last_status"`
	Error          string        `gorm:"column:error"`
	CreatedAt      int64         `gorm:"column:created_at"`
	FinishedAt     sql.NullInt64 `gorm:"column:finished_at"`
}

// TableName names the table for gorm.
func (deliveryRow) TableName() string { return "deliveries" }

// delivery converts the row.
func (r *deliveryRow) delivery() *Delivery {
	d := &Delivery{
		ID: r.ID, SubscriptionID: r.SubscriptionID, EventID: r.EventID, EventType: r.EventType,
		Status: r.Status, Attempts: r.Attempts, Series: r.Series, SeriesAttempts: r.Attempts - r.SeriesBase,
		InFlight: r.LeaseUntil.Valid, LastStatus: r.LastStatus, Error: r.Error,
		CreatedAt: fromMicros(r.CreatedAt), FinishedAt: fromNullMicros(r.FinishedAt),
	}
	if r.Status == DeliveryPending {
		t := fromMicros(r.RunAt)
		d.NextAttemptAt = &t
	}
	return d
}

// deliveryAttemptRow is a row of delivery_attempts.
type deliveryAttemptRow struct {
	ID         int64  `gorm:"column:id;primaryKey"`
	DeliveryID string `gorm:"column:delivery_id"`
	Attempt    int    `gorm:"column:attempt"`
	Series     int    `gorm:"column:series"`
	StartedAt  int64  `gorm:"column:started_at"`
	DurationMS int64  `gorm:"column:duration_ms"`
	Status     int    `gorm:"column:status"`
	Response   []byte `gorm:"column:response"`
	Error      string `gorm:"column:error"`
}

// TableName names the table for gorm.
func (deliveryAttemptRow) TableName() string { return "delivery_attempts" }

// DeliveryGet returns one delivery.
func (s *gormStore) DeliveryGet(ctx context.Context, id string) (*Delivery, error) {
	var row deliveryRow
	if err := s.r.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("get delivery %s: %w", id, notFound(err))
	}
	return row.delivery(), nil
}

// DeliveryList returns a subscription's deliveries newest first.
func (s *gormStore) DeliveryList(ctx context.Context, p DeliveryListParams) ([]*Delivery, string, error) {
	limit := listLimit(p.Limit)
	q := s.r.WithContext(ctx).Model(&deliveryRow{}).Where("subscription_id = ?", p.SubscriptionID)
	if p.Status != "" {
		q = q.Where("status = ?", p.Status)
	}
	q, err := after(q, "created_at", p.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	var rows []deliveryRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	var next string
	if len(rows) > limit {
		rows = rows[:limit]
		next = encodeCursor(rows[limit-1].CreatedAt, rows[limit-1].ID)
	}
	out := make([]*Delivery, len(rows))
	for i := range rows {
		out[i] = rows[i].delivery()
	}
	return out, next, nil
}

// DeliveryAttemptList returns a delivery's attempts in the order they were
// recorded.
func (s *gormStore) DeliveryAttemptList(ctx context.Context, deliveryID string) ([]*DeliveryAttempt, error) {
	var rows []deliveryAttemptRow
	db := s.r.WithContext(ctx)
	if err := db.Where("delivery_id = ?", deliveryID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list attempts of delivery %s: %w", deliveryID, err)
	}
	if len(rows) == 0 {
		var n int64
		if err := db.Model(&deliveryRow{}).Where("id = ?", deliveryID).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("list attempts of delivery %s: %w", deliveryID, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("list attempts of delivery %s: %w", deliveryID, ErrNotFound)
		}
	}
	out := make([]*DeliveryAttempt, len(rows))
	for i, r := range rows {
		out[i] = &DeliveryAttempt{
			DeliveryID: r.DeliveryID, Attempt: r.Attempt, Series: r.Series, StartedAt: fromMicros(r.StartedAt),
			DurationMS: r.DurationMS, Status: r.Status, Response: r.Response, Error: r.Error,
		}
	}
	return out, nil
}

// DeliveryRetry starts a fresh attempt series for deliveries that are not
// being attempted (see DeliveryRetryParams).
func (s *gormStore) DeliveryRetry(ctx context.Context, p DeliveryRetryParams) (int, error) {
	var cond string
	var args []any
	switch {
	case p.ID != "":
		cond, args = `id = $2`, []any{p.ID}
	case p.SubscriptionID != "":
		cond, args = `subscription_id = $2 AND status = 'failed' AND created_at >= $3`, []any{p.SubscriptionID, micros(p.Since)}
	default:
		return 0, errors.New("retry deliveries: want an ID or a SubscriptionID")
	}
	now := micros(s.nowOr(p.Now))
	var n int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		var err error
		n, err = newQuery(`UPDATE deliveries SET status = 'pending', series = series + 1, series_base = attempts,
	run_at = $1, finished_at = NULL, error = ''
WHERE lease_until IS NULL AND `+cond, append([]any{now}, args...)...).exec(tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("retry deliveries: %w", err)
	}
	return int(n), nil
}

// DeliveryPrune deletes one batch of old deliveries that are finished or
// whose subscription is gone, with their attempts.
func (s *gormStore) DeliveryPrune(ctx context.Context, p PruneParams) (int, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 500
	}
	var deleted int
	err := s.write(ctx, func(tx *gorm.DB) error {
		var ids []string
		err := newQuery(`SELECT id FROM deliveries d WHERE created_at < $1 AND (status <> 'pending'
	OR NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = d.subscription_id)) ORDER BY created_at LIMIT $2`,
			micros(p.Before), limit).scanAll(tx, func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		})
		if err != nil || len(ids) == 0 {
			return err
		}
		if err := newQuery(`DELETE FROM delivery_attempts WHERE delivery_id IN `).list(ids).execErr(tx); err != nil {
			return err
		}
		deleted = len(ids)
		return newQuery(`DELETE FROM deliveries WHERE id IN `).list(ids).execErr(tx)
	})
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return deleted, nil
}
