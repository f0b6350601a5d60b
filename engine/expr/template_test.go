package expr

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestCompileStringTyping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want any
	}{
		// No expression: the string itself.
		{"plain", "plain"},
		{"", ""},
		{"$ {{ not one }}", "$ {{ not one }}"},
		// Exactly one expression keeps the value's type.
		{"${{ event.body.total }}", 129.5},
		{"  ${{ event.body.paid }}\n", true},
		{"${{event.body.nope}}", nil},
		{"${{ event.body.customer }}", map[string]any{"email": "a@example.com"}},
		{"${{ event.body.items[0].qty }}", 1.0},
		{"${{ 1 + 2 }}", 3},
		{"${{ split('a,b', ',') }}", []any{"a", "b"}},
		{"${{ 1..3 }}", []any{1, 2, 3}},
		{"${{ event.query }}", map[string]any{"page": "2"}},
		{`${{ {"a": {"b": 1}} }}`, map[string]any{"a": map[string]any{"b": 1}}},
		{`${{ "}}" }}`, "}}"},
		{`${{ 'a\'}}' }}`, "a'}}"},
		{"${{ 1 // it's one }}", 1},
		{"${{ 1 /* }} it's */ + 1 }}", 2},
		{"${{ 1 // one\n + 1 }}", 2},
		{`${{ 'a}}b' + "c\"}}" + ` + "`}}`" + ` }}`, `a}}bc"}}}}`},
		// Text around: each part is formatted into the text.
		{"total: ${{ event.body.total }}", "total: 129.5"},
		{"${{ event.body.total }}${{ event.body.total }}", "129.5129.5"},
		{"id=${{ event.body.id }}&n=${{ 12.0 }}&p=${{ event.body.paid }}", "id=ord_1&n=12&p=true"},
		{"[${{ event.body.nope }}]", "[]"},
		{"c=${{ event.body.customer }}", `c={"email":"a@example.com"}`},
		{"l=${{ [1, 'x'] }}", `l=[1,"x"]`},
		{"${{ event.id }} }} and {{", "evt_1 }} and {{"},
	}
	env := testEnv()
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			t.Parallel()
			v, errs := CompileString(tt.s, Options{})
			if errs != nil {
				t.Fatalf("CompileString(%q) errors: %v", tt.s, errs)
			}
			got, err := v.Eval(env)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Eval() = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    any
		want string
	}{
		{nil, ""},
		{"s", "s"},
		{12.0, "12"},
		{-3.0, "-3"},
		{1e21, "1000000000000000000000"},
		{0.5, "0.5"},
		{1.5e-7, "0.00000015"},
		{float32(2.5), "2.5"},
		{3, "3"},
		{int64(-4), "-4"},
		{uint8(7), "7"},
		{true, "true"},
		{false, "false"},
		{[]any{1.0, "a", nil}, `[1,"a",null]`},
		{map[string]any{"a": "<b>&"}, `{"a":"<b>&"}`},
		{[]string{"x"}, `["x"]`},
		{time.Date(2024, 5, 1, 10, 0, 0, 5, time.UTC), "2024-05-01T10:00:00.000000005Z"},
		{90 * time.Second, "1m30s"},
		{&StepState{Status: "ok"}, `{"status":"ok","output":null,"error":"","attempts":0}`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%T %v", tt.v, tt.v), func(t *testing.T) {
			t.Parallel()
			got, err := Format(tt.v)
			if err != nil || got != tt.want {
				t.Errorf("Format(%#v) = %q, %v, want %q", tt.v, got, err, tt.want)
			}
		})
	}
}

