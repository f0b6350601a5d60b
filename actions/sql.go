package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hookflow/hookflow/engine"
)

const (
	// SQLMaxRows is the most rows a query may return; more fail the step
	// (add a LIMIT).
	SQLMaxRows = 10_000
	// sqlConflictTries is how often a statement that hit a deadlock,
	// serialization failure or busy SQLite file is tried within one attempt.
	sqlConflictTries = 4
)

// SQLParams are the parameters of the sql action. Exactly one of upsert,
// exec and query is set.
type SQLParams struct {
	Connection string     `json:"connection" required:"true" secret:"true" doc:"A name from the connections of hookflow.yaml, or a DSN: sqlite:///abs/path.db, sqlite://relative.db, postgres://user:pass@host:5432/db?search_path=app or mysql://user:pass@host:3306/db."`
	Upsert     *SQLUpsert `json:"upsert" doc:"Inserts a row, or updates the row that has the same key, in the database's own way."`
	Exec       string     `json:"exec" doc:"A statement to execute, with a ? for each of args (on PostgreSQL, ?? stands for a literal ?); its output is the number of affected rows."`
	Query      string     `json:"query" doc:"A query to run, with a ? for each of args (on PostgreSQL, ?? stands for a literal ?); its output is the rows."`
	Args       []any      `json:"args" doc:"The values bound to the placeholders of exec or query, in order; maps and lists are bound as JSON text."`
}

// SQLUpsert is the upsert of the sql action: one row of table, identified
// by the key columns.
type SQLUpsert struct {
	Table  string         `json:"table" required:"true" doc:"The table, which must exist in the database's catalogue."`
	Key    []string       `json:"key" required:"true" doc:"The columns that identify the row (its primary key or a unique index); each must be among values."`
	Values map[string]any `json:"values" required:"true" doc:"The row's values by column name; maps and lists are stored as JSON text."`
}

// SQL returns the sql action: an upsert, a statement or a query against
// SQLite, PostgreSQL or MySQL/MariaDB, with every value bound and every
// table and column name of an upsert checked against the database's own
// catalogue and quoted.
//
// The connection is a name from deps.Connections or a DSN: sqlite:///abs
// or sqlite://relative (to the working directory) with go-sqlite3 query
// options, postgres:// or postgresql:// in pgx's URL form (search_path and
// other runtime parameters allowed), or mysql://user:pass@host:port/db with
// go-sql-driver/mysql query options. Connections are pooled per DSN
// (SQLMaxOpenConns each, about SQLMaxPools in all), opened on first use
// and shared by every step; PostgreSQL and MySQL connect through deps.Dial,
// so the SSRF guard applies to them. The returned Action is an io.Closer:
// the server closes it at shutdown, which closes every pool.
func SQL(deps Deps) engine.Definition {
	deps = deps.withDefaults()
	return engine.Definition{
		Name:    "sql",
		Summary: "Upserts a row, executes a statement or runs a query on SQLite, PostgreSQL or MySQL, with every value bound.",
		Output:  "rows (a query's rows, each a map by column name) and affected (the rows an upsert or statement changed).",
		Params:  SQLParams{},
		Action: &sqlAction{
			connections: deps.Connections,
			pools:       &sqlPools{dial: deps.Dial, log: deps.Logger, now: deps.Now, pools: map[string]*sqlPool{}},
		},
	}
}

// sqlAction performs the sql action.
type sqlAction struct {
	connections map[string]string
	pools       *sqlPools
}

var (
	_ engine.Action = (*sqlAction)(nil)
	_ io.Closer     = (*sqlAction)(nil)
)

// Close closes every connection pool. Steps that run afterwards fail with
// a retryable error.
func (a *sqlAction) Close() error { return a.pools.Close() }

// sqlStatement is one statement ready to run.
type sqlStatement struct {
	op    string // upsert, exec or query
	text  string
	args  []any
	table string // the upsert's table as the workflow named it
}

