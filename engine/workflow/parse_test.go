package workflow

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	t.Parallel()
	known := []string{"id", "uses", "with", "needs", "if", "foreach", "retry", "timeout", "continue_on_error"}
	for _, tc := range []struct{ got, want string }{
		{"neeeds", "needs"},
		{"nedes", "needs"},
		{"Uses", "uses"},
		{"retyr", "retry"},
		{"timeuot", "timeout"},
		{"continue-on-error", "continue_on_error"},
		{"banana", ""},
		{"x", ""},
		{"", ""},
	} {
		if got := suggest(tc.got, known); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.got, got, tc.want)
		}
	}
}

func TestSizesAndDurations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   *node
		want int64
		ok   bool
	}{
		{&node{kind: nodeInt, value: 1024}, 1024, true},
		{&node{kind: nodeString, text: "2MiB"}, 2 << 20, true},
		{&node{kind: nodeString, text: "512 KiB"}, 512 << 10, true},
		{&node{kind: nodeString, text: "1.5kb"}, 1500, true},
		{&node{kind: nodeString, text: "10"}, 10, true},
		{&node{kind: nodeString, text: "lots"}, 0, false},
		{&node{kind: nodeString, text: "5 parsecs"}, 0, false},
		{&node{kind: nodeInt, value: -1}, 0, false},
		{&node{kind: nodeBool, value: true}, 0, false},
	} {
		got, ok := sizeOf(tc.in)
		if got != tc.want && tc.ok || ok != tc.ok {
			t.Errorf("sizeOf(%v %q) = %d, %v", tc.in.value, tc.in.text, got, ok)
		}
	}
	for _, tc := range []struct {
		in   *node
		want string
	}{
		{&node{kind: nodeString, text: "1h30m"}, "1h30m0s"},
		{&node{kind: nodeInt, value: 5}, "5s"},
		{&node{kind: nodeFloat, value: 0.5}, "500ms"},
	} {
		if d, err := durationOf(tc.in); err != nil || d.String() != tc.want {
			t.Errorf("durationOf = %v, %v; want %s", d, err, tc.want)
		}
	}
}

func TestPositionsInsideValues(t *testing.T) {
	t.Parallel()
	src := "a: plain ${{ x }}\nb: \"quoted ${{ x }}\"\nc: |\n  one\n  two ${{ x }}\nd: >-\n    folded\n    more ${{ x }}\n"
	c := &collector{}
	root := parseYAML([]byte(src), c)
	for _, tc := range []struct {
		key  string
		want Pos
	}{
		{"a", Pos{1, 10}},
		{"b", Pos{2, 12}},
		{"c", Pos{5, 7}},
		{"d", Pos{8, 10}},
	} {
		n, _ := root.get(tc.key)
		if got := n.posAt(strings.Index(n.text, "${{")); got != tc.want {
			t.Errorf("%s: ${{ at %v, want %v (text %q)", tc.key, got, tc.want, n.text)
		}
	}
}

func TestFindRefs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s, id string
		templ bool
		want  int
	}{
		{`steps.a.output`, "a", false, 0},
		{`x && steps.ab.ok || steps.a.ok`, "a", false, 20},
		{`"steps.a" + steps["a"].status`, "a", false, 12},
		{`text ${{ steps.a }} ${{ "steps.b" }}`, "b", true, -1},
		{`x.steps.a`, "a", false, -1},
		{`steps.a`, "a", true, -1},
	} {
		if got := findStepRef(tc.s, tc.id, tc.templ); got != tc.want {
			t.Errorf("findStepRef(%q, %q) = %d, want %d", tc.s, tc.id, got, tc.want)
		}
	}
	if got := findIdent(`a ${{ 'vars' + event.vars }} ${{ vars.x }}`, "vars", true); got != 33 {
		t.Errorf("findIdent = %d", got)
	}
}

func TestParseWithoutRegistry(t *testing.T) {
	t.Parallel()
	wf, ds := Parse("x.yaml", []byte("name: x\nsteps:\n  - id: a\n    uses: log\n"), nil)
	if wf != nil || len(ds) != 1 || ds[0].String() != `x.yaml:4:11: unknown action "log"` {
		t.Errorf("got %v", ds)
	}
}

func TestDiagnosticsJSON(t *testing.T) {
	t.Parallel()
	_, ds := Parse("f.yaml", []byte("name: x\nstepz: []\n"), testRegistry())
	b, err := json.Marshal(ds)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"file":"f.yaml","line":1,"column":1,"message":"missing required key \"steps\""},` +
		`{"file":"f.yaml","line":2,"column":1,"message":"unknown key \"stepz\"; did you mean \"steps\"?"}]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestLoadPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wf := "name: %s\nsteps:\n  - id: a\n    uses: log\n    with: { message: hi }\n"
	write("a.yaml", strings.Replace(wf, "%s", "one", 1))
	write("b.yml", strings.Replace(wf, "%s", "one", 1))
	write("c.yaml", strings.Replace(wf, "%s", "two", 1))
	write("notes.txt", "not a workflow")
	write(".hidden.yaml", "broken: [")
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("sub/d.yaml", "broken: [")

	ws, ds := LoadDir(dir, testRegistry())
	if len(ws) != 2 || ws[0].Name != "one" || ws[1].Name != "two" {
		t.Errorf("workflows %v", ws)
	}
	wantDiag := filepath.Join(dir, "b.yml") + `:1:7: workflow name "one" is already used by ` + filepath.Join(dir, "a.yaml")
	if len(ds) != 1 || ds[0].String() != wantDiag {
		t.Errorf("diagnostics %v", ds)
	}

	ws, ds = LoadPaths([]string{filepath.Join(dir, "c.yaml"), filepath.Join(dir, "sub"), filepath.Join(dir, "missing.yaml")}, testRegistry())
	if len(ws) != 1 || len(ds) != 2 {
		t.Fatalf("workflows %v diagnostics %v", ws, ds)
	}
	if !strings.HasSuffix(ds[0].String(), "missing.yaml:1:1: cannot read: no such file or directory") ||
		!strings.Contains(ds[1].String(), "d.yaml:1:") {
		t.Errorf("diagnostics %v", ds)
	}
}

func TestAliasBomb(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		b.WriteString("a" + string(rune('0'+i%10)) + string(rune('a'+i)) + ": &a" + string(rune('a'+i)) + " [")
		prev := "a0"
		if i > 1 {
			prev = "a" + string(rune('a'+i-1))
		}
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
	}
	_, ds := Parse("bomb.yaml", []byte(b.String()), testRegistry())
	if !strings.Contains(ds.Error(), "aliases expand the document beyond") {
		t.Errorf("got %v", ds)
	}
}
