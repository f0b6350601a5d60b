package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// subscriptionRow is a row of subscriptions.
type subscriptionRow struct {
	ID             string         `gorm:"column:id;primaryKey"`
	Name           string         `gorm:"column:name"`
	URL            string         `gorm:"column:url"`
	Method         string         `gorm:"column:method"`
	ContentType    string         `gorm:"column:content_type"`
	MaxAttempts    int            `gorm:"column:max_attempts"`
	Active         int            `gorm:"column:active"`
	Secret         string         `gorm:"column:secret"`
	Events         string         `gorm:"column:events"`
	Description    string         `gorm:"column:description"`
	Headers        sql.NullString `gorm:"column:headers"`
	RateLimit      float64        `gorm:"column:rate_limit"`
	DisabledReason string         `gorm:"column:disabled_reason"`
	DisabledAt     sql.NullInt64  `gorm:"column:disabled_at"`
	FailingSince   sql.NullInt64  `gorm:"column:failing_since"`
	NoticePending  int            `gorm:"column:notice_pending"`
	Version        int            `gorm:"column:version"`
	CreatedAt      int64          `gorm:"column:created_at"`
	UpdatedAt      int64          `gorm:"column:updated_at"`
}

// TableName names the table for gorm.
func (subscriptionRow) TableName() string { return "subscriptions" }

// subscriptionColumns are the columns of subscriptionRow, in its order.
const subscriptionColumns = `id, name, url, method, content_type, max_attempts, active, secret, events, description,
headers, rate_limit, disabled_reason, disabled_at, failing_since, notice_pending, version, created_at, updated_at`

// scan reads a row selected with subscriptionColumns.
func (r *subscriptionRow) scan(rows *sql.Rows) error {
	return rows.Scan(&r.ID, &r.Name, &r.URL, &r.Method, &r.ContentType, &r.MaxAttempts, &r.Active, &r.Secret,
		&r.Events, &r.Description, &r.Headers, &r.RateLimit, &r.DisabledReason, &r.DisabledAt, &r.FailingSince,
		&r.NoticePending, &r.Version, &r.CreatedAt, &r.UpdatedAt)
}

// subscription converts the row; its JSON columns are decoded.
func (r *subscriptionRow) subscription() (*Subscription, error) {
	sub := &Subscription{
		ID: r.ID, Name: r.Name, URL: r.URL, Method: r.Method, ContentType: r.ContentType,
		MaxAttempts: r.MaxAttempts, Active: r.Active != 0, Secret: r.Secret, Description: r.Description,
		RateLimit: r.RateLimit, DisabledReason: r.DisabledReason, DisabledAt: fromNullMicros(r.DisabledAt),
		FailingSince: fromNullMicros(r.FailingSince), NoticePending: r.NoticePending != 0,
		Version: r.Version, CreatedAt: fromMicros(r.CreatedAt), UpdatedAt: fromMicros(r.UpdatedAt),
	}
	if err := json.Unmarshal([]byte(r.Events), &sub.Events); err != nil {
		return nil, fmt.Errorf("decode events of subscription %s: %w", r.ID, err)
	}
	if err := decodeInto(r.Headers, &sub.Headers); err != nil {
		return nil, fmt.Errorf("decode headers of subscription %s: %w", r.ID, err)
	}
	return sub, nil
}

// subscriptionValues encodes the columns a create or update writes.
func subscriptionValues(sub *Subscription) (events string, headers any, err error) {
	if sub.ID == "" {
		return "", nil, errors.New("ID must be set")
	}
	b, err := json.Marshal(sub.Events)
	if err != nil {
		return "", nil, fmt.Errorf("encode events: %w", err)
	}
	headers, err = encodeMap(sub.Headers)
	if err != nil {
		return "", nil, fmt.Errorf("encode headers: %w", err)
	}
	return string(b), headers, nil
}

// SubscriptionCreate stores a new subscription.
func (s *gormStore) SubscriptionCreate(ctx context.Context, sub *Subscription) error {
	events, headers, err := subscriptionValues(sub)
	if err != nil {
		return fmt.Errorf("create subscription: %w", err)
	}
	sub.Version = 1
	err = s.write(ctx, func(tx *gorm.DB) error {
		return newQuery(`INSERT INTO subscriptions (id, name, url, method, content_type, max_attempts, active, secret,
events, description, headers, rate_limit, version, created_at, updated_at) VALUES `).
			row(sub.ID, sub.Name, sub.URL, sub.Method, sub.ContentType, sub.MaxAttempts, flag(sub.Active), sub.Secret,
				events, sub.Description, headers, sub.RateLimit, 1, micros(sub.CreatedAt), micros(sub.UpdatedAt)).execErr(tx)
	})
	if err != nil {
		return fmt.Errorf("create subscription %s: %w", sub.ID, err)
	}
	return nil
}

// SubscriptionGet returns one subscription.
func (s *gormStore) SubscriptionGet(ctx context.Context, id string) (*Subscription, error) {
	var row subscriptionRow
	if err := s.r.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("get subscription %s: %w", id, notFound(err))
	}
	sub, err := row.subscription()
	if err != nil {
		return nil, fmt.Errorf("get subscription %s: %w", id, err)
	}
	return sub, nil
}

