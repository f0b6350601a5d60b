package server

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/store"
)

const ticker = `
name: ticker
on:
  schedule:
    - cron: "*/5 * * * *"
      catchup: false
steps:
  - id: tick
    uses: transform
    with: { values: { at: "${{ event.body.scheduled_at }}", cron: "${{ event.body.cron }}" } }
`

// TestScheduleFiresOnceAcrossNodes: two servers share one PostgreSQL
// database; both fire the same tick, at the same time; one event and one
// run result.
func TestScheduleFiresOnceAcrossNodes(t *testing.T) {
	t.Parallel()
	dsn := postgresDSN(t)
	files := map[string]string{"ticker.yaml": ticker}
	nodes := []*testApp{startApp(t, dsn, nil, files), startApp(t, dsn, nil, files)}
	// Past every node's next tick (computed from the real clock at load).
	tick := time.Now().UTC().Truncate(5 * time.Minute).Add(10 * time.Minute)
	for round := range 3 { // both nodes at once; later rounds find nothing due
		var wg sync.WaitGroup
		for _, n := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n.sched.FireDue(context.Background(), tick.Add(time.Duration(round)*time.Second))
			}()
		}
		wg.Wait()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, _, err := nodes[0].store.RunList(context.Background(), store.RunListParams{Workflow: "ticker"})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) > 1 {
			t.Fatalf("one tick made %d runs across two nodes", len(runs))
		}
		if len(runs) == 1 && runs[0].Status == store.StatusSucceeded {
			steps, _ := nodes[0].store.StepList(context.Background(), runs[0].ID)
			out, _ := steps[0].Output.(map[string]any)
			at, err := time.Parse(time.RFC3339, fmt.Sprint(out["at"]))
			if err != nil || at.Minute()%5 != 0 || at.Second() != 0 || out["cron"] != "*/5 * * * *" {
				t.Errorf("tick event body = %v", out)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tick's run did not finish: %+v", runs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
