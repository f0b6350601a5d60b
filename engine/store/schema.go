package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// The schema. Times are Unix microseconds in BIGINT columns in both
// dialects, so that comparisons are integer comparisons and one set of
// statements serves both; flags are 0/1 integers for the same reason. JSON
// is stored as text. There are no foreign keys: rows are only ever written
// by this package, in transactions that keep them consistent, and the
// checks would cost on every insert of the hot path.
//
// steps is also the job queue: the partial index steps_queued serves
// claims (status 'queued', oldest run_at first) and steps_leased serves
// lease rescue and extension, so finished steps, the bulk of the table,
// are in neither. A step has a lease_until exactly while it is running;
// steps_leased says "lease_until IS NOT NULL" rather than "status =
// 'running'" so that PostgreSQL does not take it for a way into the
// batched UPDATE … FROM joins (which filter on status = 'running' but are
// best served by the primary key) when many steps are running.
//
// deliveries is the subscriptions' job queue: deliveries_due serves
// claims (per subscription, oldest run_at first, only what is pending and
// not leased) and deliveries_leased lease extension and rescue, in the
// same way as the steps' indexes.
//
// {{blob}} and {{serial}} are replaced per dialect.
const schemaV1 = `
CREATE TABLE IF NOT EXISTS events (
	id          TEXT PRIMARY KEY,
	type        TEXT NOT NULL,
	method      TEXT NOT NULL DEFAULT '',
	path        TEXT NOT NULL DEFAULT '',
	headers     TEXT,
	query       TEXT,
	body        TEXT,
	raw         {{blob}},
	received_at BIGINT NOT NULL,
	dedupe_key  TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS runs (
	id          TEXT PRIMARY KEY,
	event_id    TEXT NOT NULL,
	workflow    TEXT NOT NULL,
	version     INTEGER NOT NULL,
	status      TEXT NOT NULL,
	phase       INTEGER NOT NULL DEFAULT 0,
	pending     INTEGER NOT NULL DEFAULT 0,
	on_error    INTEGER NOT NULL DEFAULT 0,
	failed      INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	replay_of   TEXT NOT NULL DEFAULT '',
	created_at  BIGINT NOT NULL,
	started_at  BIGINT,
	finished_at BIGINT,
	UNIQUE (event_id, workflow, replay_of)
);
CREATE INDEX IF NOT EXISTS runs_created ON runs (created_at, id);
CREATE INDEX IF NOT EXISTS runs_event ON runs (event_id);
CREATE INDEX IF NOT EXISTS events_received ON events (received_at, id);
CREATE INDEX IF NOT EXISTS runs_workflow ON runs (workflow, created_at, id);
CREATE TABLE IF NOT EXISTS steps (
	run_id      TEXT NOT NULL,
	step_id     TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	phase       INTEGER NOT NULL,
	status      TEXT NOT NULL,
	waiting     INTEGER NOT NULL,
	blocked     INTEGER NOT NULL DEFAULT 0,
	dependents  TEXT NOT NULL DEFAULT '[]',
	output      TEXT,
	error       TEXT NOT NULL DEFAULT '',
	attempts    INTEGER NOT NULL DEFAULT 0,
	run_at      BIGINT NOT NULL,
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT,
	started_at  BIGINT,
	finished_at BIGINT,
	PRIMARY KEY (run_id, step_id)
);
CREATE INDEX IF NOT EXISTS steps_queued ON steps (run_at) WHERE status = 'queued';
CREATE INDEX IF NOT EXISTS steps_leased ON steps (lease_until) WHERE lease_until IS NOT NULL;
CREATE TABLE IF NOT EXISTS attempts (
	id          {{serial}},
	run_id      TEXT NOT NULL,
	step_id     TEXT NOT NULL,
	item        INTEGER NOT NULL,
	attempt     INTEGER NOT NULL,
	started_at  BIGINT NOT NULL,
	duration_ms BIGINT NOT NULL,
	error       TEXT NOT NULL DEFAULT '',
	exchanges   TEXT
);
CREATE INDEX IF NOT EXISTS attempts_run ON attempts (run_id, id);
CREATE TABLE IF NOT EXISTS workflow_versions (
	workflow    TEXT NOT NULL,
	version     INTEGER NOT NULL,
	source      TEXT NOT NULL,
	sha256      TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	PRIMARY KEY (workflow, version)
);
CREATE TABLE IF NOT EXISTS kv (
	namespace   TEXT NOT NULL,
	key         TEXT NOT NULL,
	value       TEXT NOT NULL,
	expires_at  BIGINT,
	updated_at  BIGINT NOT NULL,
	PRIMARY KEY (namespace, key)
);
CREATE TABLE IF NOT EXISTS subscriptions (
	id              TEXT PRIMARY KEY,
	name            TEXT NOT NULL,
	url             TEXT NOT NULL,
	method          TEXT NOT NULL,
	content_type    TEXT NOT NULL,
	max_attempts    INTEGER NOT NULL,
	active          INTEGER NOT NULL,
	secret          TEXT NOT NULL DEFAULT '',
	events          TEXT NOT NULL,
	description     TEXT NOT NULL DEFAULT '',
	headers         TEXT,
	rate_limit      DOUBLE PRECISION NOT NULL DEFAULT 0,
	disabled_reason TEXT NOT NULL DEFAULT '',
	disabled_at     BIGINT,
	failing_since   BIGINT,
	notice_pending  INTEGER NOT NULL DEFAULT 0,
	version         INTEGER NOT NULL DEFAULT 1,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS subscriptions_created ON subscriptions (created_at, id);
CREATE TABLE IF NOT EXISTS deliveries (
	id              TEXT PRIMARY KEY,
	subscription_id TEXT NOT NULL,
	event_id        TEXT NOT NULL,
	event_type      TEXT NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	series          INTEGER NOT NULL DEFAULT 1,
	series_base     INTEGER NOT NULL DEFAULT 0,
	run_at          BIGINT NOT NULL,
	lease_owner     TEXT NOT NULL DEFAULT '',
	lease_until     BIGINT,
	last_status     INTEGER NOT NULL DEFAULT 0,
	error           TEXT NOT NULL DEFAULT '',
	created_at      BIGINT NOT NULL,
	finished_at     BIGINT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (subscription_id, run_at) WHERE status = 'pending' AND lease_until IS NULL;
CREATE INDEX IF NOT EXISTS deliveries_leased ON deliveries (lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_subscription ON deliveries (subscription_id, created_at, id);
CREATE INDEX IF NOT EXISTS deliveries_created ON deliveries (created_at);
CREATE TABLE IF NOT EXISTS delivery_attempts (
	id          {{serial}},
	delivery_id TEXT NOT NULL,
	attempt     INTEGER NOT NULL,
	series      INTEGER NOT NULL,
	started_at  BIGINT NOT NULL,
	duration_ms BIGINT NOT NULL,
	status      INTEGER NOT NULL DEFAULT 0,
	response    {{blob}},
	error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
CREATE TABLE IF NOT EXISTS event_types (
	name        TEXT PRIMARY KEY,
	first_seen  BIGINT NOT NULL
)`

