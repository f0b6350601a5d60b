package server

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

// Page sizes of list answers.
const (
	defaultPageLimit = 50
	maxPageLimit     = 500
)

// pageLimit reads ?limit= (default 50, at most 500).
func pageLimit(c *fiber.Ctx) (int, error) {
	s := c.Query("limit")
	if s == "" {
		return defaultPageLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPageLimit {
		return 0, apiError(c, fiber.StatusBadRequest, fmt.Sprintf("limit must be a number from 1 to %d", maxPageLimit))
	}
	return n, nil
}

// storeError answers 404 for a missing row and 503 otherwise.
func storeError(c *fiber.Ctx, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return apiError(c, fiber.StatusNotFound, "not found")
	}
	if errors.Is(err, store.ErrBadCursor) {
		return apiError(c, fiber.StatusBadRequest, "cursor is not one this API gave")
	}
	c.Set(fiber.HeaderRetryAfter, "5")
	return apiError(c, fiber.StatusServiceUnavailable, "storage unavailable")
}

var runStatuses = []string{store.StatusQueued, store.StatusRunning, store.StatusSucceeded, store.StatusFailed, store.StatusSkipped, store.StatusCancelled}

// listRuns is GET /api/v1/runs?workflow=&status=&since=&until=.
func (a *App) listRuns(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	p := store.RunListParams{Workflow: c.Query("workflow"), Status: c.Query("status"), Limit: limit, Cursor: c.Query("cursor")}
	if p.Status != "" && !contains(runStatuses, p.Status) {
		return apiError(c, fiber.StatusBadRequest, "status must be one of "+strings.Join(runStatuses, ", "))
	}
	for name, dst := range map[string]*time.Time{"since": &p.Since, "until": &p.Until} {
		if s := c.Query(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return apiError(c, fiber.StatusBadRequest, name+" must be an RFC 3339 time like 2026-11-24T10:00:00Z")
			}
			*dst = t
		}
	}
	runs, next, err := a.store.RunList(c.UserContext(), p)
	if err != nil {
		return storeError(c, err)
	}
	if runs == nil {
		runs = []*store.Run{}
	}
	return c.JSON(fiber.Map{"items": runs, "next_cursor": next})
}

// getRun is GET /api/v1/runs/{id}: the run, its steps with their attempts
// (requests and responses, secrets shown as ***), and its event.
func (a *App) getRun(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := a.store.RunGet(ctx, c.Params("id"))
	if err != nil {
		return storeError(c, err)
	}
	steps, err := a.store.StepList(ctx, r.ID)
	if err != nil {
		return storeError(c, err)
	}
	attempts, err := a.store.AttemptList(ctx, r.ID)
	if err != nil {
		return storeError(c, err)
	}
	ev, err := a.store.EventGet(ctx, r.EventID)
	if err != nil {
		return storeError(c, err)
	}
	type stepView struct {
		*store.StepRecord
		DurationMS *int64                 `json:"duration_ms,omitempty"`
		Attempts   []*store.AttemptRecord `json:"attempt_records"`
	}
	views := make([]stepView, 0, len(steps))
	for _, s := range steps {
		v := stepView{StepRecord: s, Attempts: []*store.AttemptRecord{}}
		if s.StartedAt != nil && s.FinishedAt != nil {
			d := s.FinishedAt.Sub(*s.StartedAt).Milliseconds()
			v.DurationMS = &d
		}
		for _, at := range attempts {
			if at.StepID == s.StepID {
				v.Attempts = append(v.Attempts, at)
			}
		}
		views = append(views, v)
	}
	return c.JSON(fiber.Map{"run": r, "steps": views, "event": a.eventView(ev)})
}

// eventView is an event as the API shows it: credential headers hidden,
// the raw body as text.
func (a *App) eventView(ev *engine.Event) fiber.Map {
	headers := make(map[string]string, len(ev.Headers))
	for k, v := range ev.Headers {
		if engine.IsSecretHeader(k) {
			v = "***"
		}
		headers[k] = v
	}
	return fiber.Map{"id": ev.ID, "type": ev.Type, "method": ev.Method, "path": ev.Path, "headers": headers,
		"query": ev.Query, "body": ev.Body, "received_at": ev.ReceivedAt}
}

// cancelRun is POST /api/v1/runs/{id}/cancel.
func (a *App) cancelRun(c *fiber.Ctx) error {
	changed, err := a.store.RunCancel(c.UserContext(), c.Params("id"))
	if err != nil {
		return storeError(c, err)
	}
	if !changed {
		return apiError(c, fiber.StatusConflict, "the run has already finished")
	}
	r, err := a.store.RunGet(c.UserContext(), c.Params("id"))
	if err != nil {
		return storeError(c, err)
	}
	return c.JSON(r)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
