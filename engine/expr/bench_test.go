package expr

import (
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// webhookEnv is a typical webhook event: a JSON body with ten keys and
// eight headers.
func webhookEnv() *Env {
	return &Env{
		Event: &engine.Event{
			ID: "evt_1", Type: "webhook", Method: "POST", Path: "orders",
			Headers: map[string]string{
				"content-type": "application/json", "user-agent": "shop/1.0", "x-shop-topic": "orders/create",
				"x-shop-hmac": "abc", "x-request-id": "r-1", "accept": "*/*", "content-length": "420", "host": "hooks.example.com",
			},
			Body: map[string]any{
				"id": "ord_1", "type": "purchase", "total": 129.5, "currency": "EUR", "customer": map[string]any{"email": "a@example.com"},
				"items": []any{map[string]any{"sku": "A", "qty": 1.0}}, "created": "2024-05-01T10:00:00Z", "paid": true,
				"note": "", "channel": "web",
			},
			Raw:        []byte(`{"id":"ord_1"}`),
			ReceivedAt: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		},
		Vars: map[string]any{"billing": "https://billing.example.com"},
		Env:  map[string]string{"BILLING_URL": "https://billing.example.com"},
		Run:  RunInfo{ID: "run_1", Workflow: "order-fanout", Version: 3},
	}
}

// BenchmarkIfFilter is the requirement: a compiled `if:` on a typical
// webhook event takes at most 1µs and 2 allocations per evaluation.
func BenchmarkIfFilter(b *testing.B) {
	p, err := Compile(`event.body.type == "purchase" && event.body.total > 0`, Options{})
	if err != nil {
		b.Fatal(err)
	}
	env := webhookEnv()
	b.ReportAllocs()
	reportCPU(b, func() {
		if ok, err := p.Bool(env); err != nil || !ok {
			b.Fatal(ok, err)
		}
	})
}

func BenchmarkWholeTemplate(b *testing.B) {
	v, errs := CompileString(`${{ event.body.total }}`, Options{})
	if errs != nil {
		b.Fatal(errs)
	}
	env := webhookEnv()
	b.ReportAllocs()
	reportCPU(b, func() {
		if _, err := v.Eval(env); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkMixedTemplate(b *testing.B) {
	v, errs := CompileString(`${{ vars.billing }}/invoices/${{ event.body.id }}?total=${{ event.body.total }}`, Options{})
	if errs != nil {
		b.Fatal(errs)
	}
	env := webhookEnv()
	b.ReportAllocs()
	reportCPU(b, func() {
		if _, err := v.Eval(env); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkCompile measures what loading a workflow pays per expression.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(`event.body.type == "purchase" && event.body.total > 0`, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
