package expr_test

import (
	"fmt"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/expr"
)

func ExampleCompile() {
	p, err := expr.Compile(`event.body.type == "purchase" && event.body.total > 0`, expr.Options{})
	if err != nil {
		panic(err)
	}
	env := &expr.Env{Event: &engine.Event{Body: map[string]any{"type": "purchase", "total": 12.5}}}
	ok, err := p.Bool(env)
	fmt.Println(ok, err)
	// Output: true <nil>
}

func ExampleCompile_error() {
	_, err := expr.Compile(`evnt.body.total > 0`, expr.Options{})
	e := err.(*expr.Error)
	fmt.Println(e.Offset, e.Message)
	// Output: 0 unknown name "evnt"; did you mean "event"?
}

func ExampleCompileString() {
	env := &expr.Env{
		Event: &engine.Event{Body: map[string]any{"id": "ord_1", "total": 12.0}},
		Steps: map[string]*expr.StepState{"billing": {Status: "succeeded"}},
	}
	whole, _ := expr.CompileString("${{ event.body.total }}", expr.Options{})
	text, _ := expr.CompileString("order ${{ event.body.id }}: ${{ event.body.total }} EUR, billing ${{ steps.billing.status }}", expr.Options{})
	w, _ := whole.Eval(env)
	s, _ := text.Eval(env)
	fmt.Printf("%T %v\n", w, w)
	fmt.Println(s)
	fmt.Println(text.Refs())
	// Output:
	// float64 12
	// order ord_1: 12 EUR, billing succeeded
	// [billing]
}
