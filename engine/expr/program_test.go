package expr

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// testEnv is webhookEnv with finished steps, a query and a fixed clock.
func testEnv() *Env {
	env := webhookEnv()
	env.Event.Query = map[string]string{"page": "2"}
	env.Steps = map[string]*StepState{
		"inventory": {Status: "succeeded", Attempts: 2, Output: []any{
			map[string]any{"body": map[string]any{"stock": 3.0}},
			map[string]any{"body": map[string]any{"stock": 40.0}},
		}},
		"fetch": {Status: "failed", Error: "boom", Attempts: 1},
	}
	env.Now = func() time.Time { return time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC) }
	return env
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src     string
		foreach bool
		offset  int
		msg     string
	}{
		{`evnt.body`, false, 0, `unknown name "evnt"; did you mean "event"?`},
		{`1 + evnt`, false, 4, `unknown name "evnt"; did you mean "event"?`},
		{`"é" + evnt`, false, 7, `unknown name "evnt"; did you mean "event"?`},
		{"event.body.type ==\n  \"x\" &&\n  evnt", false, 30, `unknown name "evnt"; did you mean "event"?`},
		{`nothing`, false, 0, `unknown name "nothing"`},
		{`itme`, true, 0, `unknown name "itme"; did you mean "item"?`},
		{`event.bdy`, false, 6, `unknown field "bdy" of event; did you mean "body"?`},
		{`event.DedupeKey`, false, 6, `unknown field "DedupeKey" of event`},
		{`event[x]`, false, 6, `index event with a field name, like event.id`},
		{`event.headers["Content-Type"]`, false, 14, `header names are lower case: write event.headers["content-type"]`},
		{`run.versoin`, false, 4, `unknown field "versoin" of run; did you mean "version"?`},
		{`steps.a.outptu`, false, 8, `unknown field "outptu" of steps.a; did you mean "output"?`},
		{`steps[x]`, false, 6, msgStepsIndex},
		{`steps["a"][x]`, false, 11, `index steps.a with a field name, like steps.a.status`},
		{`steps`, false, 0, msgStepsIndex},
		{`keys(steps)`, false, 5, msgStepsIndex},
		{`item`, false, 0, `item is only defined in a foreach step`},
		{`1 + index`, false, 4, `index is only defined in a foreach step`},
		{`item.sku`, false, 0, `item is only defined in a foreach step`},
		{`toJson(1)`, false, 0, `unknown function "toJson"; did you mean "toJSON"?`},
		{`now`, false, 0, `now is a function: call it, like now()`},
		{`$env.event`, false, 0, `unknown name "$env"; did you mean "env"?`},
		{`__get(event, "id")`, false, 0, `unknown function "__get"; did you mean "get"?`},
		{`1 +`, false, 2, `unexpected token EOF`},
		{`"a" + 1`, false, 4, `invalid operation: + (mismatched types string and int)`},
		{`  `, false, 0, `empty expression`},
		{`${{ event.id }}`, false, 0, `write this expression without ${{ }}`},
		{strings.Repeat("x", MaxSourceLen+1), false, 0, `expression is longer than 4096 bytes`},
		{strings.Repeat("1+", 600) + "1", false, 1001, `expression has more than 1000 nodes`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%.30s", tt.src), func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tt.src, Options{Foreach: tt.foreach})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Compile(%q) = %v, want an *Error", tt.src, err)
			}
			if e.Offset != tt.offset || e.Message != tt.msg {
				t.Errorf("Compile(%q) = %d %q, want %d %q", tt.src, e.Offset, e.Message, tt.offset, tt.msg)
			}
		})
	}
}

