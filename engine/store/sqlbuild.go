package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// query builds one SQL statement with numbered placeholders ($1, $2, …;
// see text for SQLite's) and runs it on a gorm transaction's connection.
type query struct {
	b    strings.Builder
	args []any
	// types are the SQL types of the VALUES columns (see cols); rows counts
	// the rows written by row, to cast only the first.
	types []string
	rows  int
	// num is scratch space for formatting placeholder numbers.
	num [20]byte
}

// newQuery starts a statement whose text may refer to args as $1…$n.
func newQuery(text string, args ...any) *query {
	q := &query{args: args}
	q.b.Grow(256)
	q.b.WriteString(text)
	return q
}

// sql appends text.
func (q *query) sql(text string) *query {
	q.b.WriteString(text)
	return q
}

// arg appends a placeholder for v.
func (q *query) arg(v any) *query {
	q.args = append(q.args, v)
	q.b.WriteByte('$')
	q.b.Write(strconv.AppendInt(q.num[:0], int64(len(q.args)), 10))
	return q
}

// list appends "($n, $n+1, …)" for an IN list; vs must not be empty.
func (q *query) list(vs []string) *query {
	q.b.WriteByte('(')
	for i, v := range vs {
		if i > 0 {
			q.b.WriteByte(',')
		}
		q.arg(v)
	}
	q.b.WriteByte(')')
	return q
}

// cols names the SQL types of the columns of the VALUES rows that follow,
// for a dialect that needs them cast (PostgreSQL cannot infer the type of
// a parameter inside VALUES). SQLite gets no casts: a CAST in the first
// row makes its UPDATE … FROM take time linear in the table's size.
func (q *query) cols(d dialect, types ...string) *query {
	q.types = nil
	if d.castValues() {
		q.types = types
	}
	q.rows = 0
	return q
}

// row appends one parenthesised VALUES row, with a comma before all but
// the first. Only the first row is cast to the types given to cols:
// PostgreSQL resolves the types of the following rows from it.
func (q *query) row(vs ...any) *query {
	if q.rows > 0 {
		q.b.WriteByte(',')
	}
	q.b.WriteByte('(')
	for i, v := range vs {
		if i > 0 {
			q.b.WriteByte(',')
		}
		if q.rows == 0 && q.types != nil {
			q.b.WriteString("CAST(")
			q.arg(v)
			q.b.WriteString(" AS ")
			q.b.WriteString(q.types[i])
			q.b.WriteByte(')')
		} else {
			q.arg(v)
		}
	}
	q.b.WriteByte(')')
	q.rows++
	return q
}

// exec runs the statement and returns the number of rows it changed.
func (q *query) exec(tx *gorm.DB) (int64, error) {
	text, args := q.build(tx)
	res, err := tx.Statement.ConnPool.ExecContext(stmtCtx(tx), text, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// execErr runs the statement for its error alone.
func (q *query) execErr(tx *gorm.DB) error {
	_, err := q.exec(tx)
	return err
}

// query runs the statement and returns its rows.
func (q *query) query(tx *gorm.DB) (*sql.Rows, error) {
	text, args := q.build(tx)
	return tx.Statement.ConnPool.QueryContext(stmtCtx(tx), text, args...)
}

// stmtCtx is the context for a statement of tx: on SQLite, rowCtx (no
// goroutine per statement and per row read); elsewhere tx's own.
func stmtCtx(tx *gorm.DB) context.Context {
	if tx.Dialector.Name() == "sqlite" {
		return rowCtx(tx)
	}
	return tx.Statement.Context
}

// build returns the statement and its arguments for tx's database.
// Statements go straight to the connection (or transaction) gorm holds,
// past gorm's own SQL rewriting, which would rescan the thousands of
// placeholders of a batch on every call.
//
// SQLite prepares "$N" and "?N" placeholders in time quadratic in their
// number (hundreds of milliseconds for a batch), but plain "?" in linear
// time; so for SQLite every "$N" becomes "?" and the arguments are laid out
// in the order the placeholders appear, repeated where a placeholder is.
// Statements built here hold no "$" anywhere else: values always travel as
// arguments.
func (q *query) build(tx *gorm.DB) (string, []any) {
	text := q.b.String()
	if tx.Dialector.Name() != "sqlite" {
		return text, q.args
	}
	var b strings.Builder
	b.Grow(len(text))
	args := make([]any, 0, len(q.args))
	for {
		i := strings.IndexByte(text, '$')
		if i < 0 {
			b.WriteString(text)
			return b.String(), args
		}
		b.WriteString(text[:i])
		b.WriteByte('?')
		n, j := 0, i+1
		for ; j < len(text) && text[j] >= '0' && text[j] <= '9'; j++ {
			n = n*10 + int(text[j]-'0')
		}
		args = append(args, q.args[n-1])
		text = text[j:]
	}
}

// scanAll runs the statement and calls scan for every row.
func (q *query) scanAll(tx *gorm.DB, scan func(*sql.Rows) error) error {
	rows, err := q.query(tx)
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("scan row: %w", closeRows(rows, err))
		}
	}
	return closeRows(rows, rows.Err())
}

// closeRows closes rows and joins its error with err.
func closeRows(rows *sql.Rows, err error) error {
	if cerr := rows.Close(); cerr != nil && err == nil {
		return cerr
	}
	return err
}

// chunks calls fn for consecutive slices of at most n elements of xs.
func chunks[T any](xs []T, n int, fn func([]T) error) error {
	for len(xs) > 0 {
		k := min(n, len(xs))
		if err := fn(xs[:k]); err != nil {
			return err
		}
		xs = xs[k:]
	}
	return nil
}

// Column types for the casts in the first VALUES row.
const (
	typText   = "TEXT"
	typBigint = "BIGINT"
)
