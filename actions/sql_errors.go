package actions

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/hookflow/hookflow/engine"
)

// sqlErrClass says what retrying a failed statement can do.
type sqlErrClass int

const (
	// sqlRetry: connection trouble, timeouts, a server shutting down or out
	// of resources; the step's retry policy tries again later.
	sqlRetry sqlErrClass = iota
	// sqlConflict: a deadlock, serialization failure or busy SQLite file;
	// the statement was rolled back and is tried again at once, a few times.
	sqlConflict
	// sqlUndefined: an unknown table or column; permanent, and the cached
	// catalogue of the table is forgotten.
	sqlUndefined
	// sqlPermanent: constraint violations, syntax and type errors, missing
	// permissions, bad credentials; retrying cannot help.
	sqlPermanent
)

// sqlError is a driver error reworded for the run record: the operation,
// the connection with its password as ***, and the driver's message with
// any secret of the connection scrubbed. The driver's error stays
// reachable with errors.As.
type sqlError struct {
	msg string
	err error
}

func (e *sqlError) Error() string { return e.msg }
func (e *sqlError) Unwrap() error { return e.err }

// wrapSQLError rewords err from op on t and marks it permanent when its
// class says retrying cannot help. When the step's context has ended, the
// result also wraps ctx.Err(), so errors.Is(err, context.Canceled) or
// context.DeadlineExceeded holds whatever the driver returned.
func wrapSQLError(ctx context.Context, op string, t *sqlTarget, class sqlErrClass, err error) error {
	cause := strings.NewReplacer(":\n\t", ": ", "\n\t", "; ", "\n", " ").Replace(t.scrub(err.Error()))
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = errors.Join(err, ctxErr)
	}
	if errors.Is(err, context.DeadlineExceeded) && !strings.Contains(cause, "timed out") {
		cause = "timed out (" + cause + ")"
	}
	out := &sqlError{msg: "sql " + op + " on " + t.shown + ": " + cause, err: err}
	if class == sqlPermanent || class == sqlUndefined {
		return engine.Permanent(out)
	}
	return out
}

// classifySQL classifies err: a destination refused by the dialer's guard
// is permanent, the step's context ending is retryable, and anything else
// is read by the dialect (its error codes, then what the standard library
// and the network say).
func classifySQL(ctx context.Context, d sqlDialect, err error) sqlErrClass {
	switch {
	case errors.Is(err, engine.ErrDestinationRefused):
		return sqlPermanent
	case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return sqlRetry
	}
	return d.classify(err)
}

// genericSQLClass classifies errors that carry no database error code.
func genericSQLClass(err error) sqlErrClass {
	var ne net.Error
	switch {
	case errors.As(err, &ne), errors.Is(err, driver.ErrBadConn), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errSQLClosed):
		return sqlRetry
	}
	msg := err.Error()
	for _, s := range []string{"arguments, got", "converting argument", "failed to encode", "unable to encode", "cannot encode", "not enough args"} {
		if strings.Contains(msg, s) {
			return sqlPermanent
		}
	}
	return sqlRetry
}

// classify reads SQLite's result codes.
func (sqliteDialect) classify(err error) sqlErrClass {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return genericSQLClass(err)
	}
	switch se.Code {
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return sqlConflict
	case sqlite3.ErrError:
		msg := se.Error()
		if strings.Contains(msg, "no such table") || strings.Contains(msg, "no such column") || strings.Contains(msg, "has no column named") {
			return sqlUndefined
		}
		return sqlPermanent
	case sqlite3.ErrConstraint, sqlite3.ErrMismatch, sqlite3.ErrRange, sqlite3.ErrMisuse, sqlite3.ErrAuth,
		sqlite3.ErrPerm, sqlite3.ErrReadonly, sqlite3.ErrTooBig, sqlite3.ErrNotADB, sqlite3.ErrFormat, sqlite3.ErrCorrupt:
		return sqlPermanent
	}
	return sqlRetry
}

// classify reads PostgreSQL's SQLSTATE: connection exceptions (08),
// insufficient resources (53), operator intervention (57), system errors
// (58, XX) and transaction rollbacks (40) retry; everything else, such as
// integrity violations (23), syntax and access rules (42), data exceptions
// (22), bad credentials (28) and unknown databases (3D), is permanent.
func (postgresDialect) classify(err error) sqlErrClass {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01":
			return sqlConflict
		case "42P01", "42703", "3F000":
			return sqlUndefined
		}
		switch pe.Code[:2] {
		case "08", "40", "53", "57", "58", "XX":
			return sqlRetry
		}
		return sqlPermanent
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || pgconn.Timeout(err) {
		return sqlRetry
	}
	return genericSQLClass(err)
}

// mysqlRetry lists the MySQL and MariaDB error numbers worth retrying:
// too many connections, shutdown, lock wait timeout, read-only during a
// failover, interrupted or killed queries, network read and write errors.
var mysqlRetry = map[uint16]bool{
	1040: true, 1053: true, 1152: true, 1158: true, 1159: true, 1160: true, 1161: true, 1184: true,
	1203: true, 1205: true, 1290: true, 1317: true, 1836: true, 1927: true, 3024: true,
}

// classify reads MySQL's error numbers: deadlocks (1213) retry at once,
// unknown tables (1146) and columns (1054) are permanent, the numbers in
// mysqlRetry retry, and every other server error is permanent.
func (mysqlDialect) classify(err error) sqlErrClass {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch {
		case me.Number == 1213:
			return sqlConflict
		case me.Number == 1146 || me.Number == 1054:
			return sqlUndefined
		case mysqlRetry[me.Number]:
			return sqlRetry
		}
		return sqlPermanent
	}
	if errors.Is(err, mysql.ErrInvalidConn) {
		return sqlRetry
	}
	return genericSQLClass(err)
}
