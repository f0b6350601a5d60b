package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// JobComplete records a batch of outcomes in one transaction (see Store
// and Completion). A Completion without Owner is taken as p.Owner's.
//
// The transaction locks the batch's runs in id order (PostgreSQL), then:
// finishes the steps (dropping stale completions), records the attempts,
// decrements the waiting counts of the dependents and queues, leases or
// skips those that reach zero (skips cascade level by level in the same
// transaction), subtracts the finished steps from each run's pending count
// once per run, and moves the runs that reach zero to phase 1 or finishes
// them. The number of statements depends on the depth of skip cascades, not
// on the size of the batch.
func (s *gormStore) JobComplete(ctx context.Context, p JobCompleteParams) ([]*Job, error) {
	if len(p.Completions) == 0 {
		return nil, nil
	}
	b, err := planComplete(p, s.nowOr(p.Now))
	if err != nil {
		return nil, fmt.Errorf("complete jobs: %w", err)
	}
	var jobs []*Job
	err = s.write(ctx, func(tx *gorm.DB) error {
		c := &completer{tx: tx, d: s.d, ps: s.ps, b: b, agg: map[string]*runAgg{}}
		var err error
		jobs, err = c.run()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("complete jobs: %w", err)
	}
	return jobs, nil
}

// completeBatch is a JobComplete batch checked and encoded outside the
// transaction, which may run it more than once.
type completeBatch struct {
	cs     []completionPlan // sorted by run and step, one per step
	runIDs []string         // sorted, distinct
	owner  string
	now    int64
	until  int64
}

// completionPlan is one completion with its values encoded.
type completionPlan struct {
	c        *Completion
	order    int // position in the caller's slice: the first error wins
	owner    string
	output   any
	finished int64
	runAt    int64   // RunAt, or now when it is zero
	attempts [][]any // rows for the attempts table
}

// planComplete checks, deduplicates (first completion of a step wins),
// sorts and encodes a batch.
func planComplete(p JobCompleteParams, now time.Time) (*completeBatch, error) {
	b := &completeBatch{owner: p.Owner, now: micros(now), until: micros(now.Add(leaseOr(p.Lease)))}
	seen := make(map[[2]string]bool, len(p.Completions))
	for i := range p.Completions {
		c := &p.Completions[i]
		switch c.Status {
		case StatusSucceeded, StatusFailed, StatusSkipped, StatusQueued:
		default:
			return nil, fmt.Errorf("step %s of run %s: status %q: want succeeded, failed, skipped or queued", c.StepID, c.RunID, c.Status)
		}
		key := [2]string{c.RunID, c.StepID}
		if seen[key] {
			continue
		}
		seen[key] = true
		cp := completionPlan{c: c, order: i, owner: c.Owner, finished: micros(now), runAt: micros(now)}
		if cp.owner == "" {
			cp.owner = p.Owner
		}
		if !c.Finished.IsZero() {
			cp.finished = micros(c.Finished)
		}
		if !c.RunAt.IsZero() {
			cp.runAt = micros(c.RunAt)
		}
		var err error
		if cp.output, err = encodeJSON(c.Output); err != nil {
			return nil, fmt.Errorf("step %s of run %s: encode output: %w", c.StepID, c.RunID, err)
		}
		if cp.attempts, err = attemptRows(c); err != nil {
			return nil, fmt.Errorf("step %s of run %s: %w", c.StepID, c.RunID, err)
		}
		b.cs = append(b.cs, cp)
		b.runIDs = append(b.runIDs, c.RunID)
	}
	slices.SortFunc(b.cs, func(x, y completionPlan) int {
		return cmpStrings(x.c.RunID, y.c.RunID, x.c.StepID, y.c.StepID)
	})
	slices.Sort(b.runIDs)
	b.runIDs = slices.Compact(b.runIDs)
	return b, nil
}

// attemptRows encodes a completion's attempt records.
func attemptRows(c *Completion) ([][]any, error) {
	rows := make([][]any, 0, len(c.Attempts))
	for _, a := range c.Attempts {
		if a == nil {
			continue
		}
		var ex any
		if len(a.Exchanges) > 0 {
			ex = string(appendExchanges(nil, a.Exchanges))
		}
		attempt := a.Attempt
		if attempt == 0 {
			attempt = c.Attempt
		}
		rows = append(rows, []any{c.RunID, c.StepID, a.Item, attempt, micros(a.StartedAt), a.DurationMS, a.Error, ex})
	}
	return rows, nil
}

// completer carries one try of a JobComplete transaction.
type completer struct {
	tx   *gorm.DB
	d    dialect
	ps   *sqliteStmts // nil: multi-row statements
	b    *completeBatch
	runs map[string]*runInfo
	agg  map[string]*runAgg // per active run: what this batch finished
	jobs []*Job
}

// runAgg sums up what a batch did to one run.
type runAgg struct {
	done     int // steps of the current phase that became terminal
	failed   bool
	err      string
	errOrder int
}

// finishedStep is a step whose completion was applied.
type finishedStep struct {
	run, step  string
	status     string
	dependents string
	cp         *completionPlan
}

// depKey names a step of a run.
type depKey struct{ run, step string }

// depDelta is what a batch subtracts from one dependent's waiting count.
type depDelta struct {
	n     int
	block bool
}

// run applies the batch.
func (c *completer) run() ([]*Job, error) {
	var err error
	if c.runs, err = loadRuns(c.tx, c.b.runIDs, c.d.lockRows()); err != nil {
		return nil, err
	}
	done, err := c.finishSteps()
	if err != nil {
		return nil, err
	}
	if err := c.insertAttempts(done); err != nil {
		return nil, err
	}
	deltas := map[depKey]*depDelta{}
	for _, f := range done {
		r := c.runs[f.run]
		if f.status == StatusQueued || f.status == StatusCancelled || r == nil || !r.active() {
			continue
		}
		a := c.aggOf(f.run)
		a.done++
		if f.cp.c.FailsRun {
			a.fail(f.cp.c.RunError, f.cp.order)
		}
		if err := addDeltas(deltas, f.run, f.dependents, f.cp.c.Blocks); err != nil {
			return nil, err
		}
	}
	for len(deltas) > 0 {
		if deltas, err = c.decrement(deltas); err != nil {
			return nil, err
		}
	}
	if err := c.settleRuns(); err != nil {
		return nil, err
	}
	if err := fillJobs(c.jobs, c.runs); err != nil {
		return nil, err
	}
	return c.jobs, nil
}

// aggOf returns the run's aggregate, creating it.
func (c *completer) aggOf(run string) *runAgg {
	a := c.agg[run]
	if a == nil {
		a = &runAgg{errOrder: -1}
		c.agg[run] = a
	}
	return a
}

// fail marks the run failed, keeping the error of the earliest completion.
func (a *runAgg) fail(msg string, order int) {
	a.failed = true
	if msg != "" && (a.errOrder < 0 || order < a.errOrder) {
		a.err, a.errOrder = msg, order
	}
}

// addDeltas adds one decrement (and the block flag) for every step in the
// JSON list deps.
func addDeltas(deltas map[depKey]*depDelta, run, deps string, block bool) error {
	if deps == "" || deps == "[]" {
		return nil
	}
	var ids []string
	if err := json.Unmarshal([]byte(deps), &ids); err != nil {
		return fmt.Errorf("decode dependents: %w", err)
	}
	for _, id := range ids {
		k := depKey{run, id}
		d := deltas[k]
		if d == nil {
			d = &depDelta{}
			deltas[k] = d
		}
		d.n++
		d.block = d.block || block
	}
	return nil
}

// finishSteps applies the completions whose step is still running under
// their owner and attempt, and returns those; the others are dropped. A
// retry of a cancelled run's step cancels it instead.
func (c *completer) finishSteps() ([]finishedStep, error) {
	if st := c.ps.on(c.tx, func(ps *sqliteStmts) *sql.Stmt { return ps.finishSteps }); st != nil {
		return c.finishStepsJSON(st)
	}
	var done []finishedStep
	byKey := make(map[depKey]*completionPlan, len(c.b.cs))
	err := chunks(c.b.cs, 500, func(part []completionPlan) error {
		q := newQuery(`WITH c (c_run, c_step, c_owner, c_attempt, c_status, c_output, c_error, c_run_at, c_finished) AS (VALUES `)
		q.cols(c.d, typText, typText, typText, typBigint, typText, typText, typText, typBigint, typBigint)
		for i := range part {
			cp := &part[i]
			byKey[depKey{cp.c.RunID, cp.c.StepID}] = cp
			q.row(cp.c.RunID, cp.c.StepID, cp.owner, cp.c.Attempt, c.statusOf(cp), cp.output,
				cp.c.Error, cp.runAt, cp.finished)
		}
		q.sql(`)` + sqlFinishStepsUpdate)
		return q.scanAll(c.tx, func(rows *sql.Rows) error {
			f, err := scanFinished(rows, byKey)
			done = append(done, f)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("finish steps: %w", err)
	}
	return done, nil
}

// finishStepsJSON is finishSteps on SQLite: the batch travels as one JSON
// argument of a statement prepared once (sqlFinishSteps), since SQLite
// compiles a VALUES list of hundreds of rows anew every time, at a cost
// that grows with the rows.
func (c *completer) finishStepsJSON(st *sql.Stmt) ([]finishedStep, error) {
	byKey := make(map[depKey]*completionPlan, len(c.b.cs))
	b := []byte{'['}
	for i := range c.b.cs {
		cp := &c.b.cs[i]
		byKey[depKey{cp.c.RunID, cp.c.StepID}] = cp
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for _, s := range []string{cp.c.RunID, cp.c.StepID, cp.owner} {
			b = append(appendJSONString(b, s), ',')
		}
		b = append(strconv.AppendInt(b, int64(cp.c.Attempt), 10), ',')
		b = append(appendJSONString(b, c.statusOf(cp)), ',')
		if out, ok := cp.output.(string); ok {
			b = appendJSONString(b, out)
		} else {
			b = append(b, "null"...)
		}
		b = append(appendJSONString(append(b, ','), cp.c.Error), ',')
		b = append(strconv.AppendInt(b, cp.runAt, 10), ',')
		b = append(strconv.AppendInt(b, cp.finished, 10), ']')
	}
	b = append(b, ']')
	rows, err := st.QueryContext(rowCtx(c.tx), string(b))
	if err != nil {
		return nil, fmt.Errorf("finish steps: %w", err)
	}
	var done []finishedStep
	for rows.Next() {
		f, err := scanFinished(rows, byKey)
		if err != nil {
			return nil, fmt.Errorf("finish steps: %w", closeRows(rows, err))
		}
		done = append(done, f)
	}
	if err := closeRows(rows, rows.Err()); err != nil {
		return nil, fmt.Errorf("finish steps: %w", err)
	}
	return done, nil
}

// sqlFinishStepsUpdate is finishSteps' statement after its c (the batch's
// rows), in both of its forms.
const sqlFinishStepsUpdate = `
UPDATE steps SET status = c_status,
	output = CASE WHEN c_status = 'queued' THEN COALESCE(c_output, output) ELSE c_output END,
	error = c_error,
	run_at = CASE WHEN c_status = 'queued' THEN c_run_at ELSE run_at END,
	finished_at = CASE WHEN c_status = 'queued' THEN NULL ELSE c_finished END,
	lease_owner = '', lease_until = NULL
FROM c WHERE steps.run_id = c_run AND steps.step_id = c_step AND steps.status = 'running'
	AND steps.lease_owner = c_owner AND steps.attempts = c_attempt
RETURNING run_id, step_id, status, dependents`

// statusOf is the status a completion gives its step: a retry of a
// cancelled run's step cancels it instead.
func (c *completer) statusOf(cp *completionPlan) string {
	if r := c.runs[cp.c.RunID]; cp.c.Status == StatusQueued && r != nil && r.status == StatusCancelled {
		return StatusCancelled
	}
	return cp.c.Status
}

// scanFinished reads one step that finishSteps changed.
func scanFinished(rows *sql.Rows, byKey map[depKey]*completionPlan) (finishedStep, error) {
	var f finishedStep
	err := rows.Scan(&f.run, &f.step, &f.status, &f.dependents)
	f.cp = byKey[depKey{f.run, f.step}]
	return f, err
}

// insertAttempts records the attempts of the applied completions.
func (c *completer) insertAttempts(done []finishedStep) error {
	var rows [][]any
	for _, f := range done {
		rows = append(rows, f.cp.attempts...)
	}
	st := c.ps.on(c.tx, func(ps *sqliteStmts) *sql.Stmt { return ps.insAttempt })
	err := chunks(rows, 500, func(part [][]any) error {
		if st != nil {
			for _, r := range part {
				if _, err := st.ExecContext(rowCtx(c.tx), r...); err != nil {
					return err
				}
			}
			return nil
		}
		q := newQuery(`INSERT INTO attempts (run_id, step_id, item, attempt, started_at, duration_ms, error, exchanges) VALUES `)
		for _, r := range part {
			q.row(r...)
		}
		return q.execErr(c.tx)
	})
	if err != nil {
		return fmt.Errorf("insert attempts: %w", err)
	}
	return nil
}
