package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/hookflow/hookflow/engine"
)

// EventGet returns one event, Raw included.
func (s *gormStore) EventGet(ctx context.Context, id string) (*engine.Event, error) {
	var row eventRow
	if err := s.r.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("get event %s: %w", id, notFound(err))
	}
	ev, err := row.event()
	if err != nil {
		return nil, fmt.Errorf("get event %s: %w", id, err)
	}
	return ev, nil
}

// RunGet returns one run.
func (s *gormStore) RunGet(ctx context.Context, id string) (*Run, error) {
	var row runRow
	if err := s.r.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("get run %s: %w", id, notFound(err))
	}
	return row.run(), nil
}

// RunList returns runs newest first: by id, which sorts as creation time
// (see Store). Since is inclusive and Until exclusive; the ids' time
// prefix finds the range, and created_at decides it. The cursor is opaque
// to callers.
func (s *gormStore) RunList(ctx context.Context, p RunListParams) ([]*Run, string, error) {
	limit := listLimit(p.Limit)
	q := s.r.WithContext(ctx).Model(&runRow{})
	if p.Workflow != "" {
		q = q.Where("workflow = ?", p.Workflow)
	}
	if p.Status != "" {
		q = q.Where("status = ?", p.Status)
	}
	if !p.Since.IsZero() {
		q = q.Where("id >= ? AND created_at >= ?", engine.IDFloor(p.Since), micros(p.Since))
	}
	if !p.Until.IsZero() {
		q = q.Where("id < ? AND created_at < ?", engine.IDFloor(p.Until.Add(time.Millisecond)), micros(p.Until))
	}
	q, err := beforeID(q, p.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("list runs: %w", err)
	}
	var rows []runRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list runs: %w", err)
	}
	var next string
	if len(rows) > limit {
		rows = rows[:limit]
		next = idCursor(rows[limit-1].ID)
	}
	out := make([]*Run, len(rows))
	for i := range rows {
		out[i] = rows[i].run()
	}
	return out, next, nil
}

// beforeID narrows a list ordered by id descending to the rows past
// cursor (idCursor); "" is the first page.
func beforeID(q *gorm.DB, cursor string) (*gorm.DB, error) {
	if cursor == "" {
		return q, nil
	}
	id, err := decodeIDCursor(cursor)
	if err != nil {
		return nil, err
	}
	return q.Where("id < ?", id), nil
}

// decodeIDCursor reverses idCursor: the id, or ErrBadCursor when cursor is
// not one idCursor made.
func decodeIDCursor(cursor string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", ErrBadCursor
	}
	id, err := uuid.ParseBytes(b)
	if err != nil || id.String() != string(b) { // ids are canonical, lower case
		return "", ErrBadCursor
	}
	return string(b), nil
}

// idCursor names the position after the row with this id in a list
// ordered by id descending.
func idCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(id))
}

// after narrows a newest-first list to the rows past cursor, ordered by
// (col, id) descending; "" is the first page.
func after(q *gorm.DB, col, cursor string) (*gorm.DB, error) {
	if cursor == "" {
		return q, nil
	}
	at, id, err := decodeCursor(cursor)
	if err != nil {
		return nil, err
	}
	return q.Where(col+" < ? OR ("+col+" = ? AND id < ?)", at, at, id), nil
}

// encodeCursor names the position after a row.
func encodeCursor(createdAt int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(createdAt, 10) + "/" + id))
}

// decodeCursor reverses encodeCursor.
func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", ErrBadCursor
	}
	at, id, ok := strings.Cut(string(b), "/")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil {
		return 0, "", ErrBadCursor
	}
	return n, id, nil
}

// StepList returns the steps of a run in workflow order, phase 0 first.
func (s *gormStore) StepList(ctx context.Context, runID string) ([]*StepRecord, error) {
	var rows []stepRow
	db := s.r.WithContext(ctx)
	if err := db.Where("run_id = ?", runID).Order("phase, seq").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list steps of run %s: %w", runID, err)
	}
	if len(rows) == 0 {
		return s.compactSteps(db, runID)
	}
	out := make([]*StepRecord, len(rows))
	for i := range rows {
		rec, err := rows[i].record()
		if err != nil {
			return nil, fmt.Errorf("list steps of run %s: %w", runID, err)
		}
		out[i] = rec
	}
	return out, nil
}

// compactSteps returns the steps a run keeps in its own row (a run
// finished at Accept), none for a run without steps, or ErrNotFound.
func (s *gormStore) compactSteps(db *gorm.DB, runID string) ([]*StepRecord, error) {
	var rows []struct{ Steps sql.NullString }
	if err := db.Raw(`SELECT steps FROM runs WHERE id = ?`, runID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list steps of run %s: %w", runID, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("list steps of run %s: run %w", runID, ErrNotFound)
	}
	if !rows[0].Steps.Valid {
		return nil, nil
	}
	out, err := decodeCompactSteps(runID, rows[0].Steps.String)
	if err != nil {
		return nil, fmt.Errorf("list steps of run %s: %w", runID, err)
	}
	return out, nil
}

// AttemptList returns the attempts of a run in the order they started
// (then in the order they were recorded).
func (s *gormStore) AttemptList(ctx context.Context, runID string) ([]*AttemptRecord, error) {
	var rows []attemptRow
	db := s.r.WithContext(ctx)
	if err := db.Where("run_id = ?", runID).Order("started_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list attempts of run %s: %w", runID, err)
	}
	if len(rows) == 0 {
		if err := runExists(db, runID); err != nil {
			return nil, fmt.Errorf("list attempts of run %s: %w", runID, err)
		}
	}
	out := make([]*AttemptRecord, len(rows))
	for i := range rows {
		rec, err := rows[i].record()
		if err != nil {
			return nil, fmt.Errorf("list attempts of run %s: %w", runID, err)
		}
		out[i] = rec
	}
	if err := fillEventBodies(db, runID, out); err != nil {
		return nil, fmt.Errorf("list attempts of run %s: %w", runID, err)
	}
	return out, nil
}

// fillEventBodies puts the run's event's raw body back into the requests
// recorded with BodyFromEvent.
func fillEventBodies(db *gorm.DB, runID string, recs []*AttemptRecord) error {
	var reqs []*engine.RequestRecord
	for _, rec := range recs {
		for _, x := range rec.Exchanges {
			if x.Request != nil && x.Request.BodyFromEvent {
				reqs = append(reqs, x.Request)
			}
		}
	}
	if len(reqs) == 0 {
		return nil
	}
	var raw []byte
	err := db.Raw(`SELECT e.raw FROM runs r JOIN events e ON e.id = r.event_id WHERE r.id = ?`, runID).Row().Scan(&raw)
	if err != nil {
		return fmt.Errorf("read the body of the run's event: %w", err)
	}
	for _, req := range reqs {
		req.Body, req.BodyFromEvent = string(raw), false
	}
	return nil
}

// runExists returns ErrNotFound when the run does not exist.
func runExists(db *gorm.DB, id string) error {
	var n int64
	if err := db.Model(&runRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// notFound turns gorm's missing-row error into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
