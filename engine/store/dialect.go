package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// dialect holds what differs between SQLite and PostgreSQL. Everything
// else is one set of statements: numbered placeholders, CAST, RETURNING,
// ON CONFLICT DO NOTHING, UPDATE … FROM and partial indexes exist in both.
type dialect interface {
	// blobType and serialType fill the schema's {{blob}} and {{serial}}.
	blobType() string
	serialType() string
	// castValues reports whether VALUES rows need their types cast.
	castValues() bool
	// lockRows is appended to a SELECT that reads rows the transaction is
	// about to change (" FOR UPDATE", or "" where the single writer already
	// serializes everything).
	lockRows() string
	// claimSQL leases queued steps: $1 owner, $2 lease end, $3 now,
	// $4 limit; it returns run_id, step_id, phase, attempts, output, run_at.
	claimSQL() string
	// retryable reports whether a transaction that failed with err may
	// succeed when run again (deadlock, serialization failure).
	retryable(err error) bool
	// lockMigrations serializes migrations between nodes.
	lockMigrations(tx *gorm.DB) error
}

// newGormConfig returns the gorm settings both dialects share.
func newGormConfig(opts Options) *gorm.Config {
	return &gorm.Config{
		SkipDefaultTransaction: true,
		DisableAutomaticPing:   true,
		Logger:                 gormLogger{log: opts.Logger, slow: opts.SlowQuery},
		NowFunc:                opts.Now,
	}
}

// gormLogger sends gorm's messages to slog. It reports slow statements by
// duration and caller only: the SQL text with its values could hold
// secrets from event bodies.
type gormLogger struct {
	log  *slog.Logger
	slow time.Duration
}

// LogMode implements logger.Interface; the level is slog's business.
func (l gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }

// Info implements logger.Interface.
func (l gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.InfoContext(ctx, fmt.Sprintf(msg, args...))
}

// Warn implements logger.Interface.
func (l gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(msg, args...))
}

// Error implements logger.Interface.
func (l gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, fmt.Sprintf(msg, args...))
}

// Trace implements logger.Interface: it logs statements slower than the
// threshold.
func (l gormLogger) Trace(ctx context.Context, begin time.Time, _ func() (string, int64), _ error) {
	if d := time.Since(begin); d > l.slow {
		l.log.WarnContext(ctx, "slow database statement", "duration", d)
	}
}