// SubscriptionList returns subscriptions newest first.
func (s *gormStore) SubscriptionList(ctx context.Context, p SubscriptionListParams) ([]*Subscription, string, error) {
	limit := listLimit(p.Limit)
	q := s.r.WithContext(ctx).Model(&subscriptionRow{})
	if p.Active != nil {
		q = q.Where("active = ?", flag(*p.Active))
	}
	if p.NoticePending {
		q = q.Where("notice_pending = 1")
	}
	q, err := after(q, "created_at", p.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("list subscriptions: %w", err)
	}
	var rows []subscriptionRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list subscriptions: %w", err)
	}
	var next string
	if len(rows) > limit {
		rows = rows[:limit]
		next = encodeCursor(rows[limit-1].CreatedAt, rows[limit-1].ID)
	}
	out := make([]*Subscription, 0, len(rows))
	for i := range rows {
		sub, err := rows[i].subscription()
		if err != nil {
			return nil, "", fmt.Errorf("list subscriptions: %w", err)
		}
		out = append(out, sub)
	}
	return out, next, nil
}

// SubscriptionUpdate writes a subscription if its version did not change.
func (s *gormStore) SubscriptionUpdate(ctx context.Context, sub *Subscription) error {
	events, headers, err := subscriptionValues(sub)
	if err != nil {
		return fmt.Errorf("update subscription: %w", err)
	}
	err = s.write(ctx, func(tx *gorm.DB) error {
		n, err := newQuery(`UPDATE subscriptions SET name = $1, url = $2, method = $3, content_type = $4,
	max_attempts = $5, active = $6, secret = $7, events = $8, description = $9, headers = $10,
	rate_limit = $11, disabled_reason = $12, disabled_at = $13, notice_pending = $14, updated_at = $15,
	failing_since = CASE WHEN active = 0 AND $6 = 1 THEN NULL ELSE failing_since END,
	version = version + 1
WHERE id = $16 AND version = $17`,
			sub.Name, sub.URL, sub.Method, sub.ContentType, sub.MaxAttempts, flag(sub.Active), sub.Secret, events,
			sub.Description, headers, sub.RateLimit, sub.DisabledReason, nullTime(sub.DisabledAt), flag(sub.NoticePending),
			micros(sub.UpdatedAt), sub.ID, sub.Version).exec(tx)
		if err != nil || n > 0 {
			return err
		}
		var found int64
		if err := tx.Raw(`SELECT COUNT(*) FROM subscriptions WHERE id = ?`, sub.ID).Scan(&found).Error; err != nil {
			return err
		}
		if found == 0 {
			return ErrNotFound
		}
		return ErrConflict
	})
	if err != nil {
		return fmt.Errorf("update subscription %s: %w", sub.ID, err)
	}
	sub.Version++
	return nil
}

// SubscriptionDelete removes a subscription, its deliveries and their
// attempts.
func (s *gormStore) SubscriptionDelete(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		n, err := newQuery(`DELETE FROM subscriptions WHERE id = $1`, id).exec(tx)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		err = newQuery(`DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE subscription_id = $1)`, id).execErr(tx)
		if err != nil {
			return err
		}
		return newQuery(`DELETE FROM deliveries WHERE subscription_id = $1`, id).execErr(tx)
	})
	if err != nil {
		return fmt.Errorf("delete subscription %s: %w", id, err)
	}
	return nil
}

// SubscriptionNoticeDone clears NoticePending for one deactivation.
func (s *gormStore) SubscriptionNoticeDone(ctx context.Context, id string, disabledAt time.Time) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		return newQuery(`UPDATE subscriptions SET notice_pending = 0 WHERE id = $1 AND disabled_at = $2`,
			id, micros(disabledAt)).execErr(tx)
	})
	if err != nil {
		return fmt.Errorf("record notice of subscription %s: %w", id, err)
	}
	return nil
}

// EventTypeSeen records a published event type.
func (s *gormStore) EventTypeSeen(ctx context.Context, name string, now time.Time) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		return newQuery(`INSERT INTO event_types (name, first_seen) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			name, micros(s.nowOr(now))).execErr(tx)
	})
	if err != nil {
		return fmt.Errorf("record event type %s: %w", name, err)
	}
	return nil
}

// EventTypeList returns the event types seen, by name.
func (s *gormStore) EventTypeList(ctx context.Context) ([]*EventType, error) {
	var out []*EventType
	err := newQuery(`SELECT name, first_seen FROM event_types ORDER BY name`).scanAll(s.r.WithContext(ctx), func(rows *sql.Rows) error {
		var name string
		var first int64
		if err := rows.Scan(&name, &first); err != nil {
			return err
		}
		out = append(out, &EventType{Name: name, FirstSeen: fromMicros(first)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list event types: %w", err)
	}
	return out, nil
}

// listLimit applies the lists' default (50) and bound (500).
func listLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return n
}

// flag stores a bool as 0 or 1.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nullTime stores *t, or NULL for nil.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}