// Run checks the parameters, resolves the connection, builds the
// statement (for an upsert, from the catalogue) and runs it once. In a dry
// run nothing is opened or executed: the statement is recorded with names
// quoted as given.
func (a *sqlAction) Run(ctx context.Context, step *engine.Step) (any, error) {
	p, err := paramsOf[SQLParams]("sql", step)
	if err != nil {
		return nil, err
	}
	op, err := p.operation()
	if err != nil {
		return nil, engine.Permanent(err)
	}
	dsn, err := resolveConnection(p.Connection, a.connections)
	if err != nil {
		return nil, engine.Permanent(fmt.Errorf("sql %s: %w", op, err))
	}
	t, err := parseSQLTarget(dsn)
	if err != nil {
		return nil, engine.Permanent(fmt.Errorf("sql %s: %w", op, err))
	}
	if step.DryRun {
		st, err := dryStatement(t.dialect, op, p)
		if err != nil {
			return nil, err
		}
		step.Observe(st.record(t), nil)
		return map[string]any{"rows": []map[string]any{}, "affected": 0, "dry_run": true}, nil
	}
	pool, release, err := a.pools.acquire(t)
	if err != nil {
		if errors.Is(err, errSQLClosed) {
			return nil, fmt.Errorf("sql %s: %w", op, err)
		}
		return nil, engine.Permanent(fmt.Errorf("sql %s: %w", op, err))
	}
	defer release()
	st, err := a.statement(ctx, pool, op, p)
	if err != nil {
		return nil, err
	}
	rec := st.record(t)
	out, err := a.execute(ctx, pool, st)
	if err != nil {
		step.Observe(rec, nil)
		return nil, err
	}
	step.Observe(rec, &engine.ResponseRecord{Body: outcomeText(out)})
	return out, nil
}

// operation says which of upsert, exec and query the step asks for.
func (p *SQLParams) operation() (string, error) {
	var ops []string
	if p.Upsert != nil {
		ops = append(ops, "upsert")
	}
	if strings.TrimSpace(p.Exec) != "" {
		ops = append(ops, "exec")
	}
	if strings.TrimSpace(p.Query) != "" {
		ops = append(ops, "query")
	}
	switch {
	case len(ops) > 1:
		return "", fmt.Errorf("sql: set exactly one of upsert, exec and query, not %s", strings.Join(ops, " and "))
	case len(ops) == 0:
		return "", errors.New("sql: set one of upsert, exec and query")
	case ops[0] == "upsert" && len(p.Args) > 0:
		return "", errors.New("sql upsert: args are for exec and query; an upsert takes its values from values")
	}
	return ops[0], nil
}

// statement builds the statement to run on pool.
func (a *sqlAction) statement(ctx context.Context, pool *sqlPool, op string, p *SQLParams) (*sqlStatement, error) {
	d := pool.target.dialect
	if op != "upsert" {
		return plainStatement(d, op, p)
	}
	cols, keys, err := upsertColumns(p.Upsert)
	if err != nil {
		return nil, err
	}
	table, names, err := resolveUpsert(ctx, pool, p.Upsert.Table, cols)
	if err != nil {
		return nil, err
	}
	keyNames := make([]string, len(keys))
	for i, k := range keys {
		keyNames[i] = names[slices.Index(cols, k)]
	}
	if !table.isUniqueKey(keyNames) {
		return nil, engine.Permanent(fmt.Errorf("sql upsert: key (%s) is not the primary key or a unique index of table %q",
			strings.Join(keyNames, ", "), table.name))
	}
	args, err := bindValues(cols, p.Upsert.Values)
	if err != nil {
		return nil, err
	}
	text := buildUpsert(d, table.quoted, names, keyNames)
	return &sqlStatement{op: "upsert", text: text, args: args, table: p.Upsert.Table}, nil
}

// resolveUpsert finds the table and the catalogue's names of cols. When
// the cached table lacks a column, the catalogue is read once more before
// the column is refused, so a column added a moment ago is found.
func resolveUpsert(ctx context.Context, pool *sqlPool, tableName string, cols []string) (*sqlTable, []string, error) {
	d := pool.target.dialect
	for fresh := false; ; fresh = true {
		table, cached, err := pool.catalog.table(ctx, pool.db, d, tableName)
		if err != nil {
			return nil, nil, wrapSQLError(ctx, "upsert", pool.target, classifySQL(ctx, d, err), err)
		}
		if table == nil {
			return nil, nil, engine.Permanent(fmt.Errorf("sql upsert: table %q does not exist", tableName))
		}
		names := make([]string, len(cols))
		missing := ""
		for i, c := range cols {
			name, ok := table.column(c)
			if !ok {
				missing = c
				break
			}
			if slices.Contains(names[:i], name) {
				return nil, nil, engine.Permanent(fmt.Errorf("sql upsert: column %q is given twice in values", name))
			}
			names[i] = name
		}
		if missing == "" {
			return table, names, nil
		}
		if !cached || fresh {
			return nil, nil, engine.Permanent(fmt.Errorf("sql upsert: column %q does not exist in table %q", missing, table.name))
		}
		pool.catalog.forget(tableName)
	}
}

