package workflow

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/invalid")

// TestInvalidGolden parses each testdata/invalid/NAME.yaml and compares its
// diagnostics, one per line, with NAME.golden. Run with -update to rewrite
// the golden files, then read the diff.
func TestInvalidGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid workflows: %v", err)
	}
	reg := testRegistry()
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			wf, ds := Parse(filepath.Base(path), src, reg)
			if len(ds) == 0 {
				t.Fatal("no diagnostics for an invalid workflow")
			}
			if wf != nil {
				t.Error("a workflow with diagnostics was returned")
			}
			got := ds.Error() + "\n"
			golden := strings.TrimSuffix(path, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("diagnostics differ\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}
