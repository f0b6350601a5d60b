package expr

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFunctions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want any
	}{
		{`hmacSHA256("key", "The quick brown fox jumps over the lazy dog")`, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
		{`hmacSHA256("", "")`, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"},
		{`sha256("abc")`, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{`sha256("")`, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{`base64Encode("hello")`, "aGVsbG8="},
		{`base64Encode("")`, ""},
		{`base64Decode("aGVsbG8=")`, "hello"},
		{`base64Decode("aGVsbG8")`, "hello"},
		{`toJSON({"a": [1, 2.5, "<x>"], "b": nil})`, `{"a":[1,2.5,"<x>"],"b":null}`},
		{`toJSON(event.body.customer)`, `{"email":"a@example.com"}`},
		{`fromJSON("{\"a\": [1, \"x\"]}")`, map[string]any{"a": []any{1.0, "x"}}},
		{`fromJSON(toJSON(event.body)).total`, 129.5},
		{`now()`, time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)},
		{`now().Format("2006-01-02")`, "2024-05-01"},
		{`repeat("ab", 3)`, "ababab"},
		{`repeat("ab", 0)`, ""},
		{`join(["a", "b"])`, "ab"},
		{`join(["a", "b"], ", ")`, "a, b"},
		{`join([])`, ""},
		{`replace("aaa", "a", "bb")`, "bbbbbb"},
		{`replace("aaa", "a", "b", 2)`, "bba"},
		{`replace("ab", "", "-")`, "-a-b-"},
		{`string(12)`, "12"},
		{`string([1, "a"])`, "[1 a]"},
		{`concat([1], [2, 3])`, []any{1, 2, 3}},
		{`flatten([[1], [2, [3]]])`, []any{1, 2, 3}},
		// expr's builtins keep working.
		{`toBase64("hi") + fromBase64("aGk=")`, "aGk=hi"},
		{`sum(map([1, 2, 3], # * 2))`, 12},
		{`count([1, 2, 3], # > 1)`, 2},
		{`reduce(1..4, #acc + #, 0)`, 10},
		{`sortBy([3, 1, 2], #)`, []any{1, 2, 3}},
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

func TestFunctionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src string
		err string
	}{
		{`base64Decode("!!!")`, "base64Decode: invalid base64 at byte 0"},
		{`base64Decode("aGVsbG8=x")`, "base64Decode: invalid base64 at byte 7"},
		{`fromJSON("[1")`, "fromJSON: invalid JSON at byte 2"},
		{`fromJSON("{\"secret-ish\": x}")`, "fromJSON: invalid JSON at byte 16"},
		{`repeat("x", -1)`, "repeat: count -1 is negative"},
		{`repeat("x", "3")`, "repeat: count is a string, want a number"},
		{`join([1], ",")`, "join: item 0 is a number, not a string"},
		{`join("ab")`, "join: want a list of strings, got a string"},
		{`concat([1], 2)`, "concat: want lists, got a number"},
		{`toJSON(0.0 / 0.0)`, "toJSON: json: unsupported value: NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := Compile(tt.src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Run(nil)
			if want := "evaluate " + tt.src + ": " + tt.err; err == nil || err.Error() != want {
				t.Errorf("Run() error = %v, want %q", err, want)
			}
		})
	}
}

func TestUUID(t *testing.T) {
	t.Parallel()
	p, err := Compile(`[uuid(), uuid()]`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Run(nil)
	if err != nil {
		t.Fatal(err)
	}
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	ids := got.([]any)
	for _, id := range ids {
		if !v4.MatchString(id.(string)) {
			t.Errorf("uuid() = %q, want a version 4 UUID", id)
		}
	}
	if ids[0] == ids[1] {
		t.Errorf("uuid() twice = %q, want two different ids", ids[0])
	}
}

// TestFunctionsList checks that Functions lists exactly the functions of
// the view, each with a signature and a one-sentence doc.
func TestFunctionsList(t *testing.T) {
	t.Parallel()
	var fields []string
	vt := reflect.TypeFor[view]()
	for i := range vt.NumField() {
		f := vt.Field(i)
		if name := f.Tag.Get("expr"); f.Type.Kind() == reflect.Func && !strings.HasPrefix(name, "__") {
			fields = append(fields, name)
		}
	}
	var listed []string
	for _, f := range Functions() {
		listed = append(listed, f.Name)
		if !strings.HasPrefix(f.Signature, f.Name+"(") {
			t.Errorf("%s: signature %q does not start with %s(", f.Name, f.Signature, f.Name)
		}
		if !strings.HasSuffix(f.Doc, ".") || strings.Count(f.Doc, ". ") > 0 {
			t.Errorf("%s: doc %q is not one sentence", f.Name, f.Doc)
		}
	}
	slices.Sort(fields)
	slices.Sort(listed)
	if !slices.Equal(fields, listed) {
		t.Errorf("Functions() = %q, want the view's functions %q", listed, fields)
	}
}
