package server

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/signature"
	"github.com/hookflow/hookflow/engine/store"
)

// proc is a `hookflow serve` subprocess (this test binary, see TestMain).
type proc struct {
	cmd  *exec.Cmd
	addr string
	out  *lockedWriter
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe starts `hookflow serve` and waits until /readyz answers.
func startServe(t *testing.T, addr string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Env = append(append(os.Environ(), "HOOKFLOW_TEST_MAIN=1", "HOOKFLOW_API_TOKEN="+testToken), env...)
	out := &lockedWriter{w: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, addr: addr, out: out}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("serve did not become ready:\n%s", out.String())
	return nil
}

const loadWorkflow = `
name: load
on:
  webhook:
    path: load
    methods: [POST]
    verify: { scheme: hmac-sha256, secret: "${{ env.LOAD_SECRET }}" }
steps:
  - id: a
    uses: http
    with: { url: "${{ env.RECEIVER }}/a", body: "${{ event.body }}" }
  - id: b
    uses: http
    with: { url: "${{ env.RECEIVER }}/b", body: "${{ event.body }}" }
  - id: c
    uses: transform
    needs: [a, b]
    with: { values: { n: "${{ event.body.n }}" } }
`

// loadServe is a serve subprocess with the load workflow, its database,
// its settings and a loopback receiver for its http steps.
type loadServe struct {
	p        *proc
	addr, db string
	wdir     string
	env      []string
}

// startLoadServe starts serve on a fresh SQLite file with loadWorkflow.
func startLoadServe(t *testing.T) loadServe {
	t.Helper()
	dir := t.TempDir()
	ls := loadServe{wdir: filepath.Join(dir, "workflows"), db: "sqlite://" + filepath.Join(dir, "hookflow.db"), addr: freeAddr(t)}
	os.Mkdir(ls.wdir, 0o755)
	writeFile(t, filepath.Join(ls.wdir, "load.yaml"), loadWorkflow)
	rec := newReceivers(t)
	ls.env = []string{"LOAD_SECRET=k", "RECEIVER=" + rec.srv.URL, "HOOKFLOW_ALLOW_PRIVATE_NETWORKS=127.0.0.0/8"}
	ls.p = startServe(t, ls.addr, ls.env, "--db", ls.db, "--workflows", ls.wdir)
	return ls
}

// TestKill9UnderLoad: a serve process receiving concurrent signed requests
// is killed with SIGKILL; after a restart every event that was answered 202
// has all its runs completed.
func TestKill9UnderLoad(t *testing.T) {
	t.Parallel()
	ls := startLoadServe(t)
	p, addr, db := ls.p, ls.addr, ls.db

	var accepted sync.Map
	var nAccepted atomic.Int64
	ctx, stop := context.WithTimeout(context.Background(), 3*time.Second)
	defer stop()
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && i < 5000; i++ {
				if id, ok := postSigned(client, addr, fmt.Sprintf(`{"n":"%d-%d"}`, w, i)); ok {
					accepted.Store(id, true)
					nAccepted.Add(1)
				}
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	stop()
	wg.Wait()
	_ = p.cmd.Wait()
	if nAccepted.Load() == 0 {
		t.Fatalf("no request was accepted before the kill:\n%s", p.out.String())
	}
	startServe(t, addr, ls.env, "--db", db, "--workflows", ls.wdir)
	lost := waitAllFinished(t, db, &accepted)
	t.Logf("kill -9 under load: accepted %d, lost %d", nAccepted.Load(), lost)
	fmt.Printf("kill -9 under load: accepted %d, lost %d\n", nAccepted.Load(), lost)
	if lost != 0 {
		t.Fatalf("%d accepted events lost their runs", lost)
	}
}

func postSigned(c *http.Client, addr, body string) (string, bool) {
	req, _ := http.NewRequest("POST", "http://"+addr+"/hooks/load", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature", signature.SignHex("k", []byte(body)))
	resp, err := c.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var ans struct{ ID string }
	if resp.StatusCode != http.StatusAccepted || decodeJSON(resp, &ans) != nil {
		return "", false
	}
	return ans.ID, true
}

// waitAllFinished waits (bounded) until every accepted event has one
// succeeded run, and returns how many do not.
func waitAllFinished(t *testing.T, db string, accepted *sync.Map) int {
	t.Helper()
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		done := map[string]bool{}
		cursor := ""
		for {
			runs, next, err := st.RunList(context.Background(), store.RunListParams{Limit: 500, Cursor: cursor, Status: store.StatusSucceeded})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				done[r.EventID] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		lost := 0
		accepted.Range(func(k, _ any) bool {
			if !done[k.(string)] {
				lost++
			}
			return true
		})
		if lost == 0 || time.Now().After(deadline) {
			return lost
		}
		time.Sleep(100 * time.Millisecond)
	}
}
