package store

import (
	"database/sql"
	"fmt"
	"slices"
	"strconv"
)

// decrement applies one level of dependents' decrements. A dependent that
// reaches zero is skipped when blocked (its own dependents are returned as
// the next level, blocked too), else queued, or leased to the batch's owner
// and added to the jobs. Steps no longer waiting (a cancelled run's) are
// left alone.
func (c *completer) decrement(deltas map[depKey]*depDelta) (map[depKey]*depDelta, error) {
	keys := make([]depKey, 0, len(deltas))
	for k := range deltas {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b depKey) int { return cmpStrings(a.run, b.run, a.step, b.step) })
	next := map[depKey]*depDelta{}
	err := chunks(keys, 500, func(part []depKey) error {
		q := c.readyQuery(`WITH c (c_run, c_step, c_n, c_block) AS (VALUES `)
		q.cols(c.d, typText, typText, typBigint, typBigint)
		for _, k := range part {
			d := deltas[k]
			q.row(k.run, k.step, d.n, flag(d.block))
		}
		q.sql(`)
UPDATE steps SET waiting = waiting - c_n,
	blocked = CASE WHEN c_block = 1 THEN 1 ELSE blocked END,
	status = CASE WHEN waiting > c_n THEN status WHEN blocked = 1 OR c_block = 1 THEN 'skipped' ELSE $1 END,
	finished_at = CASE WHEN waiting <= c_n AND (blocked = 1 OR c_block = 1) THEN $2 ELSE finished_at END,
	run_at = CASE WHEN waiting <= c_n THEN $2 ELSE run_at END`)
		if c.b.owner != "" {
			const ready = `WHEN waiting <= c_n AND blocked = 0 AND c_block = 0 THEN `
			q.sql(`,
	attempts = CASE ` + ready + `attempts + 1 ELSE attempts END,
	lease_owner = CASE ` + ready + `$3 ELSE lease_owner END,
	lease_until = CASE ` + ready + `$4 ELSE lease_until END,
	started_at = CASE ` + ready + `$2 ELSE started_at END`)
		}
		q.sql(`
FROM c WHERE steps.run_id = c_run AND steps.step_id = c_step AND steps.status = 'waiting'
RETURNING run_id, step_id, phase, status, attempts, dependents`)
		return q.scanAll(c.tx, func(rows *sql.Rows) error {
			return c.readyRow(rows, next)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("update dependents: %w", err)
	}
	return next, nil
}

// readyQuery starts a statement that makes steps ready: $1 is the status
// they get, $2 now, and with an owner $3 the owner and $4 the lease end.
func (c *completer) readyQuery(text string) *query {
	if c.b.owner == "" {
		return newQuery(text, StatusQueued, c.b.now)
	}
	return newQuery(text, StatusRunning, c.b.now, c.b.owner, c.b.until)
}

// readyRow handles one step returned by a statement that made steps ready
// or skipped them: a skipped step counts as done and blocks its
// dependents (added to next); a leased one becomes a job.
func (c *completer) readyRow(rows *sql.Rows, next map[depKey]*depDelta) error {
	var run, step, status, deps string
	var phase, attempts int
	if err := rows.Scan(&run, &step, &phase, &status, &attempts, &deps); err != nil {
		return err
	}
	switch status {
	case StatusSkipped:
		c.aggOf(run).done++
		return addDeltas(next, run, deps, true)
	case StatusRunning:
		c.jobs = append(c.jobs, &Job{RunID: run, StepID: step, Phase: phase, Attempt: attempts, Owner: c.b.owner})
	}
	return nil
}

// settleRuns subtracts what the batch finished from each run's pending
// count and moves the runs that reach zero on: to phase 1 when phase 0
// failed and there are on_error steps, else to their end.
func (c *completer) settleRuns() error {
	if len(c.agg) == 0 {
		return nil
	}
	ids := make([]string, 0, len(c.agg))
	for id := range c.agg {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var s settledRuns
	var err error
	if st := c.ps.on(c.tx, func(ps *sqliteStmts) *sql.Stmt { return ps.settleRuns }); st != nil {
		err = c.settleRunsJSON(st, ids, &s)
	} else {
		err = chunks(ids, 500, func(part []string) error {
			q := newQuery(`WITH c (c_id, c_n, c_failed, c_error) AS (VALUES `)
			q.cols(c.d, typText, typBigint, typBigint, typText)
			for _, id := range part {
				a := c.agg[id]
				q.row(id, a.done, flag(a.failed), a.err)
			}
			return q.sql(`)`+sqlSettleRunsUpdate).scanAll(c.tx, s.add)
		})
	}
	if err != nil {
		return fmt.Errorf("update runs: %w", err)
	}
	if err := c.startPhase1(s.toPhase1); err != nil {
		return err
	}
	return c.finishRuns(s.toFinish, s.skipOnError)
}

// sqlSettleRunsUpdate is settleRuns' statement after its c (the batch's
// runs), in both of its forms.
const sqlSettleRunsUpdate = `
UPDATE runs SET pending = pending - c_n,
	failed = CASE WHEN c_failed = 1 THEN 1 ELSE failed END,
	error = CASE WHEN error = '' AND c_failed = 1 THEN c_error ELSE error END
FROM c WHERE runs.id = c_id AND runs.status IN ('queued', 'running')
RETURNING id, pending, failed, phase, on_error`

// settleRunsJSON is settleRuns on SQLite: the batch's runs travel as one
// JSON argument of a statement prepared once (see finishStepsJSON).
func (c *completer) settleRunsJSON(st *sql.Stmt, ids []string, s *settledRuns) error {
	b := []byte{'['}
	for i, id := range ids {
		a := c.agg[id]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendJSONString(append(b, '['), id), ',')
		b = append(strconv.AppendInt(b, int64(a.done), 10), ',')
		b = append(strconv.AppendInt(b, int64(flag(a.failed)), 10), ',')
		b = append(appendJSONString(b, a.err), ']')
	}
	rows, err := st.QueryContext(rowCtx(c.tx), string(append(b, ']')))
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := s.add(rows); err != nil {
			return closeRows(rows, err)
		}
	}
	return closeRows(rows, rows.Err())
}

// settledRuns sorts the runs settleRuns changed by what comes next.
type settledRuns struct {
	toPhase1, toFinish, skipOnError []string
}

// add reads one changed run: still pending, on to its on_error steps, or
// finished (with its on_error steps skipped when it has some).
func (s *settledRuns) add(rows *sql.Rows) error {
	var id string
	var pending, failed, phase, onError int
	if err := rows.Scan(&id, &pending, &failed, &phase, &onError); err != nil {
		return err
	}
	switch {
	case pending > 0:
	case phase == 0 && failed == 1 && onError > 0:
		s.toPhase1 = append(s.toPhase1, id)
	default:
		s.toFinish = append(s.toFinish, id)
		if phase == 0 && onError > 0 {
			s.skipOnError = append(s.skipOnError, id)
		}
	}
	return nil
}

// startPhase1 moves runs to their on_error steps and makes the roots of
// those ready.
func (c *completer) startPhase1(ids []string) error {
	return chunks(ids, 500, func(part []string) error {
		q := newQuery(`UPDATE runs SET phase = 1, pending = on_error WHERE id IN `).list(part)
		if err := q.execErr(c.tx); err != nil {
			return fmt.Errorf("start on_error: %w", err)
		}
		q = c.readyQuery(`UPDATE steps SET status = $1, run_at = $2`)
		if c.b.owner != "" {
			q.sql(`, attempts = attempts + 1, lease_owner = $3, lease_until = $4, started_at = $2`)
		}
		q.sql(` WHERE phase = 1 AND status = 'waiting' AND waiting = 0 AND run_id IN `).list(part)
		q.sql(` RETURNING run_id, step_id, phase, status, attempts, dependents`)
		err := q.scanAll(c.tx, func(rows *sql.Rows) error { return c.readyRow(rows, nil) })
		if err != nil {
			return fmt.Errorf("queue on_error steps: %w", err)
		}
		return nil
	})
}

// finishRuns ends runs whose last step finished, failed or succeeded, and
// skips the on_error steps of those in skipOnError.
func (c *completer) finishRuns(ids, skipOnError []string) error {
	err := chunks(ids, 500, func(part []string) error {
		return newQuery(`UPDATE runs SET status = CASE WHEN failed = 1 THEN 'failed' ELSE 'succeeded' END,
	finished_at = $1 WHERE id IN `, c.b.now).list(part).execErr(c.tx)
	})
	if err != nil {
		return fmt.Errorf("finish runs: %w", err)
	}
	err = chunks(skipOnError, 500, func(part []string) error {
		return newQuery(`UPDATE steps SET status = 'skipped', finished_at = $1
WHERE phase = 1 AND status = 'waiting' AND run_id IN `, c.b.now).list(part).execErr(c.tx)
	})
	if err != nil {
		return fmt.Errorf("skip on_error steps: %w", err)
	}
	return nil
}
