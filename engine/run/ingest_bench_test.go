package run_test

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
)

// ingestWorkflow is bench/run/workflows/ingest.yaml with an in-test
// stand-in for transform (engine may not import actions).
const ingestWorkflow = `
name: ingest
steps:
  - id: order
    uses: values
    with: { value: { id: "${{ event.body.id }}", total: "${{ event.body.total }}" } }
  - id: items
    uses: values
    with: { value: { count: "${{ len(event.body.items) }}", first: "${{ event.body.items[0].sku }}" } }
  - id: summary
    uses: values
    with:
      value:
        line: "order ${{ steps.order.output.id }}: ${{ steps.items.output.count }} items, ${{ steps.order.output.total }} EUR"
`

// ingestBody is a 1 KiB order like the load generator's.
var ingestBody = []byte(`{"type":"purchase","seq":1,"id":"ord-1","total":42.5,"currency":"EUR",` +
	`"customer":{"id":"cus-1042","email":"ada@example.com","name":"Ada Lovelace","country":"GB"},` +
	`"items":[{"sku":"A-1","qty":1,"price":19.5},{"sku":"B-2","qty":2,"price":11.5}],"note":"` +
	strings.Repeat("x", 740) + `"}`)

// BenchmarkEngineIngest measures the engine's and store's share of the
// ingest benchmark (issue 4): 64 goroutines dispatch parsed 1 KiB orders
// into a workflow of three quick inline steps, on SQLite, each Dispatch
// returning after its group commit. It reports events/s and the process's
// CPU time per event (cpu-µs/event), the figure to compare between
// changes: on a 2-core machine it is steadier than the rate.
func BenchmarkEngineIngest(b *testing.B) {
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() }) // after the engine stops: cleanups run last first
	reg := engine.NewRegistry().Add(engine.Definition{Name: "values", Summary: "Returns value.", Params: testParams{}, Pure: true, Inline: true,
		Action: engine.ActionFunc(func(_ context.Context, s *engine.Step) (any, error) { return s.Params.(*testParams).Value, nil })})
	e, tg, ctx := startBenchEngine(b, st, reg, ingestWorkflow)
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	dispatchAll(b, 64, b.N, func() error {
		body, err := engine.DecodeJSONValue(ingestBody)
		if err != nil {
			return err
		}
		ev := &engine.Event{Type: "webhook", Method: "POST", Path: "bench", Body: body, Raw: ingestBody, BodyIsRaw: true,
			Headers: map[string]string{"content-type": "application/json", "x-signature": "0123456789abcdef"}}
		_, err = e.Dispatch(ctx, ev, []run.Target{tg})
		return err
	})
	elapsed, cpu := time.Since(start), processCPU()-cpu0
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/event")
}

// processCPU is the user and system time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
