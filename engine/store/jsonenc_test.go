package store

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/hookflow/hookflow/engine"
)

// nativeCases are values whose encoding must equal json.Marshal's.
var nativeCases = []any{
	nil, "", "plain", "quote \" and \\ backslash", "<html> & co", "tab\tnew\nline\x01", "ünïcödé ✓", "bad \xff utf8",
	"line\u2028sep", true, false, 0.0, -0.0, 1.0, -42.0, 3.14159, 1e20, 1e21, 1.5e-7, 1e-6, 123456789012345678.0,
	math.MaxFloat64, math.SmallestNonzeroFloat64, 7, int64(-9007199254740993),
	[]any{}, []any(nil), map[string]any{}, map[string]any(nil),
	map[string]any{"b": 1.0, "a": []any{"x", nil, true, map[string]any{"z": 2.5, "<k>": "v"}}, "": "empty key"},
	map[string]any{"status": 200.0, "headers": map[string]string{"content-type": "application/json", "x-é": "<v>"}},
	map[string]string(nil),
}

func TestNativeJSONEqualsMarshal(t *testing.T) {
	t.Parallel()
	for _, v := range nativeCases {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		got, ok := appendNativeJSON(nil, v)
		if !ok || string(got) != string(want) {
			t.Errorf("%#v:\n got %s (%v)\nwant %s", v, got, ok, want)
		}
	}
	for _, v := range []any{math.NaN(), math.Inf(1), struct{}{}, []string{"typed"}, map[string]any{"k": math.Inf(-1)}} {
		if _, ok := appendNativeJSON(nil, v); ok {
			t.Errorf("%#v: encoded natively, want the json.Marshal path", v)
		}
	}
}

// FuzzNativeJSON: any JSON document, decoded as encoding/json decodes it,
// encodes natively exactly as json.Marshal encodes it.
func FuzzNativeJSON(f *testing.F) {
	for _, v := range nativeCases {
		if b, err := json.Marshal(v); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"a":[1,2,{"b":"\u00e9\ud83d\ude00"}],"c":1e-7,"d":-0}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		var v any
		if json.Unmarshal(doc, &v) != nil {
			return
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendNativeJSON(nil, v)
		if !ok || string(got) != string(want) {
			t.Fatalf("%s:\n got %s (%v)\nwant %s", doc, got, ok, want)
		}
	})
}

func TestExchangesEncodeAsMarshal(t *testing.T) {
	t.Parallel()
	for _, xs := range [][]engine.Exchange{
		{{Request: &engine.RequestRecord{Method: "POST", URL: "http://127.0.0.1/x?a=1&b=<2>", Headers: map[string]string{"b": "2", "a": "é"}, Body: `{"k":"v"}`},
			Response: &engine.ResponseRecord{Status: 503, Headers: map[string]string{"retry-after": "1"}, Body: "busy\n"}}},
		{{Request: &engine.RequestRecord{Method: "GET", URL: "http://h/", BodyFromEvent: true}}, {Response: &engine.ResponseRecord{Status: 200}}, {}},
		{},
	} {
		want, err := json.Marshal(xs)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendExchanges(nil, xs); string(got) != string(want) {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	}
}
