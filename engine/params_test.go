package engine

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

type fastParams struct {
	URL     string         `json:"url"`
	Count   int            `json:"count"`
	Ratio   float64        `json:"ratio"`
	On      bool           `json:"on"`
	Body    any            `json:"body"`
	Values  map[string]any `json:"values"`
	List    []any          `json:"list"`
	Names   []string       `json:"names"`
	Codes   []int          `json:"codes"`
	Headers map[string]string
	Wait    Duration `json:"wait"`
	Limit   *float64 `json:"limit"`
	Nested  *struct {
		Table string `json:"table"`
	} `json:"nested"`
}

// TestDecodeParamsMatchesJSON: the fast path gives exactly what a JSON
// round trip gives, for every kind of field and value.
func TestDecodeParamsMatchesJSON(t *testing.T) {
	t.Parallel()
	def := &Definition{Name: "x", Params: fastParams{}, plans: &paramPlans{}}
	cases := []map[string]any{
		{"url": "http://a", "count": 3.0, "ratio": 0.5, "on": true},
		{"body": map[string]any{"a": []any{1.0, "x", nil, true}}, "values": map[string]any{"k": "v"}, "list": []any{1.0}},
		{"body": map[string]any{"n": 1}}, // an int inside: JSON turns it into 1.0
		{"values": map[string]any{"count": 3, "deep": []any{map[string]any{"n": int64(-7)}, 2}, "s": "x"}},
		{"body": []any{"a", map[string]any{"b": 1.5}, []any{}}},
		{"body": []string{"a", "b"}},                          // a typed list: JSON turns it into []any
		{"body": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, // JSON turns a time into text
		{"count": 3}, // an int
		{"names": []any{"a", "b"}, "codes": []any{200.0, 201.0}},
		{"Headers": map[string]any{"a": "b"}},
		{"wait": "30s", "limit": 2.5, "nested": map[string]any{"table": "t"}},
		{"url": nil, "body": nil},
		{"unknown": 1.0, "url": "u"},
	}
	for i, with := range cases {
		got, err := def.DecodeParams(with)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		want := &fastParams{}
		b, _ := json.Marshal(with)
		if err := json.Unmarshal(b, want); err != nil {
			t.Fatalf("case %d: json: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("case %d:\n got  %#v\n want %#v", i, got, want)
		}
		if m, ok := got.(*fastParams).Body.(map[string]any); ok {
			if _, isInt := m["n"].(int); isInt {
				t.Errorf("case %d: an int reached an any field; JSON would have made it float64", i)
			}
		}
	}
	for _, bad := range []map[string]any{{"url": 3.0}, {"count": 1.5}, {"on": "yes"}, {"wait": "soon"}} {
		if _, err := def.DecodeParams(bad); err == nil {
			t.Errorf("%v: want an error, as JSON gives", bad)
		}
	}
}

func BenchmarkDecodeParams(b *testing.B) {
	def := &Definition{Name: "x", Params: fastParams{}, plans: &paramPlans{}}
	body := map[string]any{}
	for i := range 30 {
		body[string(rune('a'+i%26))+string(rune('a'+i/26))] = map[string]any{"sku": "kb-01", "qty": 2.0, "price": 19.5}
	}
	with := map[string]any{"url": "http://127.0.0.1/x", "body": body, "on": true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := def.DecodeParams(with); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSecretValues(t *testing.T) {
	t.Parallel()
	type p struct {
		Secret string `json:"secret" secret:"true"`
		Short  string `json:"short" secret:"true"`
		Plain  string `json:"plain"`
	}
	def := &Definition{Name: "x", Params: p{}, plans: &paramPlans{}}
	got := def.SecretValues(&p{Secret: "hunter22", Short: "abc", Plain: "visible"})
	if !reflect.DeepEqual(got, []string{"hunter22"}) {
		t.Fatalf("SecretValues = %q, want only the long secret", got)
	}
	if got := def.SecretValues(&struct{ A string }{"x"}); got != nil {
		t.Fatalf("another type's params gave %q", got)
	}
}