// dryStatement builds the statement without a connection: upsert names
// are quoted as given, since the catalogue is not read.
func dryStatement(d sqlDialect, op string, p *SQLParams) (*sqlStatement, error) {
	if op != "upsert" {
		return plainStatement(d, op, p)
	}
	cols, keys, err := upsertColumns(p.Upsert)
	if err != nil {
		return nil, err
	}
	args, err := bindValues(cols, p.Upsert.Values)
	if err != nil {
		return nil, err
	}
	text := buildUpsert(d, d.quote(p.Upsert.Table), cols, keys)
	return &sqlStatement{op: "upsert", text: text, args: args, table: p.Upsert.Table}, nil
}

// plainStatement prepares exec or query: placeholders rebound for the
// dialect and args normalised for binding.
func plainStatement(d sqlDialect, op string, p *SQLParams) (*sqlStatement, error) {
	text := p.Exec
	if op == "query" {
		text = p.Query
	}
	text, n := d.rebind(text)
	if n >= 0 && n != len(p.Args) {
		return nil, engine.Permanent(fmt.Errorf("sql %s: the statement has %d placeholders but %d args are given", op, n, len(p.Args)))
	}
	args := make([]any, len(p.Args))
	for i, v := range p.Args {
		b, err := bindValue(v)
		if err != nil {
			return nil, engine.Permanent(fmt.Errorf("sql %s: args[%d]: %w", op, i, err))
		}
		args[i] = b
	}
	return &sqlStatement{op: op, text: text, args: args}, nil
}

// upsertColumns checks an upsert and returns its columns, sorted so that
// the same row shape always makes the same statement, and its key.
func upsertColumns(u *SQLUpsert) (cols, keys []string, err error) {
	switch {
	case strings.TrimSpace(u.Table) == "":
		return nil, nil, engine.Permanent(errors.New("sql upsert: table is empty"))
	case len(u.Key) == 0:
		return nil, nil, engine.Permanent(errors.New("sql upsert: key names no column"))
	case len(u.Values) == 0:
		return nil, nil, engine.Permanent(errors.New("sql upsert: values is empty"))
	}
	for _, k := range u.Key {
		if _, ok := u.Values[k]; !ok {
			return nil, nil, engine.Permanent(fmt.Errorf("sql upsert: key column %q is not among the values", k))
		}
	}
	if dup := firstDuplicate(u.Key); dup != "" {
		return nil, nil, engine.Permanent(fmt.Errorf("sql upsert: key column %q is given twice", dup))
	}
	cols = make([]string, 0, len(u.Values))
	for c := range u.Values {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	return cols, u.Key, nil
}

func firstDuplicate(list []string) string {
	for i, s := range list {
		if slices.Contains(list[:i], s) {
			return s
		}
	}
	return ""
}

// bindValues returns the values of cols in order, normalised for binding.
func bindValues(cols []string, values map[string]any) ([]any, error) {
	args := make([]any, len(cols))
	for i, c := range cols {
		b, err := bindValue(values[c])
		if err != nil {
			return nil, engine.Permanent(fmt.Errorf("sql upsert: value of %q: %w", c, err))
		}
		args[i] = b
	}
	return args, nil
}

// bindValue turns an evaluated value into one every driver binds: a whole
// number that JSON decoding made a float64 becomes an int64, and maps and
// lists become JSON text.
func bindValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64, []byte, time.Time:
		return x, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
		return x, nil
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		return x.Float64()
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float32:
		return bindValue(float64(x))
	}
	b, err := marshalJSON(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// record describes the statement for the run record: the connection with
// its password as ***, the statement and its args.
func (st *sqlStatement) record(t *sqlTarget) *engine.RequestRecord {
	body, err := marshalJSON(map[string]any{"statement": st.text, "args": st.args})
	if err != nil {
		body = []byte(st.text)
	}
	return &engine.RequestRecord{Method: "SQL", URL: t.shown, Body: capText(body, MaxRecordedBody)}
}

// outcomeText summarises an output for the run record.
func outcomeText(out map[string]any) string {
	rows, _ := out["rows"].([]map[string]any)
	return fmt.Sprintf(`{"row_count":%d,"affected":%v}`, len(rows), out["affected"])
}
