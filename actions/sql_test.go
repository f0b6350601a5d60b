package actions

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// sqlCase is one behaviour checked on every dialect, each on a fresh
// database place and a fresh action.
type sqlCase struct {
	name string
	run  func(t *testing.T, db *sqlTestDB, def engine.Definition)
}

func TestSQLDialects(t *testing.T) {
	t.Parallel()
	for _, dialect := range sqlDialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			for _, c := range sqlCases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					db := newSQLTestDB(t, dialect)
					c.run(t, db, newSQLAction(t, sqlTestDeps()))
				})
			}
		})
	}
}

var sqlCases = []sqlCase{
	{"upsert inserts then updates", testSQLUpsertUpdates},
	{"upsert with a composite key", testSQLUpsertCompositeKey},
	{"exec with args", testSQLExecArgs},
	{"query returns typed rows", testSQLQueryTypedRows},
	{"unknown table and column refused", testSQLUnknownNames},
	{"key not among the values refused", testSQLKeyNotInValues},
	{"injection in a value is stored verbatim", testSQLInjectionInValue},
	{"identifier with a quote refused", testSQLQuotedIdentifier},
	{"connection by name", testSQLConnectionByName},
	{"dry run executes nothing", testSQLDryRun},
	{"concurrent upserts of one key", testSQLConcurrentUpserts},
	{"errors are classified", testSQLErrorClasses},
	{"column added after caching is found", testSQLCatalogRefresh},
}

func testSQLUpsertUpdates(t *testing.T, db *sqlTestDB, def engine.Definition) {
	orders := db.createOrders(t)
	for _, v := range []map[string]any{
		{"id": 1, "customer": "ann", "total": 9.5},
		{"id": 1, "customer": "bob", "total": 12.25},
	} {
		out := mustRunSQL(t, def, map[string]any{"connection": db.dsn,
			"upsert": map[string]any{"table": orders, "key": []any{"id"}, "values": v}})
		if !equalJSON(out, map[string]any{"rows": []any{}, "affected": 1}) {
			t.Errorf("upsert output = %v, want no rows and affected 1", out)
		}
	}
	rows := queryRows(t, def, db.dsn, "SELECT id, customer, total FROM "+orders)
	want := []map[string]any{{"id": 1, "customer": "bob", "total": 12.25}}
	if !equalJSON(rows, want) {
		t.Fatalf("rows = %v, want %v", rows, want)
	}
}

func testSQLUpsertCompositeKey(t *testing.T, db *sqlTestDB, def engine.Definition) {
	lines := db.create(t, "lines", "order_id {int}, sku {key}, qty {int}, PRIMARY KEY (order_id, sku)")
	for _, v := range [][3]any{{1, "A", 2}, {1, "B", 3}, {2, "A", 4}, {1, "A", 5}} {
		mustRunSQL(t, def, map[string]any{"connection": db.dsn, "upsert": map[string]any{
			"table": lines, "key": []any{"order_id", "sku"},
			"values": map[string]any{"order_id": v[0], "sku": v[1], "qty": v[2]},
		}})
	}
	rows := queryRows(t, def, db.dsn, "SELECT order_id, sku, qty FROM "+lines+" ORDER BY order_id, sku")
	want := []map[string]any{
		{"order_id": 1, "qty": 5, "sku": "A"}, {"order_id": 1, "qty": 3, "sku": "B"}, {"order_id": 2, "qty": 4, "sku": "A"},
	}
	if !equalJSON(rows, want) {
		t.Fatalf("rows = %v, want %v", rows, want)
	}
}

func testSQLExecArgs(t *testing.T, db *sqlTestDB, def engine.Definition) {
	orders := db.createOrders(t)
	for i, name := range []string{"ann", "bob", "cy"} {
		out := mustRunSQL(t, def, map[string]any{"connection": db.dsn,
			"exec": "INSERT INTO " + orders + " (id, customer, total) VALUES (?, ?, ?)", "args": []any{i + 1, name, 10.5 * float64(i+1)}})
		if out["affected"] != 1 {
			t.Fatalf("insert affected = %v, want 1", out["affected"])
		}
	}
	out := mustRunSQL(t, def, map[string]any{"connection": db.dsn,
		"exec": "UPDATE " + orders + " SET note = ? WHERE total > ? AND customer <> '?'", "args": []any{"big", 15}})
	if out["affected"] != 2 {
		t.Fatalf("update affected = %v, want 2 (output %v)", out["affected"], out)
	}
	rows := queryRows(t, def, db.dsn, "SELECT customer FROM "+orders+" WHERE note = ? ORDER BY id", "big")
	if !equalJSON(rows, []map[string]any{{"customer": "bob"}, {"customer": "cy"}}) {
		t.Fatalf("rows = %v", rows)
	}
}

