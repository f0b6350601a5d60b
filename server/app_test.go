package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/signature"
	"github.com/hookflow/hookflow/engine/store"
)

const testToken = "test-token-0123456789"

// testApp is a real server on loopback with a real store and a workflows
// folder of its own.
type testApp struct {
	*App
	t    *testing.T
	dir  string
	out  *bytes.Buffer
	logs *lockedWriter
}

// startApp starts an App with the given workflow files; dsn "" means a
// fresh SQLite file.
func startApp(t *testing.T, dsn string, env []string, files map[string]string) *testApp {
	t.Helper()
	return startAppWith(t, dsn, env, files, nil)
}

// startAppWith is startApp with mod applied to the configuration (after
// its defaults) before the App is built.
func startAppWith(t *testing.T, dsn string, env []string, files map[string]string, mod func(*serveConfig)) *testApp {
	t.Helper()
	dir := t.TempDir()
	wdir := filepath.Join(dir, "workflows")
	if err := os.Mkdir(wdir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range files {
		writeFile(t, filepath.Join(wdir, name), src)
	}
	if dsn == "" {
		dsn = "sqlite://" + filepath.Join(dir, "hookflow.db")
	}
	cfg := serveConfig{Addr: "127.0.0.1:0", DB: dsn, Workflows: wdir, APIToken: testToken,
		AllowPrivate: "127.0.0.0/8", LogLevel: "warn"}
	cfg.File.defaults()
	noGrace := duration(0)
	cfg.File.Limits.DrainGrace = &noGrace
	out := &bytes.Buffer{}
	logs := &lockedWriter{w: &bytes.Buffer{}}
	cfg.LogLevel = "debug"
	if mod != nil {
		mod(&cfg)
	}
	io := IO{Stdout: &lockedWriter{w: out}, Stderr: logs, Environ: env}
	app, err := newApp(context.Background(), cfg, io)
	if err != nil {
		t.Fatalf("new app: %v", err)
	}
	if err := app.Start(context.Background()); err != nil {
		t.Fatalf("start app: %v", err)
	}
	t.Cleanup(func() {
		if !app.draining.Load() {
			if err := app.Shutdown(); err != nil {
				t.Errorf("shutdown: %v", err)
			}
		}
	})
	return &testApp{App: app, t: t, dir: wdir, out: out, logs: logs}
}

func writeFile(t *testing.T, path, src string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// String returns what was written so far.
func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s, ok := l.w.(fmt.Stringer); ok {
		return s.String()
	}
	return ""
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// post sends a request and decodes a JSON answer.
func (a *testApp) do(method, path string, body []byte, headers map[string]string) (int, map[string]any) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.URL()+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// waitRuns waits (bounded) until every run of the event has finished.
func (a *testApp) waitRuns(eventID string, want int) []*store.Run {
	a.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		runs, _, err := a.store.RunList(context.Background(), store.RunListParams{Limit: 500})
		if err != nil {
			a.t.Fatal(err)
		}
		var mine []*store.Run
		done := true
		for _, r := range runs {
			if r.EventID == eventID {
				mine = append(mine, r)
				done = done && r.FinishedAt != nil
			}
		}
		if len(mine) == want && done {
			return mine
		}
		time.Sleep(5 * time.Millisecond)
	}
	a.t.Fatalf("the runs of event %s did not finish", eventID)
	return nil
}

// receivers are loopback HTTP servers that record what reaches them.
type receivers struct {
	mu   sync.Mutex
	got  map[string][][]byte
	srv  *httptest.Server
	sigs map[string]bool
}

func newReceivers(t *testing.T) *receivers {
	r := &receivers{got: map[string][][]byte{}, sigs: map[string]bool{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got[req.URL.Path] = append(r.got[req.URL.Path], b)
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"stock": 2}`)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receivers) count(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got[path])
}

func orderFanoutFile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../workflows/order-fanout.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func signedPurchase(t *testing.T, id string) ([]byte, map[string]string) {
	t.Helper()
	body := []byte(fmt.Sprintf(`{"type":"purchase","id":%q,"total":42,"items":[{"sku":"a"},{"sku":"b"}]}`, id))
	return body, map[string]string{"Content-Type": "application/json", "X-Signature": signature.SignHex("s3cret", body)}
}

func fanoutEnv(r *receivers) []string {
	return []string{"BILLING_URL=" + r.srv.URL + "/billing", "SHIPPING_URL=" + r.srv.URL + "/shipping",
		"INVENTORY_URL=" + r.srv.URL + "/inventory", "ORDERS_SECRET=s3cret"}
}

// TestFanOutEndToEnd: one signed purchase in, three receivers called (the
// inventory once per line item), the run recorded as succeeded.
func TestFanOutEndToEnd(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dsn := ""
			if backend == "postgres" {
				dsn = postgresDSN(t)
			}
			rec := newReceivers(t)
			app := startApp(t, dsn, fanoutEnv(rec), map[string]string{"order-fanout.yaml": orderFanoutFile(t)})
			body, headers := signedPurchase(t, "A-1")
			status, ans := app.do("POST", "/hooks/orders", body, headers)
			if status != http.StatusAccepted {
				t.Fatalf("status %d: %v", status, ans)
			}
			runs := app.waitRuns(ans["id"].(string), 1)
			if runs[0].Status != store.StatusSucceeded {
				t.Fatalf("run %s: %s", runs[0].Status, runs[0].Error)
			}
			for path, want := range map[string]int{"/billing/invoices": 1, "/shipping": 1, "/inventory/reserve": 2} {
				if got := rec.count(path); got != want {
					t.Errorf("%s got %d requests, want %d", path, got, want)
				}
			}
			if !strings.Contains(app.out.String(), "/hooks/orders") {
				t.Errorf("the banner does not list the inbound URL:\n%s", app.out.String())
			}
			status, _ = app.do("POST", "/hooks/orders", body, map[string]string{"X-Signature": "00"})
			if status != http.StatusUnauthorized {
				t.Errorf("a bad signature got %d, want 401", status)
			}
		})
	}
}

func decodeJSON(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }
