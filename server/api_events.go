package server

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/triggers/event"
)

// listEvents is GET /api/v1/events?type=: newest first.
func (a *App) listEvents(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	evs, next, err := a.store.EventList(c.UserContext(), store.EventListParams{Type: c.Query("type"), Limit: limit, Cursor: c.Query("cursor")})
	if err != nil {
		return storeError(c, err)
	}
	items := make([]fiber.Map, 0, len(evs))
	for _, ev := range evs {
		items = append(items, a.eventView(ev))
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

// getEvent is GET /api/v1/events/{id}: the event and the runs it started.
func (a *App) getEvent(c *fiber.Ctx) error {
	ev, err := a.store.EventGet(c.UserContext(), c.Params("id"))
	if err != nil {
		return storeError(c, err)
	}
	runs, err := a.store.RunsOfEvent(c.UserContext(), ev.ID)
	if err != nil {
		return storeError(c, err)
	}
	view := a.eventView(ev)
	view["runs"] = runs
	return c.JSON(view)
}

// replayEvent is POST /api/v1/events/{id}/replay: the event is dispatched
// again to the workflows that match it now. A workflow that already has a
// run for it gets none (one event and one workflow make at most one run).
func (a *App) replayEvent(c *fiber.Ctx) error {
	ev, err := a.store.EventGet(c.UserContext(), c.Params("id"))
	if err != nil {
		return storeError(c, err)
	}
	res, err := a.engine.Dispatch(c.UserContext(), ev, a.matching(ev))
	if err != nil {
		return storeError(c, err)
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"id": ev.ID, "runs": nonNil(res.RunIDs)})
}

// matching returns the current workflows an event would start.
func (a *App) matching(ev *engine.Event) []run.Target {
	all := a.catalog.List()
	if ev.Type == "webhook" {
		var out []run.Target
		for _, t := range all {
			if h := t.Workflow.On.Webhook; h != nil && h.Path == ev.Path && methodAllowed(h.Methods, ev.Method) {
				out = append(out, t)
			}
		}
		return out
	}
	return event.Targets(all, ev.Type)
}

func methodAllowed(methods []string, m string) bool {
	return len(methods) == 0 || contains(methods, m)
}

// replayRun is POST /api/v1/runs/{id}/replay: the same event through the
// workflow's current version, as a new run linked to the old one.
func (a *App) replayRun(c *fiber.Ctx) error {
	old, err := a.store.RunGet(c.UserContext(), c.Params("id"))
	if err != nil {
		return storeError(c, err)
	}
	t, ok := a.catalog.Current(old.Workflow)
	if !ok {
		return apiError(c, fiber.StatusConflict, fmt.Sprintf("workflow %q no longer exists", old.Workflow))
	}
	ev, err := a.store.EventGet(c.UserContext(), old.EventID)
	if err != nil {
		return storeError(c, err)
	}
	runID, err := a.engine.Replay(c.UserContext(), ev, t, old.ID)
	if err != nil {
		return storeError(c, err)
	}
	if runID == "" {
		return apiError(c, fiber.StatusConflict, "this run was already replayed; replay the newest run instead")
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"run_id": runID, "replay_of": old.ID, "event_id": ev.ID})
}