func TestRefs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want []string
	}{
		{`event.body.x`, nil},
		{`steps.b.output + steps.a.output + steps.b.status`, []string{"b", "a"}},
		{`steps["x-y"].output`, []string{"x-y"}},
		{`steps?.a?.output ?? steps.c.output`, []string{"a", "c"}},
		{`any(steps.inventory.output, .body.stock < 5)`, []string{"inventory"}},
		{`map(steps.z.output, steps.y.output)`, []string{"z", "y"}},
		{`let x = steps.a.output; x ?? steps.b.error`, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Refs(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Refs() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want any
	}{
		{`event.id`, "evt_1"},
		{`event.type`, "webhook"},
		{`event.method`, "POST"},
		{`event.path`, "orders"},
		{`event.headers["content-type"]`, "application/json"},
		{`event.headers.nope`, ""},
		{`event.query.page`, "2"},
		{`event.body.total`, 129.5},
		{`event.body.customer.email`, "a@example.com"},
		{`event.body["type"]`, "purchase"},
		{`event.body.items[0].sku`, "A"},
		{`event.raw`, `{"id":"ord_1"}`},
		{`event.received_at`, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
		{`now() - event.received_at`, 2 * time.Hour},
		{`vars.billing`, "https://billing.example.com"},
		{`env.BILLING_URL`, "https://billing.example.com"},
		{`run.id + "/" + run.workflow`, "run_1/order-fanout"},
		{`run.version`, 3},
		{`steps.inventory.status`, "succeeded"},
		{`steps.inventory.attempts`, 2},
		{`steps.fetch.error`, "boom"},
		{`any(steps.inventory.output, .body.stock < 5)`, true},
		{`all(steps.inventory.output, .body.stock < 5)`, false},
		{`filter(event.body.items, .qty > 0) | map(.sku)`, []any{"A"}},
		{`len(event.headers)`, 8},
		{`upper(event.body.type)`, "PURCHASE"},
		{`lower("AB") + trim("  x ")`, "abx"},
		{`split("a,b", ",")`, []string{"a", "b"}},
		{`join(split("a,b", ","), "-")`, "a-b"},
		{`event.body.nope ?? "d"`, "d"},
		{`event?.body?.customer?.email`, "a@example.com"},
		{`let x = event.body.total; x * 2`, 259.0},
		{`{"a": event.id}`, map[string]any{"a": "evt_1"}},
		{`event.body.total > 100 ? "big" : "small"`, "big"},
	}
	env := testEnv()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Run(env)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Run() = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestForeach(t *testing.T) {
	t.Parallel()
	p, err := Compile(`item.sku + "#" + string(index)`, Options{Foreach: true})
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv()
	env.Item, env.Index = map[string]any{"sku": "B"}, 3
	got, err := p.Run(env)
	if err != nil || got != "B#3" {
		t.Errorf("Run() = %v, %v, want B#3", got, err)
	}
}

func TestBool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want bool
		err  string
	}{
		{`event.body.type == "purchase" && event.body.total > 0`, true, ""},
		{`event.body.type == "refund"`, false, ""},
		{`event.body.total`, false, `evaluate event.body.total: want true or false, got the number 129.5`},
		{`event.id`, false, `evaluate event.id: want true or false, got a string of 5 bytes`},
		{`event.body.nope`, false, `evaluate event.body.nope: want true or false, got nil`},
		{`event.body.items`, false, `evaluate event.body.items: want true or false, got a list of length 1`},
		{`event.body.customer`, false, `evaluate event.body.customer: want true or false, got a map with 1 keys`},
	}
	env := testEnv()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Bool(env)
			if tt.err == "" && (err != nil || got != tt.want) {
				t.Errorf("Bool() = %v, %v, want %v", got, err, tt.want)
			}
			if tt.err != "" && (err == nil || err.Error() != tt.err) {
				t.Errorf("Bool() error = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src string
		err string
	}{
		{`event.body.total > "x"`, `evaluate event.body.total > "x": invalid operation: float64 > string`},
		{`event.body.nope.x`, `evaluate event.body.nope.x: cannot fetch x from <nil>`},
		{`steps.later.output`, `evaluate steps.later.output: step "later" has not run`},
		{"event.body.total >\n  \"x\"", `evaluate event.body.total > "x": invalid operation: float64 > string`},
		{`base64Decode("!!!")`, `evaluate base64Decode("!!!"): base64Decode: invalid base64 at byte 0`},
	}
	env := testEnv()
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Run(env); err == nil || err.Error() != tt.err {
				t.Errorf("Run() error = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestRunNilEnv(t *testing.T) {
	t.Parallel()
	p, err := Compile(`event.body == nil && run.id == "" && vars.x == nil`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := p.Bool(nil); err != nil || !ok {
		t.Errorf("Bool(nil) = %v, %v, want true", ok, err)
	}
	if ok, err := p.Bool(&Env{}); err != nil || !ok {
		t.Errorf("Bool(&Env{}) = %v, %v, want true", ok, err)
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	p, err := Compile(`now()`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv()
	if got, _ := p.Run(env); got != env.Now() {
		t.Errorf("now() = %v, want %v", got, env.Now())
	}
	got, _ := p.Run(&Env{})
	if d := time.Since(got.(time.Time)); d < 0 || d > time.Minute {
		t.Errorf("now() without a clock = %v, want about time.Now()", got)
	}
}

// TestConcurrentRun runs one program from many goroutines, each with its
// own env; with -race it checks that pooled machines are not shared.
func TestConcurrentRun(t *testing.T) {
	t.Parallel()
	p, err := Compile(`upper(item) + string(index)`, Options{Foreach: true})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				env := &Env{Item: fmt.Sprintf("g%d", g), Index: i}
				got, err := p.Run(env)
				if want := fmt.Sprintf("G%d%d", g, i); err != nil || got != want {
					t.Errorf("Run() = %v, %v, want %s", got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestBudgetPerEvaluation checks that each evaluation starts with a full
// byte budget: two evaluations of 60% of it both pass.
func TestBudgetPerEvaluation(t *testing.T) {
	t.Parallel()
	p, err := Compile(fmt.Sprintf(`len(repeat("x", %d))`, MaxBytes*6/10), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := p.Run(nil); err != nil {
			t.Fatal(err)
		}
	}
}
