package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/hookflow/hookflow/bench/load"
	_ "github.com/mattn/go-sqlite3" // reads hookflow's runs table
)

// fanoutPaths are the receiver paths of both fan-outs.
var fanoutPaths = []string{"/a", "/b", "/c"}

// Side is what one server measured in one scenario.
type Side struct {
	Load *load.Result `json:"load,omitempty"`
	// IdleRSS is VmRSS after the settle time, before any load; PeakRSS the
	// largest VmRSS sampled during the load; HWM is VmHWM (the peak since
	// start) after it. In MiB.
	IdleRSS float64 `json:"idle_rss_mb"`
	PeakRSS float64 `json:"peak_rss_mb"`
	HWM     float64 `json:"hwm_mb"`
	CPU     CPUUse  `json:"cpu"`
	// CPUPerK is the server's CPU milliseconds per 1,000 accepted requests.
	CPUPerK float64 `json:"server_cpu_ms_per_1k_accepted"`
	// DBSize is the SQLite file and its WAL, in MiB, when the load stopped.
	DBSize float64     `json:"db_mb"`
	Runs   *RunCounts  `json:"runs,omitempty"`
	Fanout *FanoutDone `json:"fanout,omitempty"`
}

// RunCounts is how far hookflow's runs had got (ingest): how many were
// unfinished when the load stopped, and how long the rest took.
type RunCounts struct {
	Total            int64   `json:"total"`
	UnfinishedAtEnd  int64   `json:"unfinished_at_load_end"`
	UnfinishedAfter  int64   `json:"unfinished_after_catch_up"`
	CatchUpSeconds   float64 `json:"catch_up_seconds"`
	CatchUpFinished  bool    `json:"catch_up_finished"`
	CatchUpCheckedBy string  `json:"checked_by"`
}

// FanoutDone is what the receiver counted (fanout).
type FanoutDone struct {
	Accepted   int64 `json:"accepted_events"`
	Expected   int64 `json:"expected_deliveries"`
	Deliveries int64 `json:"deliveries"`
	// Span is from the first request to the last delivery; Drain from the
	// last answer to the last delivery. PerSecond is Deliveries / Span.
	Span         float64          `json:"span_seconds"`
	Drain        float64          `json:"drain_seconds"`
	PerSecond    float64          `json:"deliveries_per_second"`
	Missing      map[string]int64 `json:"missing"`
	Lost         int64            `json:"lost"`
	Duplicated   int64            `json:"duplicated"`
	Unexpected   int64            `json:"unexpected"`
	BadSignature int64            `json:"bad_signature"`
	Complete     bool             `json:"complete"`
}

// ingest measures one server on the ingest scenario in round n, in dir.
func (r *runner) ingest(ctx context.Context, name string, n int, dir string) (*Side, error) {
	r.logf("ingest: %s%s, %d connections, %s", name, r.roundTag(n), r.opt.IngestConns, r.opt.Duration)
	srv, err := r.startServer(ctx, name, "ingest", dir, "")
	if err != nil {
		return nil, err
	}
	defer srv.stop(10 * time.Second)
	s, err := r.prepare(ctx, srv, name)
	if err != nil {
		return s, err
	}
	if r.opt.Warmup > 0 {
		if _, err := load.Run(ctx, r.loadConfig(srv, r.opt.IngestConns, r.opt.Warmup)); err != nil {
			return s, err
		}
	}
	m := startMeasure(srv.pid())
	s.Load, err = load.Run(ctx, r.loadConfig(srv, r.opt.IngestConns, r.opt.Duration))
	m.finish(s)
	s.DBSize = dbSize(srv.db)
	if err != nil {
		return s, err
	}
	if name == hookflowName {
		s.Runs, err = r.catchUp(ctx, srv.db)
	}
	return s, err
}

// fanout measures one server on the fan-out scenario in round n, in dir,
// with its own counting receiver.
func (r *runner) fanout(ctx context.Context, name string, n int, dir string) (*Side, error) {
	r.logf("fanout: %s%s, %d connections, %s", name, r.roundTag(n), r.opt.FanoutConns, r.opt.Duration)
	secret := r.opt.Secret
	if name == baselineName && !r.opt.BaselineSign {
		secret = ""
	}
	rc, err := r.startReceiver(ctx, dir, secret)
	if err != nil {
		return nil, err
	}
	defer rc.stop(5 * time.Second)
	srv, err := r.startServer(ctx, name, "fanout", dir, rc.base)
	if err != nil {
		return nil, err
	}
	defer srv.stop(10 * time.Second)
	s, err := r.prepare(ctx, srv, name)
	if err != nil {
		return s, err
	}
	m := startMeasure(srv.pid(), rc.pid())
	s.Load, err = load.Run(ctx, r.loadConfig(srv, r.opt.FanoutConns, r.opt.Duration))
	if err != nil {
		m.finish(s)
		return s, err
	}
	s.Fanout, err = r.awaitDeliveries(ctx, rc, s.Load)
	m.finish(s)
	s.DBSize = dbSize(srv.db)
	return s, err
}