// schemaV2 lets an event keep its body only once: body_in_raw = 1 says
// that body is NULL and the body is raw decoded as JSON.
const schemaV2 = `ALTER TABLE events ADD COLUMN body_in_raw INTEGER NOT NULL DEFAULT 0`

// Migration 3 makes the hot path's inserts touch fewer B-trees: the
// events' dedupe index holds only the events that have a key (a partial
// unique index instead of a UNIQUE column, which indexed every NULL);
// runs_event goes, since the unique (event_id, workflow, replay_of) index
// serves the same look-ups; and on SQLite steps becomes a WITHOUT ROWID
// table clustered on its primary key, one B-tree instead of a table and
// an index. SQLite can change neither a column constraint nor a table's
// kind in place, so it copies both tables.
const schemaV3SQLite = `
CREATE TABLE steps_v3 (
	run_id      TEXT NOT NULL,
	step_id     TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	phase       INTEGER NOT NULL,
	status      TEXT NOT NULL,
	waiting     INTEGER NOT NULL,
	blocked     INTEGER NOT NULL DEFAULT 0,
	dependents  TEXT NOT NULL DEFAULT '[]',
	output      TEXT,
	error       TEXT NOT NULL DEFAULT '',
	attempts    INTEGER NOT NULL DEFAULT 0,
	run_at      BIGINT NOT NULL,
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT,
	started_at  BIGINT,
	finished_at BIGINT,
	PRIMARY KEY (run_id, step_id)
) WITHOUT ROWID;
INSERT INTO steps_v3 SELECT run_id, step_id, seq, phase, status, waiting, blocked, dependents, output, error,
	attempts, run_at, lease_owner, lease_until, started_at, finished_at FROM steps;
DROP TABLE steps;
ALTER TABLE steps_v3 RENAME TO steps;
CREATE INDEX steps_queued ON steps (run_at) WHERE status = 'queued';
CREATE INDEX steps_leased ON steps (lease_until) WHERE lease_until IS NOT NULL;
CREATE TABLE events_v3 (
	id          TEXT PRIMARY KEY,
	type        TEXT NOT NULL,
	method      TEXT NOT NULL DEFAULT '',
	path        TEXT NOT NULL DEFAULT '',
	headers     TEXT,
	query       TEXT,
	body        TEXT,
	raw         BLOB,
	received_at BIGINT NOT NULL,
	dedupe_key  TEXT,
	body_in_raw INTEGER NOT NULL DEFAULT 0
);
INSERT INTO events_v3 SELECT id, type, method, path, headers, query, body, raw, received_at, dedupe_key, body_in_raw FROM events;
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_received ON events (received_at, id);
CREATE UNIQUE INDEX events_dedupe ON events (dedupe_key) WHERE dedupe_key IS NOT NULL;
DROP INDEX runs_event`

