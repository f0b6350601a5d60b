package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/triggers/event"
)

// publishRequest is the body of POST /api/v1/events.
type publishRequest struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// publishEvent stores a published event and starts the workflows whose
// on.event.types match its type; 202 {"id"} after the commit.
func (a *App) publishEvent(c *fiber.Ctx) error {
	if a.draining.Load() {
		c.Set(fiber.HeaderRetryAfter, "5")
		return apiError(c, fiber.StatusServiceUnavailable, "draining: the server is shutting down")
	}
	var req publishRequest
	if err := json.Unmarshal(c.Body(), &req); err != nil {
		return apiError(c, fiber.StatusBadRequest, "body must be JSON like {\"type\": \"post.created\", \"data\": {…}}")
	}
	if strings.TrimSpace(req.Type) == "" {
		return apiError(c, fiber.StatusUnprocessableEntity, "type is required, like \"post.created\"")
	}
	res, err := a.publish(c.UserContext(), req.Type, req.Data, idempotencyKey(c, "event"))
	if err != nil {
		a.log.Error("publish event", "type", req.Type, "err", err)
		c.Set(fiber.HeaderRetryAfter, "5")
		return apiError(c, fiber.StatusServiceUnavailable, "storage unavailable: the event was not stored")
	}
	status := fiber.StatusAccepted
	if res.Duplicate {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(fiber.Map{"id": res.EventID, "runs": nonNil(res.RunIDs)})
}

// Publish stores a published event and starts the workflows whose
// on.event.types match its type (engine.Publisher, for the emit action).
func (a *App) Publish(ctx context.Context, typ string, data any, dedupeKey string) (string, error) {
	res, err := a.publish(ctx, typ, data, dedupeKey)
	return res.EventID, err
}

func (a *App) publish(ctx context.Context, typ string, data any, dedupeKey string) (engine.AcceptResult, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return engine.AcceptResult{}, fmt.Errorf("encode event data: %w", err)
	}
	ev := &engine.Event{Type: typ, Body: data, Raw: raw, DedupeKey: dedupeKey}
	return a.dispatchPublished(ctx, ev, event.Targets(a.catalog.List(), typ))
}

// triggerWorkflow starts a manual run of one workflow with the event given
// as fields (method, headers, query, body, type) or as its body.
func (a *App) triggerWorkflow(c *fiber.Ctx) error {
	name := c.Params("name")
	t, ok := a.catalog.Current(name)
	if !ok {
		return apiError(c, fiber.StatusNotFound, fmt.Sprintf("no workflow named %q", name))
	}
	fields := map[string]any{}
	if len(c.Body()) > 0 {
		var v any
		if err := json.Unmarshal(c.Body(), &v); err != nil {
			return apiError(c, fiber.StatusBadRequest, "body must be JSON: the event's fields or its body")
		}
		if m, ok := v.(map[string]any); ok {
			fields = m
		} else {
			fields = map[string]any{"body": v}
		}
	}
	ev, err := engine.EventFromFields(fields)
	if err != nil {
		return apiError(c, fiber.StatusUnprocessableEntity, err.Error())
	}
	res, err := a.dispatch(c.UserContext(), ev, []run.Target{t})
	if err != nil {
		c.Set(fiber.HeaderRetryAfter, "5")
		return apiError(c, fiber.StatusServiceUnavailable, "storage unavailable: the event was not stored")
	}
	runID := ""
	if len(res.RunIDs) > 0 {
		runID = res.RunIDs[0]
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"event_id": res.EventID, "run_id": runID})
}

// idempotencyKey turns an Idempotency-Key header into a dedupe key.
func idempotencyKey(c *fiber.Ctx, scope string) string {
	if k := c.Get("Idempotency-Key"); k != "" {
		return scope + ":" + k
	}
	return ""
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
