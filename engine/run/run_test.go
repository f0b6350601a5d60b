package run_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
)

// testParams is the parameter struct of the in-test actions.
type testParams struct {
	Value any    `json:"value" doc:"What the step returns."`
	Key   string `json:"key" doc:"A name the test action uses."`
}

// harness is a real engine on a real SQLite store with in-test actions.
type harness struct {
	t     *testing.T
	store store.Store
	reg   *engine.Registry
	cat   *run.Catalog
}

func newHarness(t *testing.T, actions map[string]engine.ActionFunc) *harness {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "run.db"), store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	reg := engine.NewRegistry()
	reg.Add(engine.Definition{Name: "echo", Summary: "Returns value.", Params: testParams{}, Pure: true,
		Action: engine.ActionFunc(func(_ context.Context, s *engine.Step) (any, error) {
			return s.Params.(*testParams).Value, nil
		})})
	for name, f := range actions {
		reg.Add(engine.Definition{Name: name, Summary: "In-test action.", Params: testParams{}, Action: f})
	}
	return &harness{t: t, store: st, reg: reg, cat: run.NewCatalog(nil)}
}

func (h *harness) load(src string) run.Target {
	h.t.Helper()
	w, diags := workflow.Parse("test.yaml", []byte(src), h.reg)
	if len(diags) > 0 {
		h.t.Fatalf("workflow does not validate:\n%v", diags)
	}
	v, err := h.store.VersionSave(context.Background(), w.Name, w.Source)
	if err != nil {
		h.t.Fatal(err)
	}
	tg := run.Target{Workflow: w, Version: v}
	h.cat.Put(tg)
	return tg
}

// start runs an engine until the test ends.
func (h *harness) start(mod func(*run.Config)) *run.Engine {
	h.t.Helper()
	cfg := run.Config{Store: h.store, Registry: h.reg, Catalog: h.cat, Workers: 8, SingleNode: true,
		PollInterval: 5 * time.Millisecond, RandN: func(int64) int64 { return 0 }}
	if mod != nil {
		mod(&cfg)
	}
	e, err := run.New(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.Start(ctx); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { cancel(); e.Wait() })
	return e
}

func (h *harness) dispatch(e *run.Engine, tg run.Target, body any) string {
	h.t.Helper()
	res, err := e.Dispatch(context.Background(), &engine.Event{Type: "manual", Body: body}, []run.Target{tg})
	if err != nil {
		h.t.Fatal(err)
	}
	if len(res.RunIDs) != 1 {
		h.t.Fatalf("runs = %v", res.RunIDs)
	}
	return res.RunIDs[0]
}

// wait waits (bounded) for a run to finish and returns it with its steps.
func (h *harness) wait(runID string) (*store.Run, map[string]*store.StepRecord) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		r, err := h.store.RunGet(context.Background(), runID)
		if err != nil {
			h.t.Fatal(err)
		}
		if r.FinishedAt != nil {
			steps, err := h.store.StepList(context.Background(), runID)
			if err != nil {
				h.t.Fatal(err)
			}
			m := map[string]*store.StepRecord{}
			for _, s := range steps {
				m[s.StepID] = s
			}
			return r, m
		}
		time.Sleep(2 * time.Millisecond)
	}
	h.t.Fatalf("run %s did not finish", runID)
	return nil, nil
}

func statuses(steps map[string]*store.StepRecord) string {
	var parts []string
	for _, id := range sortedKeys(steps) {
		parts = append(parts, id+"="+steps[id].Status)
	}
	return strings.Join(parts, " ")
}

func sortedKeys(m map[string]*store.StepRecord) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

func TestFanOutStartsInParallel(t *testing.T) {
	t.Parallel()
	var started sync.WaitGroup
	started.Add(3)
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	h := newHarness(t, map[string]engine.ActionFunc{"barrier": func(ctx context.Context, s *engine.Step) (any, error) {
		started.Done()
		select {
		case <-all: // every branch is running at the same time
			return s.StepID, nil
		case <-ctx.Done():
			return nil, engine.Permanent(errors.New("branches did not run in parallel"))
		}
	}})
	tg := h.load(`
name: fan
steps:
  - { id: billing, uses: barrier, timeout: 5s }
  - { id: shipping, uses: barrier, timeout: 5s }
  - { id: inventory, uses: barrier, timeout: 5s }
`)
	e := h.start(nil)
	r, steps := h.wait(h.dispatch(e, tg, nil))
	if r.Status != store.StatusSucceeded {
		t.Fatalf("run %s: %s (%s)", r.Status, r.Error, statuses(steps))
	}
	if steps["billing"].Output != "billing" {
		t.Errorf("billing output = %v", steps["billing"].Output)
	}
}

