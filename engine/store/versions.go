package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// VersionSave stores source as the workflow's next version unless it is
// identical (same SHA-256) to the latest one, and returns the version.
// Two nodes saving at once both succeed: the one that loses the race for a
// number reads again and tries the next.
func (s *gormStore) VersionSave(ctx context.Context, workflow string, source []byte) (int, error) {
	if workflow == "" {
		return 0, errors.New("save version: workflow name is empty")
	}
	sum := sha256.Sum256(source)
	hash := hex.EncodeToString(sum[:])
	for range 10 {
		var v int
		var lost bool
		err := s.write(ctx, func(tx *gorm.DB) error {
			var latest versionRow
			err := tx.Where("workflow = ?", workflow).Order("version DESC").Limit(1).Find(&latest).Error
			if err != nil {
				return err
			}
			if latest.Version > 0 && latest.SHA256 == hash {
				v = latest.Version
				return nil
			}
			v = latest.Version + 1
			n, err := newQuery(`INSERT INTO workflow_versions (workflow, version, source, sha256, created_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, workflow, v, string(source), hash, micros(s.now())).exec(tx)
			lost = n == 0
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("save version of %s: %w", workflow, err)
		}
		if !lost {
			return v, nil
		}
	}
	return 0, fmt.Errorf("save version of %s: too many concurrent saves", workflow)
}

// VersionList returns a workflow's versions, newest first, without their
// sources.
func (s *gormStore) VersionList(ctx context.Context, workflow string) ([]*Version, error) {
	var rows []versionRow
	err := s.r.WithContext(ctx).Select("workflow", "version", "created_at").
		Where("workflow = ?", workflow).Order("version DESC").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", workflow, err)
	}
	out := make([]*Version, len(rows))
	for i := range rows {
		out[i] = rows[i].version()
	}
	return out, nil
}

// VersionGet returns one version with its source.
func (s *gormStore) VersionGet(ctx context.Context, workflow string, version int) (*Version, error) {
	var row versionRow
	err := s.r.WithContext(ctx).Where("workflow = ? AND version = ?", workflow, version).Take(&row).Error
	if err != nil {
		return nil, fmt.Errorf("get version %d of %s: %w", version, workflow, notFound(err))
	}
	return row.version(), nil
}
