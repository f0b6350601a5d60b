package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// cli runs the command line in-process and returns exit code and output.
func cli(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := MainIO(IO{Stdout: &out, Stderr: &errb, Environ: env}, args)
	return code, out.String(), errb.String()
}

func TestCommandLineUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"no command", nil, exitUsage, "usage: hookflow"},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"unknown flag", []string{"validate", "--strict"}, exitUsage, "flag provided but not defined: -strict"},
		{"help", []string{"help"}, exitOK, "commands:"},
		{"run without event", []string{"run", "x.yaml"}, exitUsage, "usage: hookflow run"},
		{"version", []string{"version"}, exitOK, "hookflow dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := cli(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.contains) {
				t.Errorf("exit %d, want %d; output %q does not contain %q", code, tt.code, out+errOut, tt.contains)
			}
		})
	}
}

func TestValidateAndSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ok.yaml"), "name: ok\nsteps:\n  - { id: a, uses: log, with: { message: hi } }\n")
	if code, _, errOut := cli(t, nil, "validate", dir); code != exitOK {
		t.Fatalf("valid folder: exit %d: %s", code, errOut)
	}
	writeFile(t, filepath.Join(dir, "bad.yaml"), "name: bad\nsteps:\n  - id: a\n    uses: log\n    neeeds: [b]\n")
	code, out, _ := cli(t, nil, "validate", dir)
	want := filepath.Join(dir, "bad.yaml") + `:5:5: unknown key "neeeds" in step "a"; did you mean "needs"?`
	if code != exitFailure || !strings.Contains(out, want) {
		t.Errorf("exit %d, output %q; want 1 and %q", code, out, want)
	}
	code, out, _ = cli(t, nil, "schema")
	var schema map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &schema) != nil || schema["$schema"] == nil {
		t.Errorf("schema: exit %d, output is not a JSON Schema: %.200s", code, out)
	}
}

const runWorkflow = `
name: runme
if: event.body.kind != "ignored"
steps:
  - id: call
    uses: http
    retry: { max_attempts: 1 }
    with: { url: "${{ env.TARGET }}", body: { n: "${{ event.body.n }}" } }
  - id: after
    uses: transform
    with: { values: { ratio: "${{ 10 / event.body.d }}", got: "${{ steps.call.output.status }}" } }
`

// receiver answers with the status and body the test sets.
func receiver(t *testing.T, status int, contentType, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestRunCommand(t *testing.T) {
	t.Parallel()
	ok, _ := receiver(t, 200, "application/json", `{"fine": true}`)
	dry, dryHits := receiver(t, 200, "application/json", `{"fine": true}`)
	failing, _ := receiver(t, 500, "application/json", `{"error": "down"}`)
	notJSON, _ := receiver(t, 200, "application/json", `<html>oops</html>`)
	tests := []struct {
		name     string
		target   string
		event    string
		args     []string
		code     int
		contains []string
	}{
		{"succeeds", ok.URL, `{"n": 1, "d": 2}`, nil, exitOK, []string{"succeeded", "call", `"ratio":5`}},
		{"filter skips", ok.URL, `{"kind": "ignored"}`, nil, exitOK, []string{"skipped"}},
		{"dry run sends nothing", dry.URL, `{"body": {"n": 7, "d": 1}}`, []string{"--dry-run"}, exitOK, []string{"would have been", "POST " + dry.URL, `{"n":7}`}},
		{"non-2xx answer", failing.URL, `{"n": 1, "d": 1}`, nil, exitFailure, []string{"500 Internal Server Error", "after", "skipped"}},
		{"unreachable host", "http://127.0.0.1:1/x", `{"n": 1, "d": 1}`, nil, exitFailure, []string{"connection refused"}},
		{"response not JSON", notJSON.URL, `{"n": 1, "d": 1}`, nil, exitFailure, []string{"not valid JSON"}},
		{"expression fails at run time", ok.URL, `{"n": 1, "d": "zero"}`, nil, exitFailure, []string{"10 / event.body.d"}},
		{"event not JSON", ok.URL, "{\n  \"n\": 1,\n  oops\n}", nil, exitUsage, []string{"event.json:3:3: event is not valid JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			wf, ev := filepath.Join(dir, "runme.yaml"), filepath.Join(dir, "event.json")
			writeFile(t, wf, runWorkflow)
			writeFile(t, ev, tt.event)
			args := append([]string{"run", wf, "--event", ev, "--allow-private-networks", "127.0.0.0/8"}, tt.args...)
			code, out, errOut := cli(t, []string{"TARGET=" + tt.target}, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			for _, c := range tt.contains {
				if !strings.Contains(out+errOut, c) {
					t.Errorf("output does not contain %q:\n%s%s", c, out, errOut)
				}
			}
			if tt.name == "dry run sends nothing" && dryHits.Load() != 0 {
				t.Errorf("a dry run sent %d requests", dryHits.Load())
			}
		})
	}
}

func TestTestCommandReportsDiff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "t.yaml"), `
name: tested
steps:
  - id: call
    uses: http
    with: { url: "https://example.com/x" }
  - id: shape
    uses: transform
    with: { values: { status: "${{ steps.call.output.status }}" } }
tests:
  - name: passes
    mock: { call: { status: 201 } }
    expect: { status: succeeded, ran: [call, shape], outputs: { shape.status: 201 } }
  - name: fails
    mock: { call: { error: boom } }
    expect: { status: succeeded, ran: [call, shape], outputs: { shape.status: 201 } }
`)
	code, out, _ := cli(t, nil, "test", dir)
	for _, want := range []string{"ok    tested / passes", "FAIL  tested / fails", "status: want succeeded, got failed (step call: boom)",
		"ran: want [call shape]", "got  [call]", "outputs.shape.status: want 201, got nothing", "1 passed, 1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != exitFailure {
		t.Errorf("exit %d, want 1", code)
	}
}