func TestChainReadsOutputs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	tg := h.load(`
name: chain
steps:
  - id: b
    uses: echo
    with: { value: "${{ steps.a.output.n * 2 }}" }
  - id: a
    uses: echo
    with: { value: { n: "${{ event.body.n }}" } }
  - id: c
    uses: echo
    with: { value: "got ${{ steps.b.output }} from ${{ steps.a.status }}" }
`)
	e := h.start(nil)
	r, steps := h.wait(h.dispatch(e, tg, map[string]any{"n": 21}))
	if r.Status != store.StatusSucceeded {
		t.Fatalf("run %s: %s", r.Status, r.Error)
	}
	if got := steps["c"].Output; got != "got 42 from succeeded" {
		t.Errorf("c output = %v", got)
	}
}

func TestForeachKeepsOrderAndCap(t *testing.T) {
	t.Parallel()
	var running, peak atomic.Int32
	h := newHarness(t, map[string]engine.ActionFunc{"slow": func(ctx context.Context, s *engine.Step) (any, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		defer running.Add(-1)
		time.Sleep(time.Duration(10-s.Item) * time.Millisecond) // later items finish first
		return s.Params.(*testParams).Value, nil
	}})
	tg := h.load(`
name: each
steps:
  - id: items
    uses: slow
    foreach: "${{ event.body }}"
    with: { value: "${{ item * 10 + index }}" }
`)
	e := h.start(func(c *run.Config) { c.ForeachLimit = 3 })
	r, steps := h.wait(h.dispatch(e, tg, []any{1, 2, 3, 4, 5, 6, 7}))
	if r.Status != store.StatusSucceeded {
		t.Fatalf("run %s: %s", r.Status, r.Error)
	}
	got := fmt.Sprint(steps["items"].Output)
	if got != "[10 21 32 43 54 65 76]" {
		t.Errorf("output = %s, want items in order", got)
	}
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency = %d, want 2..3 with a cap of 3", p)
	}
}

func TestRetriesThenSucceeds(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	h := newHarness(t, map[string]engine.ActionFunc{"flaky": func(ctx context.Context, s *engine.Step) (any, error) {
		if calls.Add(1) < 3 {
			return nil, fmt.Errorf("attempt %d: connection refused", s.Attempt)
		}
		return s.Attempt, nil
	}})
	tg := h.load(`
name: retry
steps:
  - id: call
    uses: flaky
    retry: { max_attempts: 3, backoff: fixed, delay: 10ms }
`)
	e := h.start(nil)
	runID := h.dispatch(e, tg, nil)
	r, steps := h.wait(runID)
	if r.Status != store.StatusSucceeded || steps["call"].Attempts != 3 {
		t.Fatalf("run %s, attempts %d", r.Status, steps["call"].Attempts)
	}
	attempts, err := h.store.AttemptList(context.Background(), runID)
	if err != nil || len(attempts) != 3 || attempts[0].Error == "" || attempts[2].Error != "" {
		t.Fatalf("attempts = %+v, %v", attempts, err)
	}
}

func TestFailureSkipsDependentsAndRunsOnError(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]engine.ActionFunc{"fail": func(context.Context, *engine.Step) (any, error) {
		return nil, engine.Permanent(errors.New("404 Not Found"))
	}})
	tg := h.load(`
name: failing
steps:
  - { id: a, uses: fail }
  - { id: b, uses: echo, needs: [a] }
  - { id: c, uses: echo, needs: [b] }
  - { id: d, uses: echo }
on_error:
  - id: alert
    uses: echo
    with: { value: "${{ run.error }} / ${{ steps.a.error }}" }
`)
	e := h.start(nil)
	r, steps := h.wait(h.dispatch(e, tg, nil))
	if r.Status != store.StatusFailed {
		t.Fatalf("run %s", r.Status)
	}
	want := "a=failed alert=succeeded b=skipped c=skipped d=succeeded"
	if got := statuses(steps); got != want {
		t.Errorf("statuses = %s, want %s", got, want)
	}
	if steps["a"].Attempts != 1 {
		t.Errorf("a permanent error was retried: %d attempts", steps["a"].Attempts)
	}
	if got := steps["alert"].Output; got != "step a: 404 Not Found / 404 Not Found" {
		t.Errorf("alert output = %v", got)
	}
}

