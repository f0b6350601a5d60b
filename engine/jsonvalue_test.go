package engine

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// jsonValueSeeds are documents whose decoding must match encoding/json's,
// including the cases where decoders tend to differ.
var jsonValueSeeds = []string{
	`{"type":"purchase","total":42.5,"items":[{"sku":"A-1","qty":1}],"note":"x"}`,
	`null`, `true`, `false`, `0`, `-0`, `1e400`, `123456789012345678901234567890`, `1.5e-7`,
	`"\u00e9\ud83d\ude00"`, `"\ud800"`, `"a\u0000b"`, `"\/\b\f\n\r\t"`,
	`{"a":1,"a":2}`, `{"a":{"b":[]}}`, `[]`, `{}`, ` [1, 2 ,3] `,
	"\"\xff\xfe\"", `{"a":1}x`, `{"a":}`, `[1,]`, `01`, `"\x"`, ``, `   `,
	`{"k":"v"} {"k":"v"}`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
}

func TestDecodeJSONValueMatchesEncodingJSON(t *testing.T) {
	deep := func(n int, open, inner, close string) string {
		return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
	}
	docs := append(slices.Clone(jsonValueSeeds),
		// encoding/json refuses more than 10,000 levels; so must we.
		deep(10000, "[", "", "]"), deep(10001, "[", "", "]"), deep(10001, `{"a":`, "1", "}"), deep(1<<20, "[", "", "]"))
	for _, doc := range docs {
		t.Run(doc[:min(len(doc), 40)], func(t *testing.T) { checkDecodeJSONValue(t, []byte(doc)) })
	}
}

// FuzzDecodeJSONValue compares DecodeJSONValue with encoding/json on
// mutated documents. Run it with a short minimisation time, since the
// fuzzer minimises every new interesting input and shows 0 execs/s while
// it does:
//
//	go test -run '^$' -fuzz FuzzDecodeJSONValue -fuzztime 60s -fuzzminimizetime 3s ./engine/
func FuzzDecodeJSONValue(f *testing.F) {
	for _, doc := range jsonValueSeeds {
		f.Add([]byte(doc))
	}
	f.Fuzz(checkDecodeJSONValue)
}

// checkDecodeJSONValue asserts that DecodeJSONValue accepts what
// encoding/json accepts and makes the same value of it.
func checkDecodeJSONValue(t *testing.T, raw []byte) {
	var want any
	wantErr := json.Unmarshal(raw, &want)
	got, err := DecodeJSONValue(raw)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("DecodeJSONValue(%q) error %v, encoding/json error %v", raw, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeJSONValue(%q) = %#v, encoding/json = %#v", raw, got, want)
	}
}

func BenchmarkDecodeJSONValue(b *testing.B) {
	raw := []byte(`{"type":"purchase","seq":12345,"id":"ord-12345","total":42.5,"currency":"EUR",` +
		`"customer":{"id":"cus-1042","email":"ada@example.com","name":"Ada Lovelace","country":"GB"},` +
		`"items":[{"sku":"A-1","qty":1,"price":19.5},{"sku":"B-2","qty":2,"price":11.5}],"note":"` +
		string(make([]byte, 0)) + `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`)
	b.Run("goccy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeJSONValue(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
