package storetest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for schema setup
)

// PostgresBase is the test server: HOOKFLOW_TEST_POSTGRES, or the local
// cluster with trust auth.
func PostgresBase() string {
	if dsn := os.Getenv("HOOKFLOW_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// adminDB connects to the test server for schema setup, or fails the test
// with a sentence on how to start it.
func adminDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", PostgresBase())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		t.Fatalf("PostgreSQL at %s is unreachable (%v). Start it with "+
			"`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "+
			"or point HOOKFLOW_TEST_POSTGRES at a server.", PostgresBase(), err)
	}
	return db
}

// PostgresDSN creates an empty schema on the test server, dropped when the
// test ends, and returns a DSN whose search_path is that schema. Every
// package whose tests need PostgreSQL uses it; an unreachable server fails
// the test (it never skips) with a sentence on how to start it.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	db := adminDB(t)
	name := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	if _, err := db.Exec(`CREATE SCHEMA ` + name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec(`DROP SCHEMA ` + name + ` CASCADE`); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("close admin connection: %v", err)
		}
	})
	u, err := url.Parse(PostgresBase())
	if err != nil {
		t.Fatalf("parse DSN: %v", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
