package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/hookflow/hookflow/engine"
)

// Prune deletes one small batch of old records (see Store.Prune).
func (s *gormStore) Prune(ctx context.Context, p PruneParams) (int, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 500
	}
	// The ids' time prefix bounds the scan (see Store); the time columns
	// decide.
	before, bound := micros(p.Before), engine.IDFloor(p.Before.Add(time.Millisecond))
	deleted := 0
	err := s.write(ctx, func(tx *gorm.DB) error {
		var ids []string
		if err := tx.Raw(`SELECT id FROM runs WHERE id < ? AND created_at < ? AND finished_at IS NOT NULL ORDER BY id LIMIT ?`,
			bound, before, limit).Scan(&ids).Error; err != nil {
			return err
		}
		if len(ids) > 0 {
			for _, table := range []string{"attempts", "steps"} {
				if err := tx.Exec(`DELETE FROM `+table+` WHERE run_id IN ?`, ids).Error; err != nil {
					return err
				}
			}
			if err := tx.Exec(`DELETE FROM runs WHERE id IN ?`, ids).Error; err != nil {
				return err
			}
		}
		res := tx.Exec(`DELETE FROM events WHERE id IN (SELECT id FROM events e WHERE e.id < ? AND e.received_at < ?
AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.event_id = e.id)
AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending') ORDER BY e.id LIMIT ?)`, bound, before, limit)
		if res.Error != nil {
			return res.Error
		}
		deleted = len(ids) + int(res.RowsAffected)
		return tx.Exec(`DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at < ?`, micros(s.nowOr(p.Now))).Error
	})
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	return deleted, nil
}
