package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// The two servers compared.
const (
	hookflowName = "hookflow"
	baselineName = "baseline"
)

// readyTimeout bounds a server's start.
const readyTimeout = 30 * time.Second

// workflows are the benchmark workflows, one per scenario.
//
//go:embed workflows/*.yaml
var workflows embed.FS

// server is a server under test, started.
type server struct {
	*proc
	base string // http://127.0.0.1:PORT
	db   string // its SQLite file
}

// hookURL is where the load goes.
func (s *server) hookURL() string { return s.base + "/hooks/bench" }

// startServer starts the named server for scenario in dir; receiver is
// the fan-out destination (fanout only).
func (r *runner) startServer(ctx context.Context, name, scenario, dir, receiver string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &server{base: "http://" + addr}
	var ready string
	if name == hookflowName {
		s.db = filepath.Join(dir, "hookflow.db")
		s.proc, err = r.startHookflow(scenario, dir, addr, receiver)
		ready = "/readyz"
	} else {
		s.db = filepath.Join(dir, "baseline.db")
		s.proc, err = r.startBaseline(dir, addr, receiver)
		ready = "/healthz"
	}
	if err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx, s.base+ready, readyTimeout); err != nil {
		s.stop(5 * time.Second)
		return nil, err
	}
	return s, nil
}

// startHookflow starts `hookflow serve` on a fresh database with the
// scenario's workflow.
func (r *runner) startHookflow(scenario, dir, addr, receiver string) (*proc, error) {
	wdir := filepath.Join(dir, "workflows")
	if err := os.MkdirAll(wdir, 0o755); err != nil {
		return nil, fmt.Errorf("make workflows directory: %w", err)
	}
	src, err := workflows.ReadFile("workflows/" + scenario + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("read %s workflow: %w", scenario, err)
	}
	if err := os.WriteFile(filepath.Join(wdir, scenario+".yaml"), src, 0o644); err != nil {
		return nil, fmt.Errorf("write %s workflow: %w", scenario, err)
	}
	args := []string{"serve", "--addr", addr, "--db", "sqlite://" + filepath.Join(dir, "hookflow.db"),
		"--workflows", wdir, "--api-token", "bench-token"}
	env := []string{"BENCH_SECRET=" + r.opt.Secret}
	if pp := os.Getenv("BENCH_PPROF"); pp != "" {
		env = append(env, "HOOKFLOW_PPROF="+pp) // profile the server under load
	}
	if receiver != "" {
		args = append(args, "--allow-private-networks", "127.0.0.0/8")
		env = append(env, "BENCH_RECEIVER="+receiver)
	}
	return r.procs.start(hookflowName, dir, filepath.Join(dir, "hookflow.log"), env, r.opt.Hookflow, args...)
}

// startBaseline starts the baseline on a fresh database, fanning out to
// receiver when it is set.
func (r *runner) startBaseline(dir, addr, receiver string) (*proc, error) {
	args := append([]string{"-addr", addr, "-db", filepath.Join(dir, "baseline.db")}, r.opt.BaselineArgs...)
	if receiver != "" {
		args = append(args, "-fanout", receiver)
		if r.opt.BaselineSign {
			args = append(args, "-secret", r.opt.Secret)
		}
	}
	return r.procs.start(baselineName, dir, filepath.Join(dir, "baseline.log"), nil, r.opt.Baseline, args...)
}

// probe checks that hookflow serves the bench path and verifies
// signatures: an unsigned request must be refused with 401 (and stores
// nothing). The baseline verifies nothing and is not probed.
func (s *server) probe(name string) error {
	if name != hookflowName {
		return nil
	}
	resp, err := http.Post(s.hookURL(), "application/json", bytes.NewReader([]byte(`{"type":"probe"}`)))
	if err != nil {
		return fmt.Errorf("probe %s: %w", s.hookURL(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("probe %s: an unsigned request was answered %d, want 401 (is the workflow loaded?):\n%s",
			s.hookURL(), resp.StatusCode, s.tail(20))
	}
	return nil
}

// receiver is a counting receiver (bench/receiver), started.
type receiver struct {
	*proc
	base string
}

// startReceiver starts a quiet counting receiver in dir; with a secret it
// verifies X-Signature.
func (r *runner) startReceiver(ctx context.Context, dir, secret string) (*receiver, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"-addr", addr, "-quiet", "-for", "1h"}
	if secret != "" {
		args = append(args, "-secret", secret)
	}
	p, err := r.procs.start("receiver", dir, filepath.Join(dir, "receiver.log"), nil, r.opt.Receiver, args...)
	if err != nil {
		return nil, err
	}
	rc := &receiver{proc: p, base: "http://" + addr}
	if err := p.waitReady(ctx, rc.base+"/_bench/stats", readyTimeout); err != nil {
		p.stop(time.Second)
		return nil, err
	}
	return rc, nil
}

// receiverStats is bench/receiver's Stats.
type receiverStats struct {
	Deliveries    int64            `json:"deliveries"`
	BadSignature  int64            `json:"bad_signature"`
	NoSeq         int64            `json:"no_seq"`
	FirstUnixNano int64            `json:"first_unix_nano"`
	LastUnixNano  int64            `json:"last_unix_nano"`
	ByPath        map[string]int64 `json:"by_path"`
}

// checkResult is bench/receiver's CheckResult.
type checkResult struct {
	Checked    int              `json:"checked"`
	Missing    map[string]int64 `json:"missing"`
	Duplicated map[string]int64 `json:"duplicated"`
	Unexpected int64            `json:"unexpected"`
}

// stats asks the receiver what it has counted.
func (rc *receiver) stats() (receiverStats, error) {
	var st receiverStats
	err := callJSON(http.MethodGet, rc.base+"/_bench/stats", nil, &st)
	return st, err
}

// check asks the receiver which accepted seqs were not delivered to each
// of paths.
func (rc *receiver) check(accepted []int64, paths []string) (checkResult, error) {
	var res checkResult
	err := callJSON(http.MethodPost, rc.base+"/_bench/check", map[string]any{"accepted": accepted, "paths": paths}, &res)
	return res, err
}

// callJSON sends in (when not nil) as JSON and decodes the 200 answer into
// out.
func callJSON(method, url string, in, out any) error {
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			return fmt.Errorf("encode request to %s: %w", url, err)
		}
	}
	req, err := http.NewRequest(method, url, &body)
	if err != nil {
		return fmt.Errorf("build request to %s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d", method, url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode answer of %s: %w", url, err)
	}
	return nil
}