// prepare lets a started server settle, reads its idle memory and probes
// it.
func (r *runner) prepare(ctx context.Context, srv *server, name string) (*Side, error) {
	if err := sleep(ctx, r.opt.Settle); err != nil {
		return nil, err
	}
	mem, err := readMemory(srv.pid())
	if err != nil {
		return nil, err
	}
	return &Side{IdleRSS: mem.RSS}, srv.probe(name)
}

// loadConfig is the load of one measurement.
func (r *runner) loadConfig(srv *server, conns int, d time.Duration) load.Config {
	return load.Config{URL: srv.hookURL(), Conns: conns, Duration: d, MaxRequests: r.opt.MaxRequests,
		Secret: r.opt.Secret, BodySize: r.opt.BodySize}
}

// measure samples memory and CPU while a load runs.
type measure struct {
	pid int
	rss *rssSampler
	cpu *cpuWatch
}

// startMeasure starts sampling; pids[0] is the server under test.
func startMeasure(pids ...int) *measure {
	return &measure{pid: pids[0], rss: sampleRSS(pids[0], 100*time.Millisecond), cpu: watchCPU(pids...)}
}

// finish stops sampling and records memory and CPU in s.
func (m *measure) finish(s *Side) {
	s.CPU = m.cpu.stop()
	s.PeakRSS = m.rss.stop()
	if mem, err := readMemory(m.pid); err == nil {
		s.HWM = mem.HWM
	}
	if s.Load != nil && s.Load.OK > 0 {
		s.CPUPerK = s.CPU.Server * 1000 / float64(s.Load.OK) * 1000
	}
}

// awaitDeliveries waits, bounded by -drain-timeout and a stall of a fifth
// of it, until the receiver has every accepted event three times, then
// checks which are missing.
func (r *runner) awaitDeliveries(ctx context.Context, rc *receiver, res *load.Result) (*FanoutDone, error) {
	want := int64(len(res.Accepted)) * int64(len(fanoutPaths))
	deadline := time.Now().Add(r.opt.DrainTimeout)
	stall := r.opt.DrainTimeout / 5
	var st receiverStats
	last, lastChange := int64(-1), time.Now()
	for {
		var err error
		if st, err = rc.stats(); err != nil {
			return nil, err
		}
		if st.Deliveries != last {
			last, lastChange = st.Deliveries, time.Now()
		}
		if st.Deliveries >= want || time.Now().After(deadline) || time.Since(lastChange) > stall {
			break
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return nil, err
		}
	}
	chk, err := rc.check(res.Accepted, fanoutPaths)
	if err != nil {
		return nil, err
	}
	return fanoutDone(res, st, chk, want), nil
}

// fanoutDone computes the fan-out figures from the load, the receiver's
// counts and its check.
func fanoutDone(res *load.Result, st receiverStats, chk checkResult, want int64) *FanoutDone {
	f := &FanoutDone{Accepted: int64(len(res.Accepted)), Expected: want, Deliveries: st.Deliveries,
		Missing: chk.Missing, Unexpected: chk.Unexpected, BadSignature: st.BadSignature}
	for _, n := range chk.Missing {
		f.Lost += n
	}
	for _, n := range chk.Duplicated {
		f.Duplicated += n
	}
	f.Complete = f.Lost == 0
	if st.LastUnixNano > 0 {
		last := time.Unix(0, st.LastUnixNano)
		f.Span = last.Sub(res.Start).Seconds()
		f.Drain = max(last.Sub(res.End).Seconds(), 0)
	}
	if f.Span > 0 {
		f.PerSecond = float64(f.Deliveries) / f.Span
	}
	return f
}

// catchUp reads hookflow's runs table (read-only, while it runs) when the
// load stops, then waits, bounded by -catch-up, until every run has
// finished. It tells whether the engine keeps up with ingest; no target
// depends on it.
func (r *runner) catchUp(ctx context.Context, dbPath string) (*RunCounts, error) {
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dbPath, err)
	}
	defer db.Close()
	rc := &RunCounts{CatchUpCheckedBy: "SELECT COUNT(*), COUNT(*) - COUNT(finished_at) FROM runs"}
	start := time.Now()
	if rc.Total, rc.UnfinishedAtEnd, err = countRuns(ctx, db); err != nil {
		return nil, err
	}
	rc.UnfinishedAfter = rc.UnfinishedAtEnd
	for rc.UnfinishedAfter > 0 && time.Since(start) < r.opt.CatchUp {
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return rc, err
		}
		if rc.Total, rc.UnfinishedAfter, err = countRuns(ctx, db); err != nil {
			return rc, err
		}
	}
	rc.CatchUpSeconds = time.Since(start).Seconds()
	rc.CatchUpFinished = rc.UnfinishedAfter == 0
	return rc, nil
}

// countRuns returns how many runs there are and how many have not
// finished.
func countRuns(ctx context.Context, db *sql.DB) (total, unfinished int64, err error) {
	row := db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(*) - COUNT(finished_at) FROM runs`)
	if err := row.Scan(&total, &unfinished); err != nil {
		return 0, 0, fmt.Errorf("count hookflow's runs: %w", err)
	}
	return total, unfinished, nil
}

// dbSize is the size of a SQLite file and its WAL in MiB; 0 when unknown.
func dbSize(path string) float64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return float64(n) / (1 << 20)
}
