package actions

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the "mysql" driver for setup
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for setup

	"github.com/hookflow/hookflow/engine"
)

// The databases the sql tests run against. PostgreSQL and MariaDB must be
// up: the tests fail, never skip, when they are not.
const (
	testPostgresDSN = "postgres://postgres@127.0.0.1:5432/test"
	testMySQLAdmin  = "root@tcp(127.0.0.1:3306)/test"
	testMySQLDSN    = "mysql://root@127.0.0.1:3306/test"
)

// sqlDialects are the dialects every table-driven sql test runs over.
var sqlDialects = []string{"sqlite", "postgres", "mysql"}

// sqlTestDB is a fresh place in one real database for one test: a SQLite
// file, a PostgreSQL schema (named in the DSN's search_path) or, on
// MariaDB, tables with a unique prefix. Everything is dropped in cleanup.
type sqlTestDB struct {
	dialect string
	dsn     string  // what the action connects with
	db      *sql.DB // the same database and schema, for setup and checks
	prefix  string
}

// newSQLTestDB prepares a fresh place in the dialect's database.
func newSQLTestDB(t *testing.T, dialect string) *sqlTestDB {
	t.Helper()
	prefix := fmt.Sprintf("hf%08x_", rand.Uint32())
	switch dialect {
	case "sqlite":
		path := filepath.Join(t.TempDir(), "test.db")
		db := openTestDB(t, "sqlite3", path)
		return &sqlTestDB{dialect: dialect, dsn: "sqlite://" + path, db: db, prefix: prefix}
	case "postgres":
		admin := openTestDB(t, "pgx", testPostgresDSN)
		pingTestDB(t, admin, "PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth, database test) is not reachable; "+
			"start it, e.g. `service postgresql start`, and create the database with `createdb -U postgres test`")
		schema := strings.TrimSuffix(prefix, "_")
		mustExec(t, admin, `CREATE SCHEMA `+schema)
		t.Cleanup(func() { mustExec(t, admin, `DROP SCHEMA `+schema+` CASCADE`) })
		dsn := testPostgresDSN + "?search_path=" + schema
		return &sqlTestDB{dialect: dialect, dsn: dsn, db: openTestDB(t, "pgx", dsn), prefix: prefix}
	case "mysql":
		db := openTestDB(t, "mysql", testMySQLAdmin+"?parseTime=true")
		pingTestDB(t, db, "MariaDB on 127.0.0.1:3306 (user root, empty password, database test) is not reachable; "+
			"start it, e.g. `service mariadb start`, and create the database with `mysql -u root -e 'CREATE DATABASE test'`")
		return &sqlTestDB{dialect: dialect, dsn: testMySQLDSN, db: db, prefix: prefix}
	}
	t.Fatalf("unknown dialect %q", dialect)
	return nil
}

func openTestDB(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", driver, err)
	}
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func pingTestDB(t *testing.T, db *sql.DB, howToStart string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("%s (%v)", howToStart, err)
	}
}

func mustExec(t *testing.T, db *sql.DB, stmt string, args ...any) {
	t.Helper()
	if _, err := db.Exec(stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// sqlTypes are the column types of the test tables, per dialect.
var sqlTypes = map[string]map[string]string{
	"sqlite":   {"int": "INTEGER", "text": "TEXT", "key": "TEXT", "real": "REAL", "time": "DATETIME"},
	"postgres": {"int": "BIGINT", "text": "TEXT", "key": "TEXT", "real": "DOUBLE PRECISION", "time": "TIMESTAMP"},
	"mysql":    {"int": "BIGINT", "text": "TEXT", "key": "VARCHAR(64)", "real": "DOUBLE", "time": "DATETIME"},
}

// table returns the name of the test's table called name.
func (d *sqlTestDB) table(name string) string { return d.prefix + name }

// create creates the test's table called name with cols, in which {int},
// {text}, {key}, {real} and {time} stand for the dialect's types, and
// drops it in cleanup. It returns the table's full name.
func (d *sqlTestDB) create(t *testing.T, name, cols string) string {
	t.Helper()
	for k, v := range sqlTypes[d.dialect] {
		cols = strings.ReplaceAll(cols, "{"+k+"}", v)
	}
	table := d.table(name)
	mustExec(t, d.db, "CREATE TABLE "+table+" ("+cols+")")
	if d.dialect == "mysql" {
		t.Cleanup(func() { mustExec(t, d.db, "DROP TABLE IF EXISTS "+table) })
	}
	return table
}

// createOrders creates the orders table most tests use.
func (d *sqlTestDB) createOrders(t *testing.T) string {
	return d.create(t, "orders", "id {int} PRIMARY KEY, customer {text}, total {real}, note {text}, created {time}")
}

// count returns how many rows table has.
func (d *sqlTestDB) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := d.db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// sqlTestDeps connects without the SSRF guard: the databases are on
// loopback.
func sqlTestDeps() Deps {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return Deps{Dial: d.DialContext}
}

// newSQLAction builds the sql action for one test and closes its pools in
// cleanup.
func newSQLAction(t *testing.T, deps Deps) engine.Definition {
	t.Helper()
	def := SQL(deps)
	t.Cleanup(func() {
		if err := def.Action.(io.Closer).Close(); err != nil {
			t.Errorf("close sql action: %v", err)
		}
	})
	return def
}

// runSQL decodes with as the executor does and runs the action once.
func runSQL(t *testing.T, def engine.Definition, with map[string]any, dryRun bool) (*engine.Step, map[string]any, error) {
	t.Helper()
	params, err := def.DecodeParams(with)
	if err != nil {
		t.Fatalf("DecodeParams: %v", err)
	}
	step := &engine.Step{RunID: "run1", StepID: "sync", Attempt: 1, Item: -1, Params: params, DryRun: dryRun}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := def.Action.Run(ctx, step)
	m, _ := out.(map[string]any)
	if err == nil && m == nil {
		t.Fatalf("output is %T, want a map", out)
	}
	return step, m, err
}

// mustRunSQL is runSQL that fails the test on an error.
func mustRunSQL(t *testing.T, def engine.Definition, with map[string]any) map[string]any {
	t.Helper()
	_, out, err := runSQL(t, def, with, false)
	if err != nil {
		t.Fatalf("run %v: %v", with, err)
	}
	return out
}

// queryRows runs query through the action and returns its rows.
func queryRows(t *testing.T, def engine.Definition, dsn, query string, args ...any) []map[string]any {
	t.Helper()
	with := map[string]any{"connection": dsn, "query": query}
	if len(args) > 0 {
		with["args"] = args
	}
	rows, _ := mustRunSQL(t, def, with)["rows"].([]map[string]any)
	return rows
}
