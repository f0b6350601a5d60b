package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/hookflow/hookflow/engine"
)

// RespondParams are the parameters of the respond action.
type RespondParams struct {
	Status  int     `json:"status" default:"200" doc:"The HTTP status of the answer, from 100 to 599; 200 when not set."`
	Headers TextMap `json:"headers" doc:"Headers of the answer, by name."`
	Body    any     `json:"body" doc:"The body of the answer: a string is sent as it is, any other value as JSON."`
}

// Respond returns the respond action: it gives the answer of the webhook
// request that started the run, when that request waits for it
// (on.webhook.respond: wait). It goes through deps.Responder; without one,
// or when nobody waits for the run, it does nothing and succeeds.
func Respond(deps Deps) engine.Definition {
	deps = deps.withDefaults()
	return engine.Definition{
		Name:    "respond",
		Summary: "Answers the webhook request that started the run (on.webhook.respond: wait).",
		Output:  "Nothing.",
		Params:  RespondParams{},
		// Answering the waiting request is no outside effect: hookflow test
		// runs the step for real (it records the answer) instead of mocking it.
		Pure:   true,
		Action: &respondAction{responder: deps.Responder, logger: deps.Logger},
	}
}

// respondAction performs the respond action.
type respondAction struct {
	responder engine.Responder // nil: nobody can wait
	logger    *slog.Logger
}

var _ engine.Action = (*respondAction)(nil)

// Run checks the status, records the answer with step.Observe (as a
// response without a request) and, unless the step is a dry run, hands it
// to the responder. A status outside 100–599 or a body that cannot be
// encoded as JSON fails the step permanently.
func (a *respondAction) Run(ctx context.Context, step *engine.Step) (any, error) {
	p, err := paramsOf[RespondParams]("respond", step)
	if err != nil {
		return nil, err
	}
	status := p.Status
	if status == 0 {
		status = 200
	}
	if status < 100 || status > 599 {
		return nil, engine.Permanent(fmt.Errorf("respond: status %d is not an HTTP status (100 to 599)", p.Status))
	}
	recorded, err := respondBodyText(p.Body)
	if err != nil {
		return nil, engine.Permanent(err)
	}
	resp := engine.Response{Status: status, Headers: map[string]string(p.Headers), Body: p.Body}
	step.Observe(nil, &engine.ResponseRecord{Status: status, Headers: resp.Headers, Body: recorded})
	logger := step.Log
	if logger == nil {
		logger = a.logger.With("run", step.RunID, "step", step.StepID)
	}
	if step.DryRun {
		logger.DebugContext(ctx, "dry run: the answer is not sent", "status", status)
		return nil, nil
	}
	if a.responder == nil || !a.responder.Respond(step.RunID, resp) {
		logger.DebugContext(ctx, "no request is waiting for this run's answer", "status", status)
	}
	return nil, nil
}

// respondBodyText is the body as it goes on the wire: a string as it is,
// nil as nothing, anything else as JSON.
func respondBodyText(body any) (string, error) {
	switch b := body.(type) {
	case nil:
		return "", nil
	case string:
		return b, nil
	}
	out, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("respond: encode body as JSON: %w", err)
	}
	return string(out), nil
}
