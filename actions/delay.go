package actions

import (
	"context"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// DelayParams are the parameters of the delay action.
type DelayParams struct {
	Duration engine.Duration `json:"duration" doc:"How long to wait, like 30s, 1h or 72h."`
	Until    string          `json:"until" doc:"A time to wait for instead (RFC 3339, like 2026-12-01T09:00:00Z)."`
}

// Delay returns the delay action: it waits durably. The step is queued in
// the store until the time comes — no goroutine sleeps through the wait, so
// a restart does not lose it. It is not Pure, so `hookflow test` does not
// wait: a dry run ends at once.
func Delay(deps Deps) engine.Definition {
	return engine.Definition{
		Name:    "delay",
		Summary: "Waits for a duration or until a time, durably: the wait survives a restart.",
		Output:  "waited_until: the time the wait ended.",
		Params:  DelayParams{},
		Action:  delayAction{now: clockOf(deps)},
	}
}

type delayAction struct{ now func() time.Time }

var _ engine.Action = delayAction{}

// Run defers the step to its wake time on the first attempt, and finishes
// once that time has come.
func (a delayAction) Run(_ context.Context, step *engine.Step) (any, error) {
	p, err := paramsOf[DelayParams]("delay", step)
	if err != nil {
		return nil, err
	}
	now := a.now()
	wake, err := wakeTime(p, step.Resume, now)
	if err != nil {
		return nil, engine.Permanent(err)
	}
	if step.DryRun || !now.Before(wake) {
		return map[string]any{"waited_until": wake.UTC().Format(time.RFC3339Nano)}, nil
	}
	return nil, engine.Defer(wake, map[string]any{"wake_at": wake.UTC().Format(time.RFC3339Nano)})
}

// wakeTime is the time recorded by an earlier attempt, or the one the
// parameters give.
func wakeTime(p *DelayParams, resume any, now time.Time) (time.Time, error) {
	if m, ok := resume.(map[string]any); ok {
		if s, ok := m["wake_at"].(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t, nil
			}
		}
	}
	switch {
	case p.Until != "" && p.Duration != 0:
		return time.Time{}, fmt.Errorf("delay: give duration or until, not both")
	case p.Until != "":
		t, err := time.Parse(time.RFC3339, p.Until)
		if err != nil {
			return time.Time{}, fmt.Errorf("delay: until %q is not an RFC 3339 time like 2026-12-01T09:00:00Z", p.Until)
		}
		return t, nil
	case p.Duration < 0:
		return time.Time{}, fmt.Errorf("delay: duration must not be negative")
	}
	return now.Add(p.Duration.Std()), nil
}