func TestContinueOnErrorAndIf(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]engine.ActionFunc{"fail": func(context.Context, *engine.Step) (any, error) {
		return nil, engine.Permanent(errors.New("boom"))
	}})
	tg := h.load(`
name: tolerant
steps:
  - { id: a, uses: fail, continue_on_error: true }
  - id: b
    uses: echo
    with: { value: "${{ steps.a.status }}" }
  - { id: c, uses: echo, if: event.body.go == true }
  - { id: d, uses: echo, needs: [c] }
on_error:
  - { id: alert, uses: echo }
`)
	e := h.start(nil)
	r, steps := h.wait(h.dispatch(e, tg, map[string]any{"go": false}))
	if r.Status != store.StatusSucceeded {
		t.Fatalf("run %s: %s", r.Status, r.Error)
	}
	if got, want := statuses(steps), "a=failed alert=skipped b=succeeded c=skipped d=succeeded"; got != want {
		t.Errorf("statuses = %s, want %s", got, want)
	}
	if steps["b"].Output != "failed" {
		t.Errorf("b output = %v", steps["b"].Output)
	}
}

func TestTimeoutAndPanicFailTheStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]engine.ActionFunc{
		"hang": func(ctx context.Context, _ *engine.Step) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		},
		"explode": func(context.Context, *engine.Step) (any, error) { panic("kaboom") },
	})
	tg := h.load(`
name: bad
steps:
  - { id: slow, uses: hang, timeout: 30ms, retry: { max_attempts: 1 } }
  - { id: boom, uses: explode }
`)
	e := h.start(nil)
	r, steps := h.wait(h.dispatch(e, tg, nil))
	if r.Status != store.StatusFailed {
		t.Fatalf("run %s", r.Status)
	}
	if !strings.Contains(steps["slow"].Error, "timed out after 30ms") {
		t.Errorf("slow error = %q", steps["slow"].Error)
	}
	if !strings.Contains(steps["boom"].Error, "panicked: kaboom") || steps["boom"].Attempts != 1 {
		t.Errorf("boom error = %q after %d attempts", steps["boom"].Error, steps["boom"].Attempts)
	}
}

func TestFilterSkipsRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	tg := h.load(`
name: filtered
if: event.body.type == "purchase"
steps:
  - { id: a, uses: echo }
`)
	e := h.start(nil)
	r, steps := h.wait(h.dispatch(e, tg, map[string]any{"type": "refund"}))
	if r.Status != store.StatusSkipped || len(steps) != 0 {
		t.Fatalf("run %s with %d steps", r.Status, len(steps))
	}
}

func TestExpressionErrorFailsStepWithExpression(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	tg := h.load(`
name: exprerr
steps:
  - id: a
    uses: echo
    with: { value: "${{ event.body.n / 0 > 1 && fromJSON(event.body.s).x }}" }
`)
	e := h.start(nil)
	r, steps := h.wait(h.dispatch(e, tg, map[string]any{"n": 1, "s": "not json"}))
	if r.Status != store.StatusFailed || steps["a"].Attempts != 1 {
		t.Fatalf("run %s after %d attempts", r.Status, steps["a"].Attempts)
	}
	if !strings.Contains(steps["a"].Error, "fromJSON") {
		t.Errorf("error %q does not name the expression", steps["a"].Error)
	}
}

func TestFilterErrorFailsRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	tg := h.load(`
name: badfilter
if: event.body.total > 10
steps:
  - { id: a, uses: echo }
`)
	e := h.start(nil)
	r, steps := h.wait(h.dispatch(e, tg, map[string]any{"total": "many"}))
	if r.Status != store.StatusFailed || len(steps) != 0 || !strings.Contains(r.Error, "if: ") || !strings.Contains(r.Error, "event.body.total > 10") {
		t.Fatalf("run %s (%q) with %d steps; want failed with the filter's expression", r.Status, r.Error, len(steps))
	}
}

func TestVarsAreComputedOncePerRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	tg := h.load(`
name: onevars
vars:
  id: "${{ uuid() }}"
steps:
  - { id: a, uses: echo, with: { value: "${{ vars.id }}" } }
  - { id: b, uses: echo, needs: [a], with: { value: "${{ vars.id }}" } }
  - { id: c, uses: echo, with: { value: "${{ vars.id }}" } }
`)
	e := h.start(nil)
	r, steps := h.wait(h.dispatch(e, tg, nil))
	if r.Status != store.StatusSucceeded {
		t.Fatalf("run %s: %s", r.Status, r.Error)
	}
	a, b, c := steps["a"].Output, steps["b"].Output, steps["c"].Output
	if a == nil || a != b || a != c {
		t.Errorf("vars.id differs between steps: %v %v %v", a, b, c)
	}
}