func testSQLQueryTypedRows(t *testing.T, db *sqlTestDB, def engine.Definition) {
	orders := db.createOrders(t)
	mustRunSQL(t, def, map[string]any{"connection": db.dsn, "upsert": map[string]any{"table": orders, "key": []any{"id"},
		"values": map[string]any{"id": 7, "customer": "ann", "total": 9.75, "note": nil, "created": "2024-05-01 10:00:00"}}})
	rows := queryRows(t, def, db.dsn, "SELECT id, customer, total, note, created FROM "+orders+" WHERE id = ?", 7)
	if len(rows) != 1 {
		t.Fatalf("rows = %v, want one", rows)
	}
	want := map[string]any{"id": int64(7), "customer": "ann", "total": 9.75, "note": nil, "created": "2024-05-01T10:00:00Z"}
	for k, v := range want {
		if got := rows[0][k]; got != v {
			t.Errorf("%s = %#v (%T), want %#v (%T)", k, got, got, v, v)
		}
	}
	if empty := queryRows(t, def, db.dsn, "SELECT id FROM "+orders+" WHERE id = ?", 8); empty == nil || len(empty) != 0 {
		t.Errorf("no rows = %#v, want an empty list", empty)
	}
}

func testSQLUnknownNames(t *testing.T, db *sqlTestDB, def engine.Definition) {
	orders := db.createOrders(t)
	for _, c := range []struct {
		table  string
		values map[string]any
		want   string
	}{
		{db.table("orderz"), map[string]any{"id": 1}, fmt.Sprintf(`sql upsert: table %q does not exist`, db.table("orderz"))},
		{orders, map[string]any{"id": 1, "totl": 2}, fmt.Sprintf(`sql upsert: column "totl" does not exist in table %q`, orders)},
	} {
		_, _, err := runSQL(t, def, map[string]any{"connection": db.dsn,
			"upsert": map[string]any{"table": c.table, "key": []any{"id"}, "values": c.values}}, false)
		if err == nil || err.Error() != c.want || !engine.IsPermanent(err) {
			t.Errorf("err = %v (permanent %v), want permanent %q", err, engine.IsPermanent(err), c.want)
		}
	}
}

func testSQLKeyNotInValues(t *testing.T, db *sqlTestDB, def engine.Definition) {
	orders := db.createOrders(t)
	_, _, err := runSQL(t, def, map[string]any{"connection": db.dsn,
		"upsert": map[string]any{"table": orders, "key": []any{"id"}, "values": map[string]any{"customer": "ann"}}}, false)
	const want = `sql upsert: key column "id" is not among the values`
	if err == nil || err.Error() != want || !engine.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent %q", err, want)
	}
	if n := db.count(t, orders); n != 0 {
		t.Fatalf("%d rows written", n)
	}
}

func testSQLInjectionInValue(t *testing.T, db *sqlTestDB, def engine.Definition) {
	orders := db.createOrders(t)
	victim := db.create(t, "x", "id {int}")
	evil := "'); DROP TABLE " + victim + "; --"
	evilQuote := `"; DROP TABLE ` + victim + "; -- \\' `"
	mustRunSQL(t, def, map[string]any{"connection": db.dsn, "upsert": map[string]any{"table": orders, "key": []any{"id"},
		"values": map[string]any{"id": 1, "customer": evil, "note": evilQuote}}})
	mustRunSQL(t, def, map[string]any{"connection": db.dsn,
		"exec": "UPDATE " + orders + " SET total = 1 WHERE customer = ?", "args": []any{evil}})
	rows := queryRows(t, def, db.dsn, "SELECT customer, note, total FROM "+orders+" WHERE customer = ?", evil)
	want := []map[string]any{{"customer": evil, "note": evilQuote, "total": 1}}
	if !equalJSON(rows, want) {
		t.Fatalf("rows = %v, want %v", rows, want)
	}
	db.count(t, victim) // fails the test when the table is gone
}

