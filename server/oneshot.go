package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/workflow"
)

// oneShot runs single events through a real engine and store and waits for
// each run to finish: what `hookflow run` and `hookflow test` share.
type oneShot struct {
	store   store.Store
	cleanup func()
}

// openOneShot opens dsn, or a temporary SQLite file when dsn is empty.
func openOneShot(ctx context.Context, dsn string) (*oneShot, error) {
	cleanup := func() {}
	if dsn == "" {
		dir, err := os.MkdirTemp("", "hookflow-run-")
		if err != nil {
			return nil, fmt.Errorf("create temporary database folder: %w", err)
		}
		dsn = "sqlite://" + filepath.Join(dir, "run.db")
		cleanup = func() { os.RemoveAll(dir) }
	}
	st, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		cleanup()
		return nil, err
	}
	return &oneShot{store: st, cleanup: func() { st.Close(); cleanup() }}, nil
}

func (o *oneShot) close() { o.cleanup() }

// shotResult is a finished run with its steps and attempts.
type shotResult struct {
	Run      *store.Run
	Steps    []*store.StepRecord
	Attempts []*store.AttemptRecord
}

// run stores w as a version, dispatches ev to it on a fresh engine built
// from cfg, and waits until the run finishes or ctx ends.
func (o *oneShot) run(ctx context.Context, cfg run.Config, w *workflow.Workflow, ev *engine.Event) (*shotResult, error) {
	version, err := o.store.VersionSave(ctx, w.Name, w.Source)
	if err != nil {
		return nil, fmt.Errorf("save workflow version: %w", err)
	}
	cfg.Store = o.store
	cfg.Catalog = run.NewCatalog(nil)
	cfg.Catalog.Put(run.Target{Workflow: w, Version: version})
	cfg.SingleNode = true
	cfg.PollInterval = 20 * time.Millisecond
	eng, err := run.New(cfg)
	if err != nil {
		return nil, err
	}
	ectx, stop := context.WithCancel(ctx)
	defer func() { stop(); eng.Wait() }()
	if err := eng.Start(ectx); err != nil {
		return nil, err
	}
	res, err := eng.Dispatch(ctx, ev, []run.Target{{Workflow: w, Version: version}})
	if err != nil {
		return nil, err
	}
	if len(res.RunIDs) != 1 {
		return nil, fmt.Errorf("dispatch started %d runs, want 1", len(res.RunIDs))
	}
	return o.wait(ctx, res.RunIDs[0])
}

// wait polls the run until it has finished.
func (o *oneShot) wait(ctx context.Context, runID string) (*shotResult, error) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		r, err := o.store.RunGet(ctx, runID)
		if err != nil {
			return nil, err
		}
		if r.FinishedAt != nil {
			steps, err := o.store.StepList(ctx, runID)
			if err != nil {
				return nil, err
			}
			attempts, err := o.store.AttemptList(ctx, runID)
			if err != nil {
				return nil, err
			}
			return &shotResult{Run: r, Steps: steps, Attempts: attempts}, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for run %s: %w", runID, ctx.Err())
		case <-tick.C:
		}
	}
}
