package run_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
)

// addInline registers in-test Inline actions on h: "iecho" returns its
// value; "iflaky" fails its first call, then returns its value.
func addInline(h *harness) *atomic.Int64 {
	var calls atomic.Int64
	h.reg.Add(engine.Definition{Name: "iecho", Summary: "Returns value, inline.", Params: testParams{}, Pure: true, Inline: true,
		Action: engine.ActionFunc(func(_ context.Context, s *engine.Step) (any, error) {
			return s.Params.(*testParams).Value, nil
		})})
	h.reg.Add(engine.Definition{Name: "iflaky", Summary: "Fails once, inline.", Params: testParams{}, Pure: true, Inline: true,
		Action: engine.ActionFunc(func(_ context.Context, s *engine.Step) (any, error) {
			if calls.Add(1) == 1 {
				return nil, errors.New("first call fails")
			}
			return s.Params.(*testParams).Value, nil
		})})
	return &calls
}

const inlineChain = `
name: inline-chain
vars:
  tag: "${{ uuid() }}"
steps:
  - id: a
    uses: iecho
    with: { value: { n: "${{ event.body.n }}", tag: "${{ vars.tag }}" } }
  - id: skipped
    uses: iecho
    if: event.body.n > 100
    with: { value: never }
  - id: b
    uses: iecho
    with: { value: "${{ steps.a.output.n * 2 }} ${{ steps.skipped.status }} ${{ run.workflow }}" }
  - id: c
    uses: iecho
    with: { value: "${{ steps.b.output }}/${{ steps.a.output.tag == vars.tag }}" }
`

func TestInlineRunIsStoredFinishedAtDispatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	addInline(h)
	tg := h.load(inlineChain)
	var observed atomic.Int64
	e := h.start(func(c *run.Config) {
		c.Observe = func(string, string, time.Duration) { observed.Add(1) }
	})
	runID := h.dispatch(e, tg, map[string]any{"n": 21})
	// No waiting: the run was committed finished with its event.
	r, err := h.store.RunGet(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != store.StatusSucceeded || r.FinishedAt == nil {
		t.Fatalf("run right after Dispatch: %s, finished %v; want succeeded", r.Status, r.FinishedAt)
	}
	_, steps := h.wait(runID)
	if got := statuses(steps); got != "a=succeeded b=succeeded c=succeeded skipped=skipped" {
		t.Fatalf("steps: %s", got)
	}
	if got := steps["c"].Output; got != "42 skipped inline-chain/true" {
		t.Errorf("c output = %v", got)
	}
	if steps["b"].Attempts != 1 || steps["b"].StartedAt == nil || steps["b"].FinishedAt == nil {
		t.Errorf("b = %+v, want one attempt with its times", steps["b"])
	}
	if n := observed.Load(); n != 4 {
		t.Errorf("Observe called %d times, want 4", n)
	}
}

func TestInlineOutcomesEqualTheJobPath(t *testing.T) {
	t.Parallel()
	outputs := func(noInline bool) map[string]any {
		h := newHarness(t, nil)
		addInline(h)
		tg := h.load(inlineChain)
		e := h.start(func(c *run.Config) { c.NoInline = noInline })
		_, steps := h.wait(h.dispatch(e, tg, map[string]any{"n": 21}))
		out := map[string]any{}
		for id, s := range steps {
			out[id] = []any{s.Status, s.Output, s.Attempts, s.Error}
		}
		// The tag is a fresh uuid per run; compare its shape only.
		delete(out["a"].([]any)[1].(map[string]any), "tag")
		return out
	}
	inline, jobs := outputs(false), outputs(true)
	if !reflect.DeepEqual(inline, jobs) {
		t.Fatalf("inline and job path differ:\ninline %v\njobs   %v", inline, jobs)
	}
}

func TestInlinePrefixHandsTheRestToJobs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	addInline(h)
	tg := h.load(`
name: mixed
steps:
  - { id: a, uses: iecho, with: { value: 20 } }
  - { id: b, uses: echo, with: { value: "${{ steps.a.output + steps.a.attempts }}" } }
  - { id: c, uses: iecho, with: { value: "${{ steps.b.output + 1 }}" } }
`)
	e := h.start(nil)
	runID := h.dispatch(e, tg, nil)
	r, steps := h.wait(runID)
	if r.Status != store.StatusSucceeded {
		t.Fatalf("run %s: %s", r.Status, r.Error)
	}
	if steps["b"].Output != 21.0 || steps["c"].Output != 22.0 {
		t.Fatalf("b = %v, c = %v; want 21 (a's output and its one attempt) and 22", steps["b"].Output, steps["c"].Output)
	}
}

func TestInlineFailureFallsBackToTheJobPath(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	calls := addInline(h)
	tg := h.load(`
name: flaky
steps:
  - { id: a, uses: iecho, with: { value: 1 } }
  - { id: f, uses: iflaky, needs: [a], with: { value: ok }, retry: { max_attempts: 3, delay: 1ms } }
`)
	e := h.start(nil)
	runID := h.dispatch(e, tg, nil)
	if r, _ := h.store.RunGet(context.Background(), runID); r.FinishedAt != nil {
		t.Fatalf("a run whose inline step failed was stored finished: %+v", r)
	}
	r, steps := h.wait(runID)
	if r.Status != store.StatusSucceeded || steps["f"].Output != "ok" {
		t.Fatalf("run %s %q, f = %+v", r.Status, r.Error, steps["f"])
	}
	// One failed call inline (not kept), one successful call as a job.
	if n := calls.Load(); n != 2 {
		t.Errorf("iflaky called %d times, want 2", n)
	}
	if steps["f"].Attempts != 1 || steps["a"].Attempts != 1 {
		t.Errorf("attempts a=%d f=%d, want 1 and 1 (the failed inline call is not a recorded attempt)", steps["a"].Attempts, steps["f"].Attempts)
	}
}

// TestEventBodyReachesActionsWithItsRawBytes: a step whose with: value is
// exactly event.body can send the bytes received (Step.RawJSON); any other
// value, even a part of the body, cannot.
func TestEventBodyReachesActionsWithItsRawBytes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, map[string]engine.ActionFunc{
		"rawcheck": func(_ context.Context, s *engine.Step) (any, error) {
			if raw, ok := s.RawJSON(s.Params.(*testParams).Value); ok {
				return string(raw), nil
			}
			return "encoded", nil
		},
	})
	tg := h.load(`
name: raw
steps:
  - { id: whole, uses: rawcheck, with: { value: "${{ event.body }}" } }
  - { id: part, uses: rawcheck, with: { value: "${{ event.body.items }}" } }
`)
	e := h.start(nil)
	raw := []byte(`{ "items": [1, 2],  "z": true }`)
	var body any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	res, err := e.Dispatch(context.Background(), &engine.Event{Type: "webhook", Body: body, Raw: raw, BodyIsRaw: true}, []run.Target{tg})
	if err != nil {
		t.Fatal(err)
	}
	_, steps := h.wait(res.RunIDs[0])
	if got := steps["whole"].Output; got != string(raw) {
		t.Errorf("whole body: %v, want the raw bytes", got)
	}
	if got := steps["part"].Output; got != "encoded" {
		t.Errorf("part of the body: %v, want encoded", got)
	}
}