func testSQLQuotedIdentifier(t *testing.T, db *sqlTestDB, def engine.Definition) {
	orders := db.createOrders(t)
	for _, c := range []struct {
		table, column, want string
	}{
		{orders + `" (id) VALUES (1); DROP TABLE ` + orders + "; --", "id", "table %q does not exist"},
		{orders + "` (id) VALUES (1); DROP TABLE " + orders + "; --", "id", "table %q does not exist"},
		{orders, `customer") VALUES (1, 2); DROP TABLE ` + orders + "; --", `column %q does not exist in table "` + orders + `"`},
		{orders, "customer`) VALUES (1, 2); DROP TABLE " + orders + "; --", `column %q does not exist in table "` + orders + `"`},
	} {
		_, _, err := runSQL(t, def, map[string]any{"connection": db.dsn, "upsert": map[string]any{
			"table": c.table, "key": []any{"id"}, "values": map[string]any{"id": 1, c.column: 2}}}, false)
		name := c.table
		if c.table == orders {
			name = c.column
		}
		want := "sql upsert: " + fmt.Sprintf(c.want, name)
		if err == nil || err.Error() != want || !engine.IsPermanent(err) {
			t.Errorf("err = %v, want permanent %q", err, want)
		}
	}
	if n := db.count(t, orders); n != 0 {
		t.Fatalf("%d rows written", n)
	}
}

func testSQLConnectionByName(t *testing.T, db *sqlTestDB, _ engine.Definition) {
	orders := db.createOrders(t)
	deps := sqlTestDeps()
	deps.Connections = map[string]string{"warehouse": db.dsn, "other": "sqlite://other.db"}
	def := newSQLAction(t, deps)
	mustRunSQL(t, def, map[string]any{"connection": "warehouse", "upsert": map[string]any{
		"table": orders, "key": []any{"id"}, "values": map[string]any{"id": 3, "customer": "cy"}}})
	if n := db.count(t, orders); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
	_, _, err := runSQL(t, def, map[string]any{"connection": "wearhouse", "query": "SELECT 1"}, false)
	const want = `sql query: connection "wearhouse" is not a DSN nor one of hookflow.yaml's connections (other, warehouse)`
	if err == nil || err.Error() != want || !engine.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent %q", err, want)
	}
}

func testSQLDryRun(t *testing.T, db *sqlTestDB, def engine.Definition) {
	orders := db.createOrders(t)
	for _, with := range []map[string]any{
		{"upsert": map[string]any{"table": orders, "key": []any{"id"}, "values": map[string]any{"id": 1, "customer": "ann"}}},
		{"exec": "DELETE FROM " + orders + " WHERE id = ?", "args": []any{1}},
		{"exec": "DROP TABLE " + orders},
		{"query": "SELECT * FROM " + orders},
		{"upsert": map[string]any{"table": "nosuchtable", "key": []any{"id"}, "values": map[string]any{"id": 1}}},
	} {
		with["connection"] = db.dsn
		step, out, err := runSQL(t, def, with, true)
		if err != nil {
			t.Fatalf("dry run %v: %v", with, err)
		}
		if !equalJSON(out, map[string]any{"rows": []any{}, "affected": 0, "dry_run": true}) {
			t.Errorf("output = %v", out)
		}
		xs := step.Exchanges()
		if len(xs) != 1 || xs[0].Request.Method != "SQL" || xs[0].Request.URL != db.dsn || xs[0].Response != nil ||
			!strings.Contains(xs[0].Request.Body, `"statement":`) {
			t.Errorf("exchanges = %+v", xs)
		}
	}
	if n := db.count(t, orders); n != 0 {
		t.Fatalf("the dry run wrote %d rows", n)
	}
}

func testSQLConcurrentUpserts(t *testing.T, db *sqlTestDB, def engine.Definition) {
	orders := db.createOrders(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			params, _ := def.DecodeParams(map[string]any{"connection": db.dsn, "upsert": map[string]any{
				"table": orders, "key": []any{"id"}, "values": map[string]any{"id": 42, "customer": fmt.Sprint("c", i), "total": i}}})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := def.Action.Run(ctx, &engine.Step{Item: -1, Params: params})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent upsert: %v", err)
		}
	}
	if n := db.count(t, orders); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("20 upserts took %v", took)
	}
}

