package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/signature"
	"github.com/hookflow/hookflow/engine/workflow"
	"github.com/hookflow/hookflow/triggers/webhook"
)

// The server's wiring: the waiters exist before the action registry, the
// trigger serves /hooks/* on an app whose BodyLimit covers every max_body,
// and its Waiters answer the respond action. Here a DispatcherFunc stands
// in for (*run.Engine).Dispatch.
func Example() {
	waiters := webhook.NewWaiters()
	reg := actions.Registry(actions.Deps{Responder: waiters})
	w, diags := workflow.Parse("orders.yaml", []byte(`name: orders
on:
  webhook:
    path: orders
    methods: [POST]
    verify: { secret: "${{ env.ORDERS_SECRET }}" }
steps:
  - { id: note, uses: log, with: { message: "order ${{ event.body.id }}" } }
`), reg)
	if len(diags) > 0 {
		panic(diags)
	}
	tr := webhook.New(webhook.Options{
		Dispatcher: webhook.DispatcherFunc(func(_ context.Context, ev *engine.Event, tgs []run.Target) (engine.AcceptResult, error) {
			return engine.AcceptResult{EventID: "ev-1", RunIDs: []string{"run-1"}}, nil
		}),
		Env:     map[string]string{"ORDERS_SECRET": "s3cret"},
		Waiters: waiters,
		Inspect: func(r webhook.Record) { fmt.Println("inspector:", r.Status, r.Verdict) },
	})
	if err := tr.Load([]run.Target{{Workflow: w, Version: 1}}); err != nil {
		panic(err)
	}
	fmt.Println("inbound:", tr.Paths())

	app := fiber.New(fiber.Config{BodyLimit: 32 << 20, DisableStartupMessage: true})
	app.All("/hooks/*", tr.Handler())

	body := `{"id":"A-1"}`
	for _, sig := range []string{signature.SignHex("s3cret", []byte(body)), strings.Repeat("0", 64)} {
		req := httptest.NewRequest("POST", "/hooks/orders", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature", sig)
		resp, err := app.Test(req)
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, string(b))
	}
	// Output:
	// inbound: [orders]
	// inspector: 202 accepted
	// 202 {"id":"ev-1"}
	// inspector: 401 signature does not match
	// 401 {"error":"signature does not match"}
}
