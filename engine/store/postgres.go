package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// postgresDialect is PostgreSQL through pgx. Several nodes may share the
// database: claims skip rows another transaction has locked, and
// completions lock their runs in id order before touching steps.
type postgresDialect struct{}

func (postgresDialect) blobType() string   { return "BYTEA" }
func (postgresDialect) serialType() string { return "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" }
func (postgresDialect) lockRows() string   { return " FOR UPDATE" }
func (postgresDialect) castValues() bool   { return true }

func (postgresDialect) claimSQL() string {
	return `WITH c AS (SELECT run_id, step_id FROM steps WHERE status = 'queued' AND run_at <= $3
	ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED)
UPDATE steps s SET status = 'running', attempts = s.attempts + 1,
	lease_owner = $1, lease_until = $2, started_at = COALESCE(s.started_at, $3)
FROM c WHERE s.run_id = c.run_id AND s.step_id = c.step_id
RETURNING s.run_id, s.step_id, s.phase, s.attempts, s.output, s.run_at`
}

// retryable is true for deadlocks (40P01) and serialization failures
// (40001): PostgreSQL rolled the transaction back and it may be run again.
func (postgresDialect) retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// lockMigrations takes a transaction-scoped advisory lock on the schema, so that nodes
// starting together migrate one after the other.
func (postgresDialect) lockMigrations(tx *gorm.DB) error {
	return tx.Exec(`SELECT pg_advisory_xact_lock(72319, hashtext(current_schema()))`).Error
}

// openPostgres opens a pool of at most opts.MaxConns connections.
//
// Each connection sets random_page_cost to 1.1 (unless the DSN sets it):
// the batched statements join a VALUES list of a few hundred rows to steps
// or runs, and with the default of 4, meant for spinning disks, PostgreSQL
// prefers scanning and hashing a table of a hundred thousand rows to a few
// hundred primary-key lookups, ten times slower. 1.1 is the usual setting
// for SSDs and cached data.
func openPostgres(dsn string, opts Options) (*gormStore, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	var connOpts []stdlib.OptionOpenDB
	if _, set := cfg.RuntimeParams["random_page_cost"]; !set {
		connOpts = append(connOpts, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, "SET random_page_cost = 1.1")
			return err
		}))
	}
	db := stdlib.OpenDB(*cfg, connOpts...)
	g, err := gorm.Open(postgres.New(postgres.Config{Conn: db}), newGormConfig(opts))
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	n := opts.MaxConns
	if n <= 0 {
		n = 16
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	return &gormStore{w: g, r: g, d: postgresDialect{}}, nil
}
