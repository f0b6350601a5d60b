package server

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/store"
)

func TestServeBadSettingsExit2(t *testing.T) {
	t.Parallel()
	wdir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--colour"}, "flag provided but not defined"},
		{"bad db scheme", []string{"--db", "mysql://root:pw@x/db", "--workflows", wdir}, `--db "mysql://root:***@x/db"`},
		{"bad log level", []string{"--log-level", "loud", "--workflows", wdir}, "--log-level"},
		{"missing workflows folder", []string{"--workflows", filepath.Join(wdir, "nope")}, "is not a folder"},
		{"bad allow list", []string{"--workflows", wdir, "--db", "sqlite://" + filepath.Join(t.TempDir(), "x.db"), "--allow-private-networks", "10.0.0.0/99"}, "allow"},
		{"unreachable database", []string{"--workflows", wdir, "--db", "postgres://postgres@127.0.0.1:1/test?connect_timeout=2"}, "127.0.0.1:1"},
		{"bad config file", []string{"--workflows", wdir, "--config", writeTemp(t, "limits:\n  workerz: 3\n")}, ":2:3:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)...)
			cmd.Env = append(os.Environ(), "HOOKFLOW_TEST_MAIN=1")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			code := -1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != exitUsage {
				t.Fatalf("exit %d (%v), want 2; output:\n%s", code, err, out.String())
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("output %q does not say %q", out.String(), tt.want)
			}
			if strings.Count(strings.TrimSpace(out.String()), "\n") > 2 && tt.name != "unknown flag" {
				t.Errorf("want one clear line, got:\n%s", out.String())
			}
		})
	}
}

func writeTemp(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hookflow.yaml")
	writeFile(t, p, src)
	return p
}

// TestSIGTERMDrains: SIGTERM makes serve finish what it holds and exit 0.
func TestSIGTERMDrains(t *testing.T) {
	t.Parallel()
	ls := startLoadServe(t)
	p, addr, db := ls.p, ls.addr, ls.db
	id, ok := postSigned(http.DefaultClient, addr, `{"n":"1"}`)
	if !ok {
		t.Fatal("the event was not accepted")
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // within the drain grace: refused with 503
	if resp, err := http.Post("http://"+addr+"/hooks/load", "application/json", nil); err != nil {
		t.Errorf("during the drain grace the listener must answer: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("a request while draining got %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v, want 0; output:\n%s", err, p.out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, _, err := st.RunList(context.Background(), store.RunListParams{})
	if err != nil || len(runs) != 1 || runs[0].EventID != id {
		t.Fatalf("runs = %v, %v", runs, err)
	}
	if runs[0].Status != store.StatusSucceeded {
		t.Errorf("the run in hand was %s after the drain, want succeeded", runs[0].Status)
	}
}

const echoWorkflow = `
name: echo
on:
  webhook: { path: echo }
steps:
  - id: say
    uses: transform
    with: { values: { version: "VERSION" } }
`

// TestHotReload: a new, changed or deleted file takes effect within a
// second; a broken save keeps the running version; each accepted change is
// a new version and runs record theirs.
func TestHotReload(t *testing.T) {
	t.Parallel()
	app := startApp(t, "", nil, map[string]string{"echo.yaml": strings.Replace(echoWorkflow, "VERSION", "one", 1)})
	file := filepath.Join(app.dir, "echo.yaml")
	hookStatus := func() int { s, _ := app.do("POST", "/hooks/echo", []byte(`{}`), nil); return s }
	eventually := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not happen within a second", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	version := func() int { tg, _ := app.catalog.Current("echo"); return tg.Version }

	writeFile(t, file, strings.Replace(echoWorkflow, "VERSION", "two", 1))
	eventually("the change", func() bool { return version() == 2 })
	status, ans := app.do("POST", "/hooks/echo", []byte(`{}`), nil)
	if status != http.StatusAccepted {
		t.Fatalf("status %d", status)
	}
	if runs := app.waitRuns(ans["id"].(string), 1); runs[0].Version != 2 {
		t.Errorf("run recorded version %d, want 2", runs[0].Version)
	}

	writeFile(t, file, "name: echo\nsteps:\n  - id: x\n    uses: htp\n")
	time.Sleep(300 * time.Millisecond) // a broken save must change nothing
	if version() != 2 || hookStatus() != http.StatusAccepted {
		t.Fatalf("a broken save replaced the running version (version %d)", version())
	}
	if errs := app.loader.Errors(); len(errs[file]) == 0 || !strings.Contains(errs[file][0].String(), "echo.yaml:4:11") {
		t.Errorf("the broken file's errors = %v", errs)
	}

	writeFile(t, filepath.Join(app.dir, "new.yaml"), strings.NewReplacer("name: echo", "name: fresh", "path: echo", "path: fresh").Replace(echoWorkflow))
	eventually("the new file", func() bool { s, _ := app.do("POST", "/hooks/fresh", nil, nil); return s == http.StatusAccepted })

	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	eventually("the deletion", func() bool { return hookStatus() == http.StatusNotFound })
	vs, err := app.store.VersionList(context.Background(), "echo")
	if err != nil || len(vs) != 2 {
		t.Errorf("versions = %d, %v; want 2", len(vs), err)
	}
}
