package workflow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must not panic, and every
// diagnostic must point at a line and column of at least 1.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, p := range files {
			if src, err := os.ReadFile(p); err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"))
	f.Add([]byte("steps:\n  - <<: 3\n"))
	reg := testRegistry()
	f.Fuzz(func(t *testing.T, src []byte) {
		wf, ds := Parse("fuzz.yaml", src, reg)
		if wf == nil && len(ds) == 0 {
			t.Fatal("neither a workflow nor a diagnostic")
		}
		for _, d := range ds {
			if d.Line < 1 || d.Col < 1 || d.File != "fuzz.yaml" || d.Message == "" {
				t.Fatalf("bad diagnostic %+v", d)
			}
			if strings.HasPrefix(d.Message, "internal error") {
				t.Fatalf("Parse recovered from a panic: %s", d.Message)
			}
		}
	})
}
