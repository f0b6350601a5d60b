package workflow_test

import (
	"context"
	"fmt"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/workflow"
)

type logParams struct {
	Message string `json:"message" required:"true" doc:"The line to write."`
}

func registry() *engine.Registry {
	nop := engine.ActionFunc(func(context.Context, *engine.Step) (any, error) { return nil, nil })
	return engine.NewRegistry().Add(engine.Definition{Name: "log", Params: logParams{}, Action: nop})
}

// Parse reports every problem of a file at once, sorted by position.
func ExampleParse_diagnostics() {
	src := []byte(`name: Orders
steps:
  - id: note
    uses: log
    neeeds: [start]
    with: { mesage: hi }
`)
	_, ds := workflow.Parse("orders.yaml", src, registry())
	for _, d := range ds {
		fmt.Println(d)
	}
	// Output:
	// orders.yaml:1:7: name "Orders" is not valid: use lower-case letters, digits, _ and -
	// orders.yaml:5:5: unknown key "neeeds" in step "note"; did you mean "needs"?
	// orders.yaml:6:5: missing required key "message" in with of step "note"
	// orders.yaml:6:13: unknown key "mesage" in with of step "note"; did you mean "message"?
}

// A step needs the steps its expressions read.
func ExampleParse_needs() {
	src := []byte(`name: orders
on:
  webhook: { path: /orders, methods: [post] }
steps:
  - id: first
    uses: log
    with: { message: "${{ event.body.id }}" }
  - id: second
    uses: log
    with: { message: "after ${{ steps.first.status }}" }
`)
	wf, ds := workflow.Parse("orders.yaml", src, registry())
	if err := ds.Err(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(wf.On.Webhook.Path, wf.On.Webhook.Methods, wf.On.Webhook.MaxBody)
	fmt.Println(wf.Step("second").Needs, wf.Step("second").Timeout, wf.Step("second").Retry.MaxAttempts)
	// Output:
	// orders [POST] 1048576
	// [first] 30s 3
}
