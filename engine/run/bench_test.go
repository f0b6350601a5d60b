package run_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/store/storetest"
	"github.com/hookflow/hookflow/engine/workflow"
)

// countingStore counts the step outcomes that were committed.
type countingStore struct {
	store.Store
	done atomic.Int64
}

func (c *countingStore) JobComplete(ctx context.Context, p store.JobCompleteParams) ([]*store.Job, error) {
	jobs, err := c.Store.JobComplete(ctx, p)
	if err == nil {
		c.done.Add(int64(len(p.Completions)))
	}
	return jobs, err
}

const fanout3 = `
name: fanout
steps:
  - { id: billing, uses: noop }
  - { id: shipping, uses: noop }
  - { id: inventory, uses: noop }
`

// BenchmarkEngineFanout3 measures end-to-end engine throughput: events
// dispatched concurrently (group commit), each starting a run of three
// independent no-op steps, every state change committed. It reports
// steps/s; b.N counts steps.
func BenchmarkEngineFanout3(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			dsn := "sqlite://" + filepath.Join(b.TempDir(), "bench.db")
			if backend == "postgres" {
				dsn = benchPostgres(b)
			}
			benchFanout(b, dsn)
		})
	}
}

func benchFanout(b *testing.B, dsn string) {
	st, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() }) // after the engine stops: cleanups run last first
	cs := &countingStore{Store: st}
	reg := engine.NewRegistry().Add(engine.Definition{Name: "noop", Summary: "Nothing.", Params: testParams{},
		Action: engine.ActionFunc(func(context.Context, *engine.Step) (any, error) { return nil, nil })})
	e, tg, ctx := startBenchEngine(b, cs, reg, fanout3)
	events := max(b.N/3, 1)
	steps := int64(events * 3)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	dispatchAll(b, 128, events, func() error {
		_, err := e.Dispatch(ctx, &engine.Event{Type: "bench", Body: map[string]any{"n": 1}}, []run.Target{tg})
		return err
	})
	deadline := time.Now().Add(5 * time.Minute)
	for cs.done.Load() < steps && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if cs.done.Load() < steps {
		b.Fatalf("only %d of %d steps finished", cs.done.Load(), steps)
	}
	b.ReportMetric(float64(steps)/elapsed.Seconds(), "steps/s")
}

// benchPostgres returns a DSN on a fresh schema of the test PostgreSQL.
func benchPostgres(b *testing.B) string { return storetest.PostgresDSN(b) }

// startBenchEngine starts a single-node engine with 64 workers on st that
// runs the workflow in yaml (actions from reg); it stops when b ends.
func startBenchEngine(b *testing.B, st store.Store, reg *engine.Registry, yaml string) (*run.Engine, run.Target, context.Context) {
	b.Helper()
	w, diags := workflow.Parse("bench.yaml", []byte(yaml), reg)
	if len(diags) > 0 {
		b.Fatal(diags)
	}
	cat := run.NewCatalog(nil)
	tg := run.Target{Workflow: w, Version: 1}
	cat.Put(tg)
	e, err := run.New(run.Config{Store: st, Registry: reg, Catalog: cat, Workers: 64, SingleNode: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(func() { cancel(); e.Wait() })
	if err := e.Start(ctx); err != nil {
		b.Fatal(err)
	}
	return e, tg, ctx
}

// dispatchAll calls dispatch n times from the given number of goroutines
// and returns when all calls have; the first error fails b and stops the
// goroutine that met it.
func dispatchAll(b *testing.B, goroutines, n int, dispatch func() error) {
	var wg sync.WaitGroup
	var next atomic.Int64
	for range goroutines {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := dispatch(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
