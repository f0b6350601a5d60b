package actions

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// execute runs st on pool, again at once (up to sqlConflictTries times,
// with a short jittered pause) when the database rolled it back for a
// deadlock, serialization failure or busy file, and classifies the final
// error. An unknown-table or unknown-column error forgets the upsert's
// table from the catalogue cache.
func (a *sqlAction) execute(ctx context.Context, pool *sqlPool, st *sqlStatement) (map[string]any, error) {
	d := pool.target.dialect
	for try := 1; ; try++ {
		out, err := runStatement(ctx, pool.db, d, st)
		if err == nil {
			return out, nil
		}
		class := classifySQL(ctx, d, err)
		if class == sqlConflict && try < sqlConflictTries {
			pause := time.Duration(try) * (5*time.Millisecond + rand.N(10*time.Millisecond))
			select {
			case <-ctx.Done():
			case <-time.After(pause):
				continue
			}
		}
		if class == sqlUndefined && st.table != "" {
			pool.catalog.forget(st.table)
		}
		return nil, wrapSQLError(ctx, st.op, pool.target, class, err)
	}
}

// runStatement runs st once.
func runStatement(ctx context.Context, db *sql.DB, d sqlDialect, st *sqlStatement) (map[string]any, error) {
	if st.op == "query" {
		rows, err := db.QueryContext(ctx, st.text, st.args...)
		if err != nil {
			return nil, err
		}
		out, err := scanRows(rows)
		if err != nil {
			return nil, err
		}
		return map[string]any{"rows": out, "affected": 0}, nil
	}
	res, err := db.ExecContext(ctx, st.text, st.args...)
	if err != nil {
		return nil, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, err
	}
	if _, isMySQL := d.(mysqlDialect); isMySQL && st.op == "upsert" && n > 1 {
		n = 1 // MySQL counts an update by ON DUPLICATE KEY UPDATE as 2
	}
	return map[string]any{"rows": []map[string]any{}, "affected": int(n)}, nil
}

// errTooManyRows fails a query that returns more than SQLMaxRows rows.
var errTooManyRows = engine.Permanent(fmt.Errorf("the query returned more than %d rows; add a LIMIT", SQLMaxRows))

// scanRows reads every row as a map by column name, with values as
// outputValue turns them, and closes rows.
func scanRows(rows *sql.Rows) ([]map[string]any, error) {
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if len(out) == SQLMaxRows {
			return nil, errTooManyRows
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c.Name()] = outputValue(vals[i], c.DatabaseTypeName())
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// outputValue turns a scanned value into one that JSON and expressions
// handle: bytes become text (a JSON column's text is parsed), times become
// RFC 3339 text in UTC, and numbers, booleans, text and NULL stay as they are.
func outputValue(v any, dbType string) any {
	switch x := v.(type) {
	case []byte:
		if t := strings.ToUpper(dbType); t == "JSON" || t == "JSONB" {
			var parsed any
			if json.Unmarshal(x, &parsed) == nil {
				return parsed
			}
		}
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case string:
		if t := strings.ToUpper(dbType); t == "JSON" || t == "JSONB" {
			var parsed any
			if json.Unmarshal([]byte(x), &parsed) == nil {
				return parsed
			}
		}
	}
	return v
}