// schemaV3Postgres is migration 3 on PostgreSQL (see schemaV3SQLite).
const schemaV3Postgres = `
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_dedupe_key_key;
CREATE UNIQUE INDEX IF NOT EXISTS events_dedupe ON events (dedupe_key) WHERE dedupe_key IS NOT NULL;
DROP INDEX IF EXISTS runs_event`

// schemaV4 lets a run finished at Accept keep its steps in its own row,
// as JSON (compactStep), instead of a steps row each.
const schemaV4 = `ALTER TABLE runs ADD COLUMN steps TEXT`

// Migration 5 takes the time indexes off the hot path: events and runs
// are listed, paged and pruned by their ids, which sort as their times
// (see Store), so events_received and runs_created go and runs_workflow
// becomes (workflow, id). On SQLite runs also becomes a WITHOUT ROWID table
// clustered on its id, one B-tree instead of a table and an index. Each
// B-tree an Accept writes costs about as much as its bytes: a group
// commit rewrites its right-most page, and the checkpoint copies it again.
const schemaV5SQLite = `
CREATE TABLE runs_v5 (
	id          TEXT PRIMARY KEY,
	event_id    TEXT NOT NULL,
	workflow    TEXT NOT NULL,
	version     INTEGER NOT NULL,
	status      TEXT NOT NULL,
	phase       INTEGER NOT NULL DEFAULT 0,
	pending     INTEGER NOT NULL DEFAULT 0,
	on_error    INTEGER NOT NULL DEFAULT 0,
	failed      INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	replay_of   TEXT NOT NULL DEFAULT '',
	created_at  BIGINT NOT NULL,
	started_at  BIGINT,
	finished_at BIGINT,
	steps       TEXT,
	UNIQUE (event_id, workflow, replay_of)
) WITHOUT ROWID;
INSERT INTO runs_v5 SELECT id, event_id, workflow, version, status, phase, pending, on_error, failed, error,
	replay_of, created_at, started_at, finished_at, steps FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v5 RENAME TO runs;
CREATE INDEX runs_workflow ON runs (workflow, id);
DROP INDEX events_received`

// schemaV5Postgres is migration 5 on PostgreSQL (see schemaV5SQLite).
const schemaV5Postgres = `
DROP INDEX IF EXISTS runs_created;
DROP INDEX IF EXISTS events_received;
DROP INDEX IF EXISTS runs_workflow;
CREATE INDEX runs_workflow ON runs (workflow, id)`

// migrations are applied in order; hookflow_schema remembers how many were.
// Append, never edit.
func migrations(d dialect) []string {
	r := strings.NewReplacer("{{blob}}", d.blobType(), "{{serial}}", d.serialType())
	v3, v5 := schemaV3Postgres, schemaV5Postgres
	if _, ok := d.(sqliteDialect); ok {
		v3, v5 = schemaV3SQLite, schemaV5SQLite
	}
	return []string{r.Replace(schemaV1), schemaV2, v3, schemaV4, v5}
}

// migrate brings the schema up to date in one transaction, serialized
// between nodes on PostgreSQL.
func (s *gormStore) migrate(ctx context.Context) error {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.d.lockMigrations(tx); err != nil {
			return err
		}
		if err := tx.Exec(`CREATE TABLE IF NOT EXISTS hookflow_schema (version INTEGER NOT NULL)`).Error; err != nil {
			return err
		}
		var have int
		if err := tx.Raw(`SELECT COALESCE(MAX(version), 0) FROM hookflow_schema`).Scan(&have).Error; err != nil {
			return err
		}
		ms := migrations(s.d)
		for v := have; v < len(ms); v++ {
			for _, stmt := range strings.Split(ms[v], ";\n") {
				if err := tx.Exec(stmt).Error; err != nil {
					return fmt.Errorf("migration %d: %w", v+1, err)
				}
			}
		}
		if have >= len(ms) {
			return nil
		}
		s.log.InfoContext(ctx, "database migrated", "from", have, "to", len(ms))
		if err := tx.Exec(`DELETE FROM hookflow_schema`).Error; err != nil {
			return err
		}
		return newQuery(`INSERT INTO hookflow_schema (version) VALUES ($1)`, len(ms)).execErr(tx)
	})
	if err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return nil
}