func testSQLErrorClasses(t *testing.T, db *sqlTestDB, def engine.Definition) {
	orders := db.create(t, "orders", "id {int} PRIMARY KEY, customer {text} NOT NULL")
	mustRunSQL(t, def, map[string]any{"connection": db.dsn,
		"exec": "INSERT INTO " + orders + " (id, customer) VALUES (?, ?)", "args": []any{1, "ann"}})
	for _, c := range []struct {
		name string
		with map[string]any
	}{
		{"duplicate key", map[string]any{"exec": "INSERT INTO " + orders + " (id, customer) VALUES (?, ?)", "args": []any{1, "bob"}}},
		{"not null", map[string]any{"exec": "INSERT INTO " + orders + " (id, customer) VALUES (?, ?)", "args": []any{2, nil}}},
		{"syntax", map[string]any{"query": "SELEKT * FROM " + orders}},
		{"unknown table in a query", map[string]any{"query": "SELECT * FROM " + db.table("nope")}},
		{"unknown column in exec", map[string]any{"exec": "UPDATE " + orders + " SET nope = ?", "args": []any{1}}},
		{"too few args", map[string]any{"query": "SELECT * FROM " + orders + " WHERE id = ? AND customer = ?", "args": []any{1}}},
		{"upsert without a unique key", map[string]any{"upsert": map[string]any{"table": orders, "key": []any{"customer"},
			"values": map[string]any{"id": 3, "customer": "cy"}}}},
		{"two operations", map[string]any{"exec": "SELECT 1", "query": "SELECT 1"}},
		{"no operation", map[string]any{}},
		{"args with upsert", map[string]any{"upsert": map[string]any{"table": orders, "key": []any{"id"},
			"values": map[string]any{"id": 1}}, "args": []any{1}}},
	} {
		c.with["connection"] = db.dsn
		_, _, err := runSQL(t, def, c.with, false)
		if err == nil || !engine.IsPermanent(err) {
			t.Errorf("%s: err = %v, want a permanent error", c.name, err)
		}
	}
}

func testSQLCatalogRefresh(t *testing.T, db *sqlTestDB, def engine.Definition) {
	orders := db.createOrders(t)
	upsert := func(values map[string]any) error {
		_, _, err := runSQL(t, def, map[string]any{"connection": db.dsn,
			"upsert": map[string]any{"table": orders, "key": []any{"id"}, "values": values}}, false)
		return err
	}
	if err := upsert(map[string]any{"id": 1, "customer": "ann"}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, db.db, "ALTER TABLE "+orders+" ADD COLUMN region "+sqlTypes[db.dialect]["text"])
	if err := upsert(map[string]any{"id": 1, "region": "eu"}); err != nil {
		t.Fatalf("upsert into a column added after the catalogue was cached: %v", err)
	}
	if db.dialect != "sqlite" { // SQLite before 3.35 cannot drop columns
		mustExec(t, db.db, "ALTER TABLE "+orders+" DROP COLUMN region")
		err := upsert(map[string]any{"id": 1, "region": "us"})
		if err == nil || !engine.IsPermanent(err) {
			t.Fatalf("upsert into a dropped column: err = %v, want permanent", err)
		}
		err = upsert(map[string]any{"id": 1, "region": "us"})
		want := fmt.Sprintf(`sql upsert: column "region" does not exist in table %q`, orders)
		if err == nil || err.Error() != want {
			t.Fatalf("after the error the catalogue is read again: err = %v, want %q", err, want)
		}
	}
}

// closedPort returns a loopback port on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func TestSQLUnreachableIsRetryableWithoutPassword(t *testing.T) {
	t.Parallel()
	const password = "s3cr3t-pw-xyz"
	def := newSQLAction(t, sqlTestDeps())
	for _, scheme := range []string{"postgres", "postgresql", "mysql"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			addr := closedPort(t)
			dsn := scheme + "://app:" + password + "@" + addr + "/test?connect_timeout=5"
			if scheme == "mysql" {
				dsn = scheme + "://app:" + password + "@" + addr + "/test?timeout=5s"
			}
			step, _, err := runSQL(t, def, map[string]any{"connection": dsn, "exec": "SELECT 1"}, false)
			if err == nil || engine.IsPermanent(err) {
				t.Fatalf("err = %v, want a retryable error", err)
			}
			wantPrefix := "sql exec on " + scheme + "://app:***@" + addr + "/test?"
			if strings.Contains(err.Error(), password) || !strings.HasPrefix(err.Error(), wantPrefix) {
				t.Fatalf("err = %q, want it to start %q and not to hold the password", err, wantPrefix)
			}
			for _, x := range step.Exchanges() {
				if strings.Contains(fmt.Sprint(x.Request, x.Response), password) {
					t.Fatalf("recorded %+v", x.Request)
				}
			}
		})
	}
}