func TestCompileStringErrors(t *testing.T) {
	t.Parallel()
	type e = Error
	tests := []struct {
		s    string
		want []e
	}{
		{"a ${{ evnt }} b", []e{{6, `unknown name "evnt"; did you mean "event"?`}}},
		{"${{ evnt }} and ${{ steps[x] }}", []e{
			{4, `unknown name "evnt"; did you mean "event"?`},
			{26, msgStepsIndex},
		}},
		{"x ${{ event.id", []e{{2, "unterminated ${{: missing }}"}}},
		{`x ${{ "}}`, []e{{2, "unterminated ${{: missing }}"}}},
		{`x ${{ 1 /* }}`, []e{{2, "unterminated ${{: missing }}"}}},
		{"x ${{ 1 // }\n }", []e{{2, "unterminated ${{: missing }}"}}},
		{"x ${{ 1 // no end", []e{{2, "unterminated ${{: missing }}"}}},
		{"${{ }}", []e{{0, "empty ${{ }}"}}},
		{"${{}} ${{ event.bdy }} ${{ item }}", []e{
			{0, "empty ${{ }}"},
			{16, `unknown field "bdy" of event; did you mean "body"?`},
			{27, "item is only defined in a foreach step"},
		}},
		{"${{ 1 + }}", []e{{6, "unexpected token EOF"}}},
		{"é ${{ evnt }}", []e{{7, `unknown name "evnt"; did you mean "event"?`}}},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			t.Parallel()
			v, errs := CompileString(tt.s, Options{})
			if v != nil {
				t.Errorf("CompileString(%q) value = %v, want nil", tt.s, v)
			}
			var got []e
			for _, err := range errs {
				got = append(got, *err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CompileString(%q) errors = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}

func TestCompileStringForeach(t *testing.T) {
	t.Parallel()
	v, errs := CompileString("${{ index }}: ${{ item.name }}", Options{Foreach: true})
	if errs != nil {
		t.Fatal(errs)
	}
	got, err := v.Eval(&Env{Item: map[string]any{"name": "x"}, Index: 2})
	if err != nil || got != "2: x" {
		t.Errorf("Eval() = %v, %v, want 2: x", got, err)
	}
}

func TestTemplateEvalError(t *testing.T) {
	t.Parallel()
	v, errs := CompileString("n=${{ event.body.total > 'x' }}", Options{})
	if errs != nil {
		t.Fatal(errs)
	}
	_, err := v.Eval(testEnv())
	if want := `evaluate event.body.total > 'x': invalid operation: float64 > string`; err == nil || err.Error() != want {
		t.Errorf("Eval() error = %v, want %q", err, want)
	}
}

func TestValueRefs(t *testing.T) {
	t.Parallel()
	mixed, _ := CompileString("${{ steps.b.output }} ${{ steps.a.output }} ${{ steps.b.status }}", Options{})
	whole, _ := CompileString("${{ steps.c.output }}", Options{})
	tests := []struct {
		name string
		v    Value
		want []string
	}{
		{"literal", Literal("x"), nil},
		{"mixed", mixed, []string{"b", "a"}},
		{"whole", whole, []string{"c"}},
		{"map", Map([]string{"x", "y", "z"}, []Value{whole, mixed, Literal(1)}), []string{"c", "b", "a"}},
		{"list", List([]Value{mixed, nil, whole}), []string{"b", "a", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.v.Refs(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Refs() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMapListFolding is not parallel: AllocsPerRun cannot run in parallel.
func TestMapListFolding(t *testing.T) {
	expr, _ := CompileString("${{ event.id }}", Options{})
	folded := Map([]string{"a", "b", "c"}, []Value{
		Literal(1),
		List([]Value{Literal("x"), Map([]string{"k"}, []Value{Literal(true)})}),
		nil,
	})
	if _, ok := folded.(literal); !ok {
		t.Fatalf("Map of literals = %T, want a literal", folded)
	}
	want := map[string]any{"a": 1, "b": []any{"x", map[string]any{"k": true}}, "c": nil}
	if got, _ := folded.Eval(nil); !reflect.DeepEqual(got, want) {
		t.Errorf("Eval() = %#v, want %#v", got, want)
	}
	mixed := Map([]string{"id", "n"}, []Value{expr, List([]Value{Literal(1), expr})})
	if _, ok := mixed.(literal); ok {
		t.Fatalf("Map with an expression folded into a literal")
	}
	got, err := mixed.Eval(testEnv())
	if want := map[string]any{"id": "evt_1", "n": []any{1, "evt_1"}}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Eval() = %#v, %v, want %#v", got, err, want)
	}
}
