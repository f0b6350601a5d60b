package store

import (
	"context"
	"fmt"

	"github.com/hookflow/hookflow/engine"
)

// EventList returns events newest first (by id, which sorts as ReceivedAt;
// see Store), without Raw.
func (s *gormStore) EventList(ctx context.Context, p EventListParams) ([]*engine.Event, string, error) {
	limit := listLimit(p.Limit)
	q := s.r.WithContext(ctx).Model(&eventRow{})
	if p.Type != "" {
		q = q.Where("type = ?", p.Type)
	}
	q, err := beforeID(q, p.Cursor)
	if err != nil {
		return nil, "", fmt.Errorf("list events: %w", err)
	}
	var rows []eventRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list events: %w", err)
	}
	var next string
	if len(rows) > limit {
		rows = rows[:limit]
		next = idCursor(rows[limit-1].ID)
	}
	out := make([]*engine.Event, 0, len(rows))
	for i := range rows {
		ev, err := rows[i].event()
		if err != nil {
			return nil, "", fmt.Errorf("list events: %w", err)
		}
		ev.Raw = nil // read for bodies kept in raw; not part of a list
		out = append(out, ev)
	}
	return out, next, nil
}

// RunsOfEvent returns the runs of one event, oldest first.
func (s *gormStore) RunsOfEvent(ctx context.Context, eventID string) ([]*Run, error) {
	var rows []runRow
	if err := s.r.WithContext(ctx).Where("event_id = ?", eventID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list runs of event %s: %w", eventID, err)
	}
	out := make([]*Run, len(rows))
	for i := range rows {
		out[i] = rows[i].run()
	}
	return out, nil
}

// RunCounts counts runs by status.
func (s *gormStore) RunCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	if err := s.r.WithContext(ctx).Raw(`SELECT status, COUNT(*) AS n FROM runs GROUP BY status`).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count runs: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}