func TestSQLBadConnections(t *testing.T) {
	t.Parallel()
	def := newSQLAction(t, sqlTestDeps())
	for _, c := range []struct {
		conn, want string
	}{
		{"oracle://scott:tiger-pw-1@db:1521/x", `sql query: connection scheme "oracle" is not supported: want sqlite://, postgres://, postgresql:// or mysql://`},
		{"postgres://scott:tiger%zz-pw-1@db/x", `sql query: connection postgres://… is not a valid URL (percent-encode special characters in the user and password, such as %40 for @)`},
		{"sqlite://", `sql query: connection sqlite:// names no file: want sqlite:///abs/path.db or sqlite://relative.db`},
		{"", `sql query: connection is empty: give a name from hookflow.yaml's connections or a DSN`},
		{"main", `sql query: connection "main" is not a DSN and hookflow.yaml defines no connections`},
	} {
		_, _, err := runSQL(t, def, map[string]any{"connection": c.conn, "query": "SELECT 1"}, false)
		if err == nil || err.Error() != c.want || !engine.IsPermanent(err) {
			t.Errorf("%q: err = %v, want permanent %q", c.conn, err, c.want)
		}
	}
}

// TestSQLGuardedDial checks that database connections go through
// Deps.Dial: the default, guarded dialer refuses loopback for good.
func TestSQLGuardedDial(t *testing.T) {
	t.Parallel()
	def := newSQLAction(t, Deps{})
	for _, dsn := range []string{testPostgresDSN, testMySQLDSN} {
		_, _, err := runSQL(t, def, map[string]any{"connection": dsn, "query": "SELECT 1"}, false)
		if err == nil || !engine.IsPermanent(err) || !errors.Is(err, engine.ErrDestinationRefused) {
			t.Errorf("%s: err = %v, want a permanent refusal", dsn, err)
		}
	}
}

func TestSQLDryRunRedactsTheDSN(t *testing.T) {
	t.Parallel()
	def := newSQLAction(t, sqlTestDeps())
	step, _, err := runSQL(t, def, map[string]any{
		"connection": "postgres://app:hunter22-pw@db.example:5432/shop?sslmode=require&password=hunter22-pw",
		"upsert":     map[string]any{"table": "orders", "key": []any{"id"}, "values": map[string]any{"id": 1.0, "total": 9.5, "tags": []any{"a"}}},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	rec := step.Exchanges()[0].Request
	wantURL := "postgres://app:***@db.example:5432/shop?sslmode=require&password=***"
	wantBody := `{"args":[1,"[\"a\"]",9.5],"statement":"INSERT INTO \"orders\" (\"id\", \"tags\", \"total\") VALUES ($1, $2, $3) ON CONFLICT (\"id\") DO UPDATE SET \"tags\" = excluded.\"tags\", \"total\" = excluded.\"total\""}`
	if rec.URL != wantURL || rec.Body != wantBody {
		t.Fatalf("record = %s %s\n%s\nwant %s\n%s", rec.Method, rec.URL, rec.Body, wantURL, wantBody)
	}
}

func TestSQLClosedActionIsRetryable(t *testing.T) {
	t.Parallel()
	def := SQL(sqlTestDeps())
	if err := def.Action.(interface{ Close() error }).Close(); err != nil {
		t.Fatal(err)
	}
	_, _, err := runSQL(t, def, map[string]any{"connection": "sqlite://" + t.TempDir() + "/x.db", "query": "SELECT 1"}, false)
	if err == nil || engine.IsPermanent(err) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
}

func TestSQLRebindDollar(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		n        int
	}{
		{"SELECT ?", "SELECT $1", 1},
		{"UPDATE t SET a = ?, b = ? WHERE c = ?", "UPDATE t SET a = $1, b = $2 WHERE c = $3", 3},
		{"SELECT '?', \"?\", ? -- ?\n, ?", "SELECT '?', \"?\", $1 -- ?\n, $2", 2},
		{"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1},
		{`SELECT E'\'?', ?`, `SELECT E'\'?', $1`, 1},
		{"SELECT /* ? /* ? */ ? */ ?", "SELECT /* ? /* ? */ ? */ $1", 1},
		{"SELECT $$ ? $$, $tag$ ?$$? $tag$, ?", "SELECT $$ ? $$, $tag$ ?$$? $tag$, $1", 1},
		{"SELECT data ?? 'k' FROM t WHERE id = ?", "SELECT data ? 'k' FROM t WHERE id = $1", 1},
		{"SELECT a$b, ?", "SELECT a$b, $1", 1},
	} {
		got, n := rebindDollar(c.in)
		if got != c.want || n != c.n {
			t.Errorf("rebindDollar(%q) = %q, %d; want %q, %d", c.in, got, n, c.want, c.n)
		}
	}
}

// TestSQLStepTimeout checks that a statement is cut off by the step's
// context, with a retryable error that says it timed out.
func TestSQLStepTimeout(t *testing.T) {
	t.Parallel()
	slow := map[string]string{
		"sqlite":   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
		"postgres": "SELECT pg_sleep(30)",
		"mysql":    "SELECT SLEEP(30)",
	}
	for _, dialect := range sqlDialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			db := newSQLTestDB(t, dialect)
			def := newSQLAction(t, sqlTestDeps())
			params, err := def.DecodeParams(map[string]any{"connection": db.dsn, "query": slow[dialect]})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err = def.Action.Run(ctx, &engine.Step{Item: -1, Params: params})
			if took := time.Since(start); took > 10*time.Second {
				t.Fatalf("the query ran %v past a 300ms step timeout", took)
			}
			if err == nil || engine.IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) ||
				!strings.Contains(err.Error(), "timed out") {
				t.Fatalf("err = %v, want a retryable timeout", err)
			}
		})
	}
}

