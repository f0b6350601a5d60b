package schedule

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/workflow"
)

// recorder remembers dispatched ticks and, like the store, refuses a
// second event with the same dedupe key.
type recorder struct {
	mu   sync.Mutex
	keys map[string]bool
	evs  []*engine.Event
}

func (r *recorder) Dispatch(_ context.Context, ev *engine.Event, _ []run.Target) (engine.AcceptResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys == nil {
		r.keys = map[string]bool{}
	}
	if r.keys[ev.DedupeKey] {
		return engine.AcceptResult{Duplicate: true}, nil
	}
	r.keys[ev.DedupeKey] = true
	r.evs = append(r.evs, ev)
	return engine.AcceptResult{EventID: fmt.Sprint(len(r.evs))}, nil
}

func (r *recorder) ticks() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.evs {
		out = append(out, ev.Body.(map[string]any)["scheduled_at"].(string))
	}
	return out
}

func target(name string, scheds ...workflow.Schedule) run.Target {
	return run.Target{Workflow: &workflow.Workflow{Name: name, On: workflow.Triggers{Schedule: scheds}}, Version: 1}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFireDueOncePerTick(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	now := at("2026-11-24T10:00:30Z")
	tr := New(Options{Dispatcher: rec, Now: func() time.Time { return now }})
	if err := tr.Load(context.Background(), []run.Target{target("hourly", workflow.Schedule{Cron: "0 * * * *"})}); err != nil {
		t.Fatal(err)
	}
	tr.FireDue(context.Background(), at("2026-11-24T10:59:59Z"))
	if len(rec.ticks()) != 0 {
		t.Fatalf("fired early: %v", rec.ticks())
	}
	tr.FireDue(context.Background(), at("2026-11-24T11:00:00Z"))
	tr.FireDue(context.Background(), at("2026-11-24T11:00:01Z"))
	// Three hours later: the missed ticks are not fired one by one.
	tr.FireDue(context.Background(), at("2026-11-24T14:30:00Z"))
	want := []string{"2026-11-24T11:00:00Z", "2026-11-24T12:00:00Z"}
	if got := rec.ticks(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ticks = %v, want %v", got, want)
	}
	ev := rec.evs[0]
	if ev.Type != "schedule" || ev.Body.(map[string]any)["cron"] != "0 * * * *" {
		t.Errorf("tick event = %+v", ev)
	}
}

func TestTimezoneAndDescriptors(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	now := at("2026-11-24T00:00:00Z")
	tr := New(Options{Dispatcher: rec, Now: func() time.Time { return now }})
	err := tr.Load(context.Background(), []run.Target{
		target("paris", workflow.Schedule{Cron: "0 9 * * *", Timezone: "Europe/Paris"}),
		target("daily", workflow.Schedule{Cron: "@daily"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.FireDue(context.Background(), at("2026-11-24T08:00:00Z")) // 09:00 in Paris (UTC+1)
	if got := rec.ticks(); fmt.Sprint(got) != "[2026-11-24T08:00:00Z]" {
		t.Fatalf("ticks = %v", got)
	}
}

func TestCatchUpFiresAtMostOneMissedTick(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sched   workflow.Schedule
		since   string
		want    string
		wantLen int
	}{
		{"latest missed tick", workflow.Schedule{Cron: "0 * * * *", Catchup: true}, "2026-11-20T00:00:00Z", "[2026-11-24T10:00:00Z]", 1},
		{"catchup false", workflow.Schedule{Cron: "0 * * * *", Catchup: false}, "2026-11-20T00:00:00Z", "[]", 0},
		{"new workflow has nothing to catch up", workflow.Schedule{Cron: "0 * * * *", Catchup: true}, "2026-11-24T10:10:00Z", "[]", 0},
		{"@every is never caught up", workflow.Schedule{Cron: "@every 30s", Catchup: true}, "2026-11-20T00:00:00Z", "[]", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			now := at("2026-11-24T10:42:00Z")
			tr := New(Options{Dispatcher: rec, Now: func() time.Time { return now },
				Since: func(context.Context, string) (time.Time, error) { return at(tt.since), nil }})
			for range 2 { // a second load (a reload, or another node) adds nothing
				if err := tr.Load(context.Background(), []run.Target{target("w", tt.sched)}); err != nil {
					t.Fatal(err)
				}
			}
			tr2 := New(Options{Dispatcher: rec, Now: func() time.Time { return now },
				Since: func(context.Context, string) (time.Time, error) { return at(tt.since), nil }})
			if err := tr2.Load(context.Background(), []run.Target{target("w", tt.sched)}); err != nil {
				t.Fatal(err)
			}
			if got := rec.ticks(); len(got) != tt.wantLen || (tt.wantLen > 0 && fmt.Sprint(got) != tt.want) {
				t.Fatalf("ticks = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestBadCronIsReported(t *testing.T) {
	t.Parallel()
	tr := New(Options{Dispatcher: &recorder{}})
	err := tr.Load(context.Background(), []run.Target{target("bad", workflow.Schedule{Cron: "61 * * * *"})})
	if err == nil {
		t.Fatal("want an error for a bad cron spec")
	}
}
