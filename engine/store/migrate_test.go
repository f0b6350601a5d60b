package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	_ "github.com/mattn/go-sqlite3"
)

// TestMigrateFromVersion1 opens a database left at schema version 1 with
// rows in it: the migrations keep every row, and what the rows mean
// (a dedupe key, a queued step) still works afterwards.
func TestMigrateFromVersion1(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	v1 := strings.NewReplacer("{{blob}}", "BLOB", "{{serial}}", "INTEGER PRIMARY KEY").Replace(schemaV1)
	stmts := append(strings.Split(v1, ";\n"),
		`CREATE TABLE hookflow_schema (version INTEGER NOT NULL)`,
		`INSERT INTO hookflow_schema (version) VALUES (1)`,
		`INSERT INTO events (id, type, body, raw, received_at, dedupe_key) VALUES ('e1', 'webhook', '{"n":1}', X'7B226E223A317D', 1, 'key-1')`,
		`INSERT INTO runs (id, event_id, workflow, version, status, pending, created_at) VALUES ('r1', 'e1', 'wf', 1, 'queued', 1, 1)`,
		`INSERT INTO steps (run_id, step_id, seq, phase, status, waiting, run_at) VALUES ('r1', 'a', 0, 0, 'queued', 0, 1)`)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()

	s, err := Open(ctx, "sqlite://"+path, Options{})
	if err != nil {
		t.Fatalf("open and migrate: %v", err)
	}
	defer s.Close()
	ev, err := s.EventGet(ctx, "e1")
	if err != nil || ev.Body.(map[string]any)["n"] != 1.0 || ev.DedupeKey != "key-1" {
		t.Fatalf("event after migration: %+v, %v", ev, err)
	}
	dup := &engine.Event{ID: "e2", Type: "webhook", ReceivedAt: time.Now(), DedupeKey: "key-1"}
	res, err := s.Accept(ctx, AcceptParams{Events: []EventWithRuns{{Event: dup}}})
	if err != nil || !res[0].Duplicate || res[0].EventID != "e1" {
		t.Fatalf("dedupe after migration: %+v, %v", res, err)
	}
	jobs, err := s.JobClaim(ctx, JobClaimParams{Owner: "n", Limit: 10, Lease: time.Minute, Now: time.Now()})
	if err != nil || len(jobs) != 1 || jobs[0].RunID != "r1" || jobs[0].StepID != "a" {
		t.Fatalf("claim after migration: %+v, %v", jobs, err)
	}
	runs, _, err := s.RunList(ctx, RunListParams{Workflow: "wf"})
	if err != nil || len(runs) != 1 || runs[0].ID != "r1" || runs[0].EventID != "e1" {
		t.Fatalf("runs after migration: %+v, %v", runs, err)
	}
	db2 := s.(*gormStore).r
	for _, table := range []string{"steps", "runs"} {
		var kind string
		if err := db2.Raw(`SELECT sql FROM sqlite_master WHERE name = ?`, table).Scan(&kind).Error; err != nil || !strings.Contains(kind, "WITHOUT ROWID") {
			t.Fatalf("%s table after migration: %q, %v", table, kind, err)
		}
	}
	var indexes []string
	if err := db2.Raw(`SELECT name || ' ' || sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('events', 'runs') AND sql IS NOT NULL ORDER BY name`).Scan(&indexes).Error; err != nil {
		t.Fatal(err)
	}
	want := []string{
		"events_dedupe CREATE UNIQUE INDEX events_dedupe ON events (dedupe_key) WHERE dedupe_key IS NOT NULL",
		"runs_workflow CREATE INDEX runs_workflow ON runs (workflow, id)",
	}
	if strings.Join(indexes, "\n") != strings.Join(want, "\n") {
		t.Fatalf("indexes of events and runs after migration:\n%s\nwant:\n%s", strings.Join(indexes, "\n"), strings.Join(want, "\n"))
	}
}