func TestSQLQueryRowLimit(t *testing.T) {
	t.Parallel()
	db := newSQLTestDB(t, "sqlite")
	def := newSQLAction(t, sqlTestDeps())
	query := "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT x FROM c"
	rows := queryRows(t, def, db.dsn, query, SQLMaxRows)
	if len(rows) != SQLMaxRows {
		t.Fatalf("%d rows, want %d", len(rows), SQLMaxRows)
	}
	_, _, err := runSQL(t, def, map[string]any{"connection": db.dsn, "query": query, "args": []any{SQLMaxRows + 1}}, false)
	if err == nil || !engine.IsPermanent(err) || !strings.Contains(err.Error(), "add a LIMIT") {
		t.Fatalf("err = %v, want a permanent error about the row limit", err)
	}
}

func TestSQLConnectionForms(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		dsn, dialect, shown string
	}{
		{"sqlite:///var/lib/app.db", "sqlite", "sqlite:///var/lib/app.db"},
		{"sqlite://data/app.db?_foreign_keys=1", "sqlite", "sqlite://data/app.db?_foreign_keys=1"},
		{"postgres://app:pw%40x@db:5432/shop?search_path=s", "postgres", "postgres://app:***@db:5432/shop?search_path=s"},
		{"postgresql://app@db/shop", "postgres", "postgresql://app@db/shop"},
		{"mysql://app:pw@db:3306/shop?tls=true", "mysql", "mysql://app:***@db:3306/shop?tls=true"},
		{"mariadb://app:pw@db/shop", "mysql", "mariadb://app:***@db/shop"},
		{"postgres://db/shop?sslpassword=k3y&user=app", "postgres", "postgres://db/shop?sslpassword=***&user=app"},
	} {
		target, err := parseSQLTarget(c.dsn)
		if err != nil {
			t.Errorf("%s: %v", c.dsn, err)
			continue
		}
		if target.dialect.name() != c.dialect || target.shown != c.shown {
			t.Errorf("%s: dialect %s, shown %s; want %s, %s", c.dsn, target.dialect.name(), target.shown, c.dialect, c.shown)
		}
	}
}

// TestSQLPoolsBounded opens more DSNs than SQLMaxPools: idle pools are
// closed, least recently used first, and a pool in use is kept.
func TestSQLPoolsBounded(t *testing.T) {
	t.Parallel()
	def := newSQLAction(t, sqlTestDeps())
	pools := def.Action.(*sqlAction).pools
	dir := t.TempDir()
	first, err := parseSQLTarget("sqlite://" + dir + "/busy.db")
	if err != nil {
		t.Fatal(err)
	}
	busy, release, err := pools.acquire(first)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 * SQLMaxPools {
		dsn := fmt.Sprintf("sqlite://%s/%d.db", dir, i)
		mustRunSQL(t, def, map[string]any{"connection": dsn, "exec": "CREATE TABLE t (id INTEGER)"})
	}
	pools.mu.Lock()
	n, kept := len(pools.pools), pools.pools[first.dsn] == busy
	pools.mu.Unlock()
	if n > SQLMaxPools || !kept {
		t.Fatalf("%d pools open (max %d), busy pool kept: %v", n, SQLMaxPools, kept)
	}
	if err := busy.db.Ping(); err != nil {
		t.Fatalf("the busy pool was closed: %v", err)
	}
	release()
}
