package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
)

// testNow is the fixed clock of most tests; signatures are made with it.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// parseWorkflow parses a workflow file with the built-in actions.
func parseWorkflow(t *testing.T, reg *engine.Registry, src string) *workflow.Workflow {
	t.Helper()
	w, diags := workflow.Parse("test.yaml", []byte(src), reg)
	if len(diags) > 0 {
		t.Fatalf("workflow does not validate:\n%v", diags)
	}
	return w
}

// targets parses workflow files as version 1 of each.
func targets(t *testing.T, srcs ...string) []run.Target {
	t.Helper()
	reg := actions.Registry(actions.Deps{})
	var out []run.Target
	for _, src := range srcs {
		out = append(out, run.Target{Workflow: parseWorkflow(t, reg, src), Version: 1})
	}
	return out
}

// hookWorkflow is a workflow file with on.webhook given as YAML lines
// (indented for on.webhook) and a transform step.
func hookWorkflow(name, webhook string) string {
	return fmt.Sprintf(`name: %s
on:
  webhook:
%s
steps:
  - id: echo
    uses: transform
    with: { values: { body: "${{ event.body }}" } }
`, name, indent(webhook, "    "))
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = prefix + strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

// recorder is an in-test Dispatcher: it keeps the events and answers like
// the store (dedupe keys included), or fails with err.
type recorder struct {
	mu      sync.Mutex
	err     error
	events  []*engine.Event
	targets [][]string // workflow names per event
	keys    map[string]string
	// block, when set, is waited on before answering; entered is sent to
	// (without blocking) when a call starts.
	block   chan struct{}
	entered chan struct{}
}

func (d *recorder) Dispatch(ctx context.Context, ev *engine.Event, targets []run.Target) (engine.AcceptResult, error) {
	if d.entered != nil {
		select {
		case d.entered <- struct{}{}:
		default:
		}
	}
	if d.block != nil {
		select {
		case <-d.block:
		case <-ctx.Done():
			return engine.AcceptResult{}, ctx.Err()
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return engine.AcceptResult{}, d.err
	}
	if d.keys == nil {
		d.keys = map[string]string{}
	}
	if id, ok := d.keys[ev.DedupeKey]; ok && ev.DedupeKey != "" {
		return engine.AcceptResult{EventID: id, Duplicate: true}, nil
	}
	ev.ID = fmt.Sprintf("ev%d", len(d.events)+1)
	d.keys[ev.DedupeKey] = ev.ID
	res := engine.AcceptResult{EventID: ev.ID}
	var names []string
	for _, tg := range targets {
		names = append(names, tg.Workflow.Name)
		res.RunIDs = append(res.RunIDs, ev.ID+"-"+tg.Workflow.Name)
	}
	d.events = append(d.events, ev)
	d.targets = append(d.targets, names)
	return res, nil
}

// stored returns a copy of what was dispatched.
func (d *recorder) stored() ([]*engine.Event, [][]string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*engine.Event(nil), d.events...), append([][]string(nil), d.targets...)
}

// inspector collects the records of Options.Inspect.
type inspector struct {
	mu      sync.Mutex
	records []Record
}

func (in *inspector) add(r Record) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.records = append(in.records, r)
}

func (in *inspector) all() []Record {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Record(nil), in.records...)
}

// testServer is a real fiber app on a loopback listener serving one
// Trigger, with a real HTTP client.
type testServer struct {
	url    string
	tr     *Trigger
	client *http.Client
}

// serve loads targets into a new Trigger and serves it on 127.0.0.1.
func serve(t *testing.T, opts Options, tgs []run.Target) *testServer {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	tr := New(opts)
	if err := tr.Load(tgs); err != nil {
		t.Fatalf("load: %v", err)
	}
	return serveTrigger(t, tr)
}

// serveTrigger serves tr on 127.0.0.1 until the test ends. The app's
// BodyLimit is high: the trigger enforces each path's max_body.
func serveTrigger(t *testing.T, tr *Trigger) *testServer {
	t.Helper()
	app := fiber.New(fiber.Config{
		BodyLimit:             32 << 20,
		DisableStartupMessage: true,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           30 * time.Second,
	})
	app.All("/hooks/*", tr.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	client := &http.Client{Timeout: 30 * time.Second}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		if err := app.ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-done
	})
	return &testServer{url: "http://" + ln.Addr().String(), tr: tr, client: client}
}

