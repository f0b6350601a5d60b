package actions

import (
	"context"
	"errors"
	"fmt"

	"github.com/hookflow/hookflow/engine"
)

// EmitParams are the parameters of the emit action.
type EmitParams struct {
	Type string `json:"type" required:"true" doc:"The event type to publish, like order.shipped."`
	Data any    `json:"data" doc:"The event's data: what listening workflows see as event.body and subscribers as data."`
}

// Emit returns the emit action: it publishes an event (SPEC section 4) that
// starts the workflows listening for its type. A retried attempt publishes
// nothing new: the step's delivery id is the event's dedupe key.
func Emit(deps Deps) engine.Definition {
	return engine.Definition{
		Name:    "emit",
		Summary: "Publishes an event that starts the workflows (and subscriptions) listening for its type.",
		Output:  "id: the published event's id.",
		Params:  EmitParams{},
		Action:  emitAction{pub: deps.Publisher},
	}
}

type emitAction struct{ pub engine.Publisher }

var _ engine.Action = emitAction{}

// Run publishes the event once per delivery.
func (a emitAction) Run(ctx context.Context, step *engine.Step) (any, error) {
	p, err := paramsOf[EmitParams]("emit", step)
	if err != nil {
		return nil, err
	}
	if p.Type == "" {
		return nil, engine.Permanent(errors.New("emit: type is empty"))
	}
	if step.DryRun {
		step.Observe(&engine.RequestRecord{Method: "EMIT", URL: p.Type, Body: fmt.Sprint(p.Data)}, nil)
		return map[string]any{"id": "", "dry_run": true}, nil
	}
	if a.pub == nil {
		return nil, engine.Permanent(errors.New("emit: publishing is not available here"))
	}
	id, err := a.pub.Publish(ctx, p.Type, p.Data, "emit:"+step.DeliveryID)
	if err != nil {
		return nil, fmt.Errorf("emit %s: %w", p.Type, err)
	}
	return map[string]any{"id": id}, nil
}
