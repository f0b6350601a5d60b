package actions

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	// sqlCatalogTTL is how long a table's columns are trusted without
	// asking the catalogue again. An unknown-table or unknown-column error
	// from the database forgets the table at once.
	sqlCatalogTTL = 30 * time.Second
	// sqlCatalogMax bounds the cached tables per pool; past it the cache
	// starts afresh.
	sqlCatalogMax = 256
)

// sqlTable is a table as the database's catalogue names it.
type sqlTable struct {
	name    string   // the catalogue's spelling
	quoted  string   // qualified when needed and quoted, ready for a statement
	columns []string // the catalogue's spelling, in table order
	// uniqueKeys are the column sets of the primary key and unique
	// indexes, when the dialect checks an upsert's key itself (MySQL,
	// whose ON DUPLICATE KEY UPDATE names no key); nil otherwise.
	uniqueKeys [][]string
}

// isUniqueKey reports whether keys (catalogue names, in any order) are
// exactly the columns of the primary key or of a unique index. It is true
// when the table's unique keys were not read.
func (t *sqlTable) isUniqueKey(keys []string) bool {
	if t.uniqueKeys == nil {
		return true
	}
	for _, u := range t.uniqueKeys {
		if len(u) == len(keys) && !slices.ContainsFunc(keys, func(k string) bool { return !containsFold(u, k) }) {
			return true
		}
	}
	return false
}

// column returns the catalogue's spelling of the column want.
func (t *sqlTable) column(want string) (string, bool) { return pickName(want, t.columns) }

// pickName finds want in have: the exact name, or else the only name that
// differs from it in case alone (as SQLite and MySQL compare, and as
// PostgreSQL folds unquoted names).
func pickName(want string, have []string) (string, bool) {
	found, n := "", 0
	for _, h := range have {
		if h == want {
			return h, true
		}
		if strings.EqualFold(h, want) && h != found {
			found, n = h, n+1
		}
	}
	return found, n == 1
}

// sqlCatalog caches the tables of one pool, keyed by the name a workflow
// gave. Tables that do not exist are not cached, so one created later is
// found at once.
type sqlCatalog struct {
	now func() time.Time

	mu     sync.Mutex
	tables map[string]sqlCatalogEntry
}

type sqlCatalogEntry struct {
	table *sqlTable
	at    time.Time
}

// table returns the table named name, from the cache (cached is then
// true) or from the catalogue; nil when it does not exist.
func (c *sqlCatalog) table(ctx context.Context, db *sql.DB, d sqlDialect, name string) (t *sqlTable, cached bool, err error) {
	c.mu.Lock()
	e, ok := c.tables[name]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < sqlCatalogTTL {
		return e.table, true, nil
	}
	t, err = d.lookup(ctx, db, name)
	if err != nil || t == nil {
		c.forget(name)
		return nil, false, err
	}
	c.mu.Lock()
	if c.tables == nil || len(c.tables) >= sqlCatalogMax {
		c.tables = map[string]sqlCatalogEntry{}
	}
	c.tables[name] = sqlCatalogEntry{table: t, at: c.now()}
	c.mu.Unlock()
	return t, false, nil
}

// forget drops name from the cache.
func (c *sqlCatalog) forget(name string) {
	c.mu.Lock()
	delete(c.tables, name)
	c.mu.Unlock()
}

// queryStrings runs a catalogue query and returns its rows as text.
func queryStrings(ctx context.Context, db *sql.DB, query string, args ...any) ([][]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		row := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// lookup reads the table from sqlite_master and pragma_table_info.
func (d sqliteDialect) lookup(ctx context.Context, db *sql.DB, table string) (*sqlTable, error) {
	rows, err := queryStrings(ctx, db,
		`SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE`, table)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r[0]
	}
	name, ok := pickName(table, names)
	if !ok {
		return nil, nil
	}
	rows, err = queryStrings(ctx, db, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, name)
	if err != nil {
		return nil, err
	}
	t := &sqlTable{name: name, quoted: d.quote(name)}
	for _, r := range rows {
		t.columns = append(t.columns, r[0])
	}
	return t, nil
}

// lookup reads the table from information_schema.columns, in the schemas
// of the connection's search_path, the first schema that has it winning.
func (d postgresDialect) lookup(ctx context.Context, db *sql.DB, table string) (*sqlTable, error) {
	rows, err := queryStrings(ctx, db, `
		SELECT c.table_schema::text, c.table_name::text, c.column_name::text
		FROM information_schema.columns c
		WHERE lower(c.table_name) = lower($1)
		  AND c.table_schema::name = ANY (current_schemas(false))
		ORDER BY array_position(current_schemas(false), c.table_schema::name), c.table_name, c.ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	for len(rows) > 0 {
		schema := rows[0][0]
		n := 0
		for n < len(rows) && rows[n][0] == schema {
			n++
		}
		if t := tableFromRows(table, rows[:n]); t != nil {
			t.quoted = d.quote(schema) + "." + d.quote(t.name)
			return t, nil
		}
		rows = rows[n:]
	}
	return nil, nil
}

// lookup reads the table from information_schema.columns of DATABASE(),
// and its primary key and unique indexes from information_schema.statistics.
func (d mysqlDialect) lookup(ctx context.Context, db *sql.DB, table string) (*sqlTable, error) {
	rows, err := queryStrings(ctx, db, `
		SELECT '', TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND LOWER(TABLE_NAME) = LOWER(?)
		ORDER BY TABLE_NAME, ORDINAL_POSITION`, table)
	if err != nil {
		return nil, err
	}
	t := tableFromRows(table, rows)
	if t == nil {
		return nil, nil
	}
	t.quoted = d.quote(t.name)
	rows, err = queryStrings(ctx, db, `
		SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0
		ORDER BY INDEX_NAME, SEQ_IN_INDEX`, t.name)
	if err != nil {
		return nil, err
	}
	t.uniqueKeys = [][]string{}
	for i, r := range rows {
		if i == 0 || r[0] != rows[i-1][0] {
			t.uniqueKeys = append(t.uniqueKeys, nil)
		}
		last := len(t.uniqueKeys) - 1
		t.uniqueKeys[last] = append(t.uniqueKeys[last], r[1])
	}
	return t, nil
}

// tableFromRows picks the table named want from (schema, table, column)
// rows of one schema.
func tableFromRows(want string, rows [][]string) *sqlTable {
	var names []string
	for _, r := range rows {
		if len(names) == 0 || names[len(names)-1] != r[1] {
			names = append(names, r[1])
		}
	}
	name, ok := pickName(want, names)
	if !ok {
		return nil
	}
	t := &sqlTable{name: name}
	for _, r := range rows {
		if r[1] == name {
			t.columns = append(t.columns, r[2])
		}
	}
	return t
}
