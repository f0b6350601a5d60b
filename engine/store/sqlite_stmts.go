package store

import (
	"context"
	"database/sql"
	"errors"

	"gorm.io/gorm"
)

// sqliteStmts are the single-row INSERTs of the SQLite hot paths,
// prepared once on the writer pool (one connection) and bound to each
// write transaction with Tx.StmtContext, which reuses the statement
// already prepared on that connection instead of parsing it again. Running
// one short statement per row costs less than parsing a multi-row VALUES
// statement whose text changes with the batch size.
type sqliteStmts struct {
	insEvent, insRun, insStep, insAttempt *sql.Stmt
	// finishSteps and settleRuns take a whole JobComplete batch as one
	// JSON argument.
	finishSteps, settleRuns *sql.Stmt
}

// Only the INSERTs are single-row: an UPDATE that must report what it
// changed (finishing steps, decrementing dependents) needs RETURNING, which
// costs SQLite an ephemeral table per execution, or a read-back per row;
// both measured slower than the multi-row UPDATE … FROM it replaces.
const (
	sqlInsEvent = `INSERT INTO events (id, type, method, path, headers, query, body, raw, received_at, dedupe_key, body_in_raw)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING`
	sqlInsRun = `INSERT INTO runs (id, event_id, workflow, version, status, pending, on_error, replay_of, error, failed, created_at, started_at, finished_at, steps)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT DO NOTHING`
	sqlInsStep = `INSERT INTO steps (run_id, step_id, seq, phase, status, waiting, dependents, attempts, run_at, lease_owner, lease_until, started_at, finished_at, output)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)`
	sqlInsAttempt = `INSERT INTO attempts (run_id, step_id, item, attempt, started_at, duration_ms, error, exchanges)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`
	// sqlFinishSteps is completer.finishSteps with the batch as a JSON
	// array of [run, step, owner, attempt, status, output, error, run_at,
	// finished] rows.
	sqlFinishSteps = `WITH c AS (SELECT value ->> 0 AS c_run, value ->> 1 AS c_step, value ->> 2 AS c_owner,
	value ->> 3 AS c_attempt, value ->> 4 AS c_status, value ->> 5 AS c_output, value ->> 6 AS c_error,
	value ->> 7 AS c_run_at, value ->> 8 AS c_finished FROM json_each(?1))` + sqlFinishStepsUpdate
	// sqlSettleRuns is completer.settleRuns with the runs as a JSON array
	// of [id, done, failed, error] rows.
	sqlSettleRuns = `WITH c AS (SELECT value ->> 0 AS c_id, value ->> 1 AS c_n, value ->> 2 AS c_failed,
	value ->> 3 AS c_error FROM json_each(?1))` + sqlSettleRunsUpdate
)

// prepareSQLiteStmts prepares the statements on db, which must have no
// transaction open (its one connection would be busy).
func prepareSQLiteStmts(ctx context.Context, db *sql.DB) (*sqliteStmts, error) {
	ps := &sqliteStmts{}
	var errs []error
	prep := func(dst **sql.Stmt, text string) {
		st, err := db.PrepareContext(ctx, text)
		if err != nil {
			errs = append(errs, err)
			return
		}
		*dst = st
	}
	prep(&ps.insEvent, sqlInsEvent)
	prep(&ps.insRun, sqlInsRun)
	prep(&ps.insStep, sqlInsStep)
	prep(&ps.insAttempt, sqlInsAttempt)
	prep(&ps.finishSteps, sqlFinishSteps)
	prep(&ps.settleRuns, sqlSettleRuns)
	if err := errors.Join(errs...); err != nil {
		return nil, errors.Join(err, ps.close())
	}
	return ps, nil
}

// close releases the statements.
func (ps *sqliteStmts) close() error {
	if ps == nil {
		return nil
	}
	var errs []error
	for _, st := range []*sql.Stmt{ps.insEvent, ps.insRun, ps.insStep, ps.insAttempt, ps.finishSteps, ps.settleRuns} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// on returns st bound to tx's transaction, or nil when there are no
// prepared statements (PostgreSQL) or tx holds no *sql.Tx: the caller then
// takes the multi-row path. The bound statement is closed with the
// transaction.
func (ps *sqliteStmts) on(tx *gorm.DB, pick func(*sqliteStmts) *sql.Stmt) *sql.Stmt {
	if ps == nil {
		return nil
	}
	t, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil
	}
	return t.StmtContext(tx.Statement.Context, pick(ps))
}

// rowCtx is the context for SQLite statements of tx: tx's without its
// cancellation, because mattn/go-sqlite3 starts a goroutine per statement,
// and per row read, (to interrupt it) when the context can be cancelled,
// which costs more than a short statement. Cancelling still ends the
// transaction (database/sql rolls it back), so the next statement fails.
func rowCtx(tx *gorm.DB) context.Context {
	return context.WithoutCancel(tx.Statement.Context)
}
