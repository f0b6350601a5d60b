package store

import (
	"reflect"
	"testing"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

func TestQueryBuildSQLite(t *testing.T) {
	t.Parallel()
	tx := &gorm.DB{Config: &gorm.Config{Dialector: sqlite.Dialector{}}}
	q := newQuery(`UPDATE t SET a = $1 FROM (VALUES `, "now")
	q.cols(sqliteDialect{}, typText, typBigint)
	q.row("x", 1).row("y", 2)
	q.sql(`) WHERE b = $1 AND c = $2`)
	text, args := q.build(tx)
	want := `UPDATE t SET a = ? FROM (VALUES (?,?),(?,?)) WHERE b = ? AND c = ?`
	if text != want || !reflect.DeepEqual(args, []any{"now", "x", 1, "y", 2, "now", "x"}) {
		t.Fatalf("build =\n%s %v\nwant\n%s", text, args, want)
	}
}

func TestQueryRowCastsFirstRowForPostgres(t *testing.T) {
	t.Parallel()
	q := newQuery(`VALUES `).cols(postgresDialect{}, typText, typBigint)
	q.row("x", 1).row("y", 2)
	if got, want := q.b.String(), `VALUES (CAST($1 AS TEXT),CAST($2 AS BIGINT)),($3,$4)`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
