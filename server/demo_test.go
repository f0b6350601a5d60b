package server

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/signature"
	"github.com/hookflow/hookflow/engine/store"
)

// TestDemoEndToEnd is `make run` and the README's curl: the workflows
// folder as shipped, the demo settings, one signed purchase; the order
// fan-out's billing, shipping and inventory calls reach hookflow's own demo
// hooks, which answer through respond: wait, and the low-stock branch runs
// on the demo inventory's answer.
func TestDemoEndToEnd(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	paths, err := filepath.Glob("../workflows/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = string(b)
	}
	addr := freeAddr(t)
	base := "http://" + addr + "/hooks/demo/"
	env := []string{"BILLING_URL=" + base + "billing", "SHIPPING_URL=" + base + "shipping",
		"INVENTORY_URL=" + base + "inventory", "ORDERS_SECRET=demo-secret"}
	app := startAppWith(t, "", env, files, func(c *serveConfig) { c.Addr = addr })
	body := []byte(`{"type":"purchase","id":"A-1","total":42,"customer":{"email":"ada@example.com"},"items":[{"sku":"kb","qty":1},{"sku":"ms","qty":2}]}`)
	status, ans := app.do("POST", "/hooks/orders", body, map[string]string{
		"Content-Type": "application/json", "X-Signature": signature.SignHex("demo-secret", body)})
	if status != http.StatusAccepted {
		t.Fatalf("purchase: %d %v", status, ans)
	}
	run := app.waitRuns(ans["id"].(string), 1)[0]
	steps, err := app.store.StepList(context.Background(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range steps {
		got[s.StepID] = s.Status
	}
	if run.Status != store.StatusSucceeded || got["low_stock"] != store.StatusSucceeded {
		t.Fatalf("order-fanout %s (%s), steps %v; want succeeded with low_stock run", run.Status, run.Error, got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		counts := map[string]int{}
		for _, wf := range []string{"demo-billing", "demo-shipping", "demo-inventory"} {
			rs, _, err := app.store.RunList(context.Background(), store.RunListParams{Workflow: wf, Status: store.StatusSucceeded})
			if err != nil {
				t.Fatal(err)
			}
			counts[wf] = len(rs)
		}
		if counts["demo-billing"] == 1 && counts["demo-shipping"] == 1 && counts["demo-inventory"] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo receivers' runs = %v, want billing 1, shipping 1, inventory 2", counts)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(app.out.String(), "/hooks/orders") {
		t.Errorf("the banner lacks the orders URL")
	}
}
