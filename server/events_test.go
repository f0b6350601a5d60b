package server

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/store"
)

const emitter = `
name: emitter
on:
  webhook: { path: ship }
steps:
  - id: shipped
    uses: emit
    with: { type: order.shipped, data: { order: "${{ event.body.order }}" } }
`

const listener = `
name: listener
on:
  event: { types: ["order.*"] }
steps:
  - id: note
    uses: transform
    with: { values: { order: "${{ event.body.order }}", type: "${{ event.type }}" } }
`

func TestPublishedEventsAndEmit(t *testing.T) {
	t.Parallel()
	app := startApp(t, "", nil, map[string]string{"emitter.yaml": emitter, "listener.yaml": listener})
	auth := map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/json"}

	status, _ := app.do("POST", "/api/v1/events", []byte(`{"type":"order.created","data":{"order":"A-1"}}`), nil)
	if status != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", status)
	}
	status, ans := app.do("POST", "/api/v1/events", []byte(`{"type":"order.created","data":{"order":"A-1"}}`), auth)
	if status != http.StatusAccepted {
		t.Fatalf("publish: %d %v", status, ans)
	}
	runs := app.waitRuns(ans["id"].(string), 1)
	if runs[0].Workflow != "listener" || runs[0].Status != store.StatusSucceeded {
		t.Fatalf("run = %+v", runs[0])
	}
	status, ans = app.do("POST", "/api/v1/events", []byte(`{"type":"user.deleted","data":{}}`), auth)
	if status != http.StatusAccepted {
		t.Fatalf("publish: %d", status)
	}
	app.waitRuns(ans["id"].(string), 0)
	if status, _ = app.do("POST", "/api/v1/events", []byte(`{"data":{}}`), auth); status != http.StatusUnprocessableEntity {
		t.Errorf("an event without a type: %d, want 422", status)
	}

	// emit: a run publishes order.shipped, which starts the listener.
	status, ans = app.do("POST", "/hooks/ship", []byte(`{"order":"B-2"}`), map[string]string{"Content-Type": "application/json"})
	if status != http.StatusAccepted {
		t.Fatalf("hook: %d", status)
	}
	app.waitRuns(ans["id"].(string), 1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		rs, _, err := app.store.RunList(context.Background(), store.RunListParams{Workflow: "listener", Status: store.StatusSucceeded})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 2 {
			steps, _ := app.store.StepList(context.Background(), rs[0].ID)
			out, _ := steps[0].Output.(map[string]any)
			if out["order"] != "B-2" || out["type"] != "order.shipped" {
				t.Errorf("the listener saw %v", steps[0].Output)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emitted event started %d listener runs, want 2 in all", len(rs))
		}
		time.Sleep(10 * time.Millisecond)
	}

	status, ans = app.do("POST", "/api/v1/workflows/listener/trigger", []byte(`{"type":"order.manual","body":{"order":"M-1"}}`), auth)
	if status != http.StatusAccepted || ans["run_id"] == "" {
		t.Fatalf("trigger: %d %v", status, ans)
	}
	if status, _ = app.do("POST", "/api/v1/workflows/nope/trigger", nil, auth); status != http.StatusNotFound {
		t.Errorf("trigger of an unknown workflow: %d, want 404", status)
	}
}

const sleeper = `
name: sleeper
on:
  webhook: { path: sleep }
steps:
  - { id: pause, uses: delay, with: { duration: 1500ms } }
  - { id: after, uses: transform, needs: [pause], with: { values: { done: true } } }
`

// TestDelaySurvivesKill9: a run waiting in a delay step completes after the
// server is killed with SIGKILL and started again.
func TestDelaySurvivesKill9(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wdir := filepath.Join(dir, "workflows")
	os.Mkdir(wdir, 0o755)
	writeFile(t, filepath.Join(wdir, "sleeper.yaml"), sleeper)
	db := "sqlite://" + filepath.Join(dir, "hookflow.db")
	addr := freeAddr(t)
	p := startServe(t, addr, nil, "--db", db, "--workflows", wdir)
	resp, err := http.Post("http://"+addr+"/hooks/sleep", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("hook: %v %v", resp, err)
	}
	resp.Body.Close()
	time.Sleep(200 * time.Millisecond) // the delay step has started waiting
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
	startServe(t, addr, nil, "--db", db, "--workflows", wdir)
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rs, _, err := st.RunList(context.Background(), store.RunListParams{Workflow: "sleeper"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 1 && rs[0].Status == store.StatusSucceeded {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delayed run did not complete after the restart: %+v", rs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
