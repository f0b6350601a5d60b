package expr

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// TestHostileExpressions proves that each expression that would allocate
// gigabytes or loop for minutes fails fast with a budget error, having
// allocated little. It is not parallel: it measures the process's
// allocations around each evaluation.
func TestHostileExpressions(t *testing.T) {
	big := strings.Repeat("y", 1<<20) // a 1 MiB body field, as large as bodies get by default
	env := &Env{Event: &engine.Event{Raw: []byte(big), Body: map[string]any{"s": big}}}
	tests := []struct {
		name string
		src  string
		want error
	}{
		{"repeat", `repeat("x", 1e9)`, ErrMemoryBudget},
		{"repeat a big string", `repeat(event.body.s, 1000)`, ErrMemoryBudget},
		{"range", `1..100000000`, ErrMemoryBudget},
		{"nested maps", `map(1..1000, map(1..1000, ({"k": #, "v": [#, #]})))`, ErrMemoryBudget},
		{"concatenation", `let s = repeat("x", 500000); ` + strings.Repeat("s+", 300) + `s`, ErrMemoryBudget},
		{"accumulation", `reduce(1..999999, #acc + event.body.s, "")`, ErrMemoryBudget},
		{"join", `join(map(1..100000, event.body.s), "")`, ErrMemoryBudget},
		{"upper in a loop", `map(1..1000, upper(event.body.s))`, ErrMemoryBudget},
		{"raw in a loop", `map(1..1000, event.raw)`, ErrMemoryBudget},
		{"toJSON", `toJSON(map(1..1000, event.body.s))`, ErrMemoryBudget},
		{"string", `string(map(1..1000, event.body.s))`, ErrMemoryBudget},
		{"replace", `replace(event.body.s, "y", repeat("z", 1000))`, ErrMemoryBudget},
		{"flatten", `let l = 1..100000; flatten(map(1..100, l))`, ErrMemoryBudget},
		{"concat", `let l = 1..100000; concat(l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l, l)`, ErrMemoryBudget},
		{"split in a loop", `map(1..100000, split(event.body.s, ""))`, ErrMemoryBudget},
		{"nested loops", `let l = 1..1000; all(l, all(l, all(l, true)))`, ErrIterationBudget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err = p.Run(env)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Run() error = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "evaluate ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("Run() error = %q, want one line that names the expression", err)
			}
			if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 256 {
				t.Errorf("Run() allocated %d MiB before failing, want at most 256", mb)
			}
			if took > 10*time.Second {
				t.Errorf("Run() took %v to fail, want well under 10s", took)
			}
		})
	}
}

// TestHostileTemplate checks that formatting a huge value into text fails
// on the budget too.
func TestHostileTemplate(t *testing.T) {
	t.Parallel()
	v, errs := CompileString("x ${{ map(1..1000, event.body.s) }}", Options{})
	if errs != nil {
		t.Fatal(errs)
	}
	env := &Env{Event: &engine.Event{Body: map[string]any{"s": strings.Repeat("y", 1<<20)}}}
	if _, err := v.Eval(env); !errors.Is(err, ErrMemoryBudget) {
		t.Errorf("Eval() error = %v, want %v", err, ErrMemoryBudget)
	}
}
