//go:build !race

// The race detector's sync.Pool drops items at random, so allocation counts
// mean nothing under it: this file is built without -race only, and `make
// test` runs it in a pass of its own (go test -run TestAllocations).

package expr

import "testing"

// TestAllocations checks the allocation budget of the common cases: an
// `if:` filter and a whole value that read the event allocate nothing. It
// is not parallel: AllocsPerRun cannot run in parallel.
func TestAllocations(t *testing.T) {
	env := testEnv()
	filter, err := Compile(`event.body.type == "purchase" && event.body.total > 0`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	header, err := Compile(`event.headers["x-shop-topic"] == "orders/create"`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := CompileString("${{ event.body.customer }}", Options{})
	folded := Map([]string{"a"}, []Value{List([]Value{Literal("x")})})
	tests := []struct {
		name string
		fn   func()
		max  float64
	}{
		{"if filter", func() { _, _ = filter.Bool(env) }, 0},
		{"header filter", func() { _, _ = header.Bool(env) }, 1}, // the header's string, boxed
		{"whole value", func() { _, _ = whole.Eval(env) }, 0},
		{"folded literal map", func() { _, _ = folded.Eval(nil) }, 0},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.fn); n > tt.max {
			t.Errorf("%s allocates %v times per evaluation, want at most %v", tt.name, n, tt.max)
		}
	}
}
