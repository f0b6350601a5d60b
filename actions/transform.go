package actions

import (
	"context"

	"github.com/hookflow/hookflow/engine"
)

// TransformParams are the parameters of the transform action.
type TransformParams struct {
	Values map[string]any `json:"values" required:"true" doc:"The values to compute, by name; expressions in them are evaluated and the results become the output."`
}

// Transform returns the transform action: its output is its evaluated
// values, so later steps can read steps.<id>.output.<name>.
func Transform(Deps) engine.Definition {
	return engine.Definition{
		Name:    "transform",
		Summary: "Computes values from the event and earlier steps.",
		Output:  "The evaluated values, by name.",
		Params:  TransformParams{},
		Pure:    true,
		Inline:  true,
		Action:  transformAction{},
	}
}

// transformAction performs the transform action.
type transformAction struct{}

var _ engine.Action = transformAction{}

// Run returns the evaluated values; an absent values is an empty map.
func (transformAction) Run(_ context.Context, step *engine.Step) (any, error) {
	p, err := paramsOf[TransformParams]("transform", step)
	if err != nil {
		return nil, err
	}
	if p.Values == nil {
		return map[string]any{}, nil
	}
	return p.Values, nil
}
