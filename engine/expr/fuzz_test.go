package expr

import (
	"testing"
)

func FuzzCompileString(f *testing.F) {
	for _, s := range []string{
		"plain", "${{ event.body.total }}", "a ${{ evnt }} b ${{ steps[x] }}", "x ${{ event.id", "${{ }}",
		`${{ "}}" }}`, `${{ {"a": {"b": 1}} }}`, "${{ any(steps.inventory.output, .body.stock < 5) }}",
		"é ${{ 'é' + event.raw }} ${{", "${{ toJSON(event.body) }}/${{ base64Decode('aGk=') }}", "${{ item }}",
		"${{ let x = 1; x }}", "${{ `}}` }}", "${{ '\\'}}' }}", "${{ now() }} ${{ uuid() }}",
	} {
		f.Add(s, false)
	}
	env := testEnv()
	f.Fuzz(func(t *testing.T, s string, foreach bool) {
		v, errs := CompileString(s, Options{Foreach: foreach})
		for _, e := range errs {
			if e.Offset < 0 || e.Offset > len(s) {
				t.Fatalf("CompileString(%q): offset %d outside [0, %d]: %s", s, e.Offset, len(s), e.Message)
			}
			if e.Message == "" {
				t.Fatalf("CompileString(%q): empty message at %d", s, e.Offset)
			}
		}
		if (v == nil) == (len(errs) == 0) {
			t.Fatalf("CompileString(%q) = %v, %v: want a value or errors", s, v, errs)
		}
		if v != nil && len(s) < 300 {
			_, _ = v.Eval(env)
		}
	})
}
