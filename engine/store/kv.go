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

// kvRow is one key of the key-value state.
type kvRow struct {
	Namespace string        `gorm:"column:namespace;primaryKey"`
	Key       string        `gorm:"column:key;primaryKey"`
	Value     string        `gorm:"column:value"`
	ExpiresAt sql.NullInt64 `gorm:"column:expires_at"`
	UpdatedAt int64         `gorm:"column:updated_at"`
}

// TableName names the table for gorm.
func (kvRow) TableName() string { return "kv" }

func (r *kvRow) live(now time.Time) bool {
	return !r.ExpiresAt.Valid || r.ExpiresAt.Int64 > micros(now)
}

func expiry(ttl time.Duration, now time.Time) sql.NullInt64 {
	if ttl <= 0 {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(now.Add(ttl)), Valid: true}
}

// KVGet returns a live value.
func (s *gormStore) KVGet(ctx context.Context, k KVKey, now time.Time) (any, bool, error) {
	var row kvRow
	err := s.r.WithContext(ctx).Where("namespace = ? AND key = ?", k.Namespace, k.Key).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get %s/%s: %w", k.Namespace, k.Key, err)
	}
	if !row.live(s.nowOr(now)) {
		return nil, false, nil
	}
	var v any
	if err := json.Unmarshal([]byte(row.Value), &v); err != nil {
		return nil, false, fmt.Errorf("get %s/%s: decode: %w", k.Namespace, k.Key, err)
	}
	return v, true, nil
}

// KVSet stores a value.
func (s *gormStore) KVSet(ctx context.Context, k KVKey, value any, ttl time.Duration, now time.Time) error {
	b, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("set %s/%s: encode: %w", k.Namespace, k.Key, err)
	}
	now = s.nowOr(now)
	err = s.write(ctx, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO kv (namespace, key, value, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
			k.Namespace, k.Key, string(b), expiry(ttl, now), micros(now)).Error
	})
	if err != nil {
		return fmt.Errorf("set %s/%s: %w", k.Namespace, k.Key, err)
	}
	return nil
}

// KVIncr adds to a number atomically: the row is created if missing, then
// read under a row lock (PostgreSQL) or the single writer (SQLite), and
// written back in the same transaction.
func (s *gormStore) KVIncr(ctx context.Context, k KVKey, by float64, ttl time.Duration, now time.Time) (float64, error) {
	now = s.nowOr(now)
	var out float64
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO kv (namespace, key, value, expires_at, updated_at) VALUES (?, ?, '0', ?, ?)
ON CONFLICT (namespace, key) DO NOTHING`, k.Namespace, k.Key, expiry(ttl, now), micros(now)).Error; err != nil {
			return err
		}
		var row kvRow
		if err := tx.Raw(`SELECT namespace, key, value, expires_at, updated_at FROM kv WHERE namespace = ? AND key = ?`+s.d.lockRows(),
			k.Namespace, k.Key).Scan(&row).Error; err != nil {
			return err
		}
		cur := 0.0
		if row.live(now) {
			if err := json.Unmarshal([]byte(row.Value), &cur); err != nil {
				return fmt.Errorf("the value is not a number")
			}
		}
		out = cur + by
		exp := row.ExpiresAt
		if ttl > 0 || !row.live(now) {
			exp = expiry(ttl, now)
		}
		b, _ := json.Marshal(out)
		return tx.Exec(`UPDATE kv SET value = ?, expires_at = ?, updated_at = ? WHERE namespace = ? AND key = ?`,
			string(b), exp, micros(now), k.Namespace, k.Key).Error
	})
	if err != nil {
		return 0, fmt.Errorf("incr %s/%s: %w", k.Namespace, k.Key, err)
	}
	return out, nil
}

// KVDelete removes a key.
func (s *gormStore) KVDelete(ctx context.Context, k KVKey) (bool, error) {
	var n int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`DELETE FROM kv WHERE namespace = ? AND key = ?`, k.Namespace, k.Key)
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return false, fmt.Errorf("delete %s/%s: %w", k.Namespace, k.Key, err)
	}
	return n > 0, nil
}