// reply is an answer as the client saw it.
type reply struct {
	status int
	header http.Header
	body   string
}

// json decodes the body as a JSON object.
func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("answer %d %q is not a JSON object: %v", r.status, r.body, err)
	}
	return m
}

// errorSentence returns the "error" of a JSON error answer, checking that
// it is the only key besides "id".
func (r reply) errorSentence(t *testing.T) string {
	t.Helper()
	m := r.json(t)
	s, ok := m["error"].(string)
	if !ok {
		t.Fatalf("answer %d %q has no error sentence", r.status, r.body)
	}
	for k := range m {
		if k != "error" && k != "id" {
			t.Fatalf("error answer %q has an extra key %q", r.body, k)
		}
	}
	return s
}

// send sends one request to /hooks/<path>.
func (s *testServer) send(t *testing.T, method, path, body string, headers map[string]string) reply {
	t.Helper()
	rep, err := s.trySend(method, path, body, headers)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// trySend is send for goroutines: it returns the error instead.
func (s *testServer) trySend(method, path, body string, headers map[string]string) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+"/hooks/"+path, rd)
	if err != nil {
		return reply{}, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// sendHeader sends a request whose headers are an http.Header (repeated
// values).
func (s *testServer) sendHeader(t *testing.T, method, path, body string, h http.Header) reply {
	t.Helper()
	req, err := http.NewRequest(method, s.url+"/hooks/"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// stack is a real engine on a real SQLite store, with the built-in
// actions answering through the trigger's waiters.
type stack struct {
	store   store.Store
	engine  *run.Engine
	catalog *run.Catalog
	srv     *testServer
	in      *inspector
}

// newStack starts a store, an engine and a served trigger with srcs
// loaded; mod may change the trigger's options (it gets the store).
func newStack(t *testing.T, mod func(*Options, store.Store), srcs ...string) *stack {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "hooks.db"), store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	waiters := NewWaiters()
	reg := actions.Registry(actions.Deps{Responder: waiters})
	cat := run.NewCatalog(nil)
	var tgs []run.Target
	for _, src := range srcs {
		w := parseWorkflow(t, reg, src)
		v, err := st.VersionSave(ctx, w.Name, w.Source)
		if err != nil {
			t.Fatal(err)
		}
		tg := run.Target{Workflow: w, Version: v}
		cat.Put(tg)
		tgs = append(tgs, tg)
	}
	eng, err := run.New(run.Config{Store: st, Registry: reg, Catalog: cat, SingleNode: true, Workers: 8,
		PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	if err := eng.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); eng.Wait() })
	in := &inspector{}
	opts := Options{Dispatcher: eng, Waiters: waiters, Inspect: in.add, Now: time.Now}
	if mod != nil {
		mod(&opts, st)
	}
	s := &stack{store: st, engine: eng, catalog: cat, in: in}
	s.srv = serve(t, opts, tgs)
	return s
}

// runsOf returns the runs started by an event, from the inspector's record
// of the request that stored it.
func (s *stack) runsOf(t *testing.T, eventID string) []string {
	t.Helper()
	for _, r := range s.in.all() {
		if r.EventID == eventID && len(r.RunIDs) > 0 {
			return r.RunIDs
		}
	}
	t.Fatalf("no record of event %s", eventID)
	return nil
}

// finished waits (bounded) for a run to finish and returns its steps by id.
func (s *stack) finished(t *testing.T, runID string) (*store.Run, map[string]*store.StepRecord) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		r, err := s.store.RunGet(ctx, runID)
		if err != nil {
			t.Fatal(err)
		}
		if r.FinishedAt != nil {
			steps, err := s.store.StepList(ctx, runID)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]*store.StepRecord{}
			for _, st := range steps {
				out[st.StepID] = st
			}
			return r, out
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("run %s did not finish in time", runID)
	return nil, nil
}

// countRuns counts the stored runs of a workflow.
func (s *stack) countRuns(t *testing.T, name string) int {
	t.Helper()
	runs, _, err := s.store.RunList(context.Background(), store.RunListParams{Workflow: name, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return len(runs)
}

// errStorage is the recorder's storage failure.
var errStorage = errors.New("database is locked")
