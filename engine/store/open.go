package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Options tunes a store opened with Open. The zero value is ready to use.
type Options struct {
	// Logger receives warnings about slow statements and transactions,
	// rescues and migrations; nil discards them. SQL text and values are
	// never logged: they may hold secrets.
	Logger *slog.Logger
	// Now is the clock used when a params struct leaves Now zero, and by
	// methods that take no time (RunCancel, VersionSave); nil: time.Now.
	Now func() time.Time
	// MaxConns bounds the PostgreSQL pool and the SQLite read pool; 0 picks
	// a default (16 for PostgreSQL, 4 SQLite readers).
	MaxConns int
	// SlowQuery is the duration above which a statement or a write
	// transaction is logged as slow; 0 means 500ms.
	SlowQuery time.Duration
}

// gormStore is the gorm implementation of Store for SQLite and PostgreSQL.
// All writes go through w; reads go through r (a separate pool on SQLite,
// the same pool on PostgreSQL).
type gormStore struct {
	w, r *gorm.DB
	d    dialect
	now  func() time.Time
	log  *slog.Logger
	slow time.Duration
	// ps are the SQLite writer's prepared hot-path statements; nil on
	// PostgreSQL.
	ps *sqliteStmts
	// ckpt checkpoints a SQLite file's log; nil otherwise.
	ckpt *checkpointer
}

var _ Store = (*gormStore)(nil)

// Open opens (and migrates) the database named by dsn:
//
//	sqlite://relative/path.db    a file relative to the working directory
//	sqlite:///abs/path.db        an absolute path
//	sqlite://:memory:            a private in-memory database (tests)
//	postgres://user@host/db?…    PostgreSQL (postgresql:// too), through pgx
//
// A SQLite file's directory is created when missing. The schema is created
// or brought up to date at Open, in one transaction.
//
// SQLite runs in WAL mode with synchronous=NORMAL, a busy timeout, one writer
// connection (every write goes through it, so writes never contend) and a
// separate pool of read-only connections. synchronous=NORMAL means a commit
// survives the process being killed (kill -9) but the last commits before a
// power loss or OS crash may be lost; that is the guarantee hookflow makes.
//
// PostgreSQL claims jobs with FOR UPDATE SKIP LOCKED and locks runs in id
// order before changing their steps, so several nodes may share one
// database. The database is pinged: an unreachable one is an error here.
func Open(ctx context.Context, dsn string, opts Options) (Store, error) {
	s, err := open(ctx, dsn, opts)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redactDSN(dsn), err)
	}
	return s, nil
}

// open is Open without the error's context.
func open(ctx context.Context, dsn string, opts Options) (*gormStore, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SlowQuery <= 0 {
		opts.SlowQuery = 500 * time.Millisecond
	}
	var (
		s   *gormStore
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		s, err = openSQLite(strings.TrimPrefix(dsn, "sqlite://"), opts)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s, err = openPostgres(dsn, opts)
	default:
		return nil, errors.New("unknown scheme: want sqlite:// or postgres://")
	}
	if err != nil {
		return nil, err
	}
	s.now, s.log, s.slow = opts.Now, opts.Logger, opts.SlowQuery
	if err := s.Ping(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	if err := s.migrate(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	if _, ok := s.d.(sqliteDialect); ok {
		db, err := s.w.DB()
		if err == nil {
			s.ps, err = prepareSQLiteStmts(ctx, db)
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("prepare statements: %w", err), s.Close())
		}
	}
	return s, nil
}

// redactDSN hides the password of a URL-shaped DSN, in the userinfo or in a
// password query parameter.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		scheme, _, _ := strings.Cut(dsn, "://")
		return scheme + "://(unparsable)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// Ping checks that the database answers.
func (s *gormStore) Ping(ctx context.Context) error {
	for _, g := range s.pools() {
		db, err := g.DB()
		if err != nil {
			return fmt.Errorf("ping database: %w", err)
		}
		if err := db.PingContext(ctx); err != nil {
			return fmt.Errorf("ping database: %w", err)
		}
	}
	return nil
}

// Close releases the database.
func (s *gormStore) Close() error {
	var errs []error
	if err := s.ckpt.close(); err != nil {
		errs = append(errs, fmt.Errorf("close checkpointer: %w", err))
	}
	if err := s.ps.close(); err != nil {
		errs = append(errs, fmt.Errorf("close statements: %w", err))
	}
	s.ps = nil
	for _, g := range s.pools() {
		db, err := g.DB()
		if err == nil {
			err = db.Close()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
	}
	return errors.Join(errs...)
}

// pools returns the distinct connection pools.
func (s *gormStore) pools() []*gorm.DB {
	if s.r == s.w {
		return []*gorm.DB{s.w}
	}
	return []*gorm.DB{s.w, s.r}
}

// nowOr returns t, or the store's clock when t is zero.
func (s *gormStore) nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return s.now()
	}
	return t
}

// defaultLease is used when a params struct leaves Lease zero.
const defaultLease = 30 * time.Second

func leaseOr(d time.Duration) time.Duration {
	if d <= 0 {
		return defaultLease
	}
	return d
}

// write runs fn in one write transaction, again when the database reports a
// deadlock or serialization failure (PostgreSQL). fn must not leak state
// from a failed try: it is called afresh each time. A transaction slower
// than Options.SlowQuery is logged (by duration only).
func (s *gormStore) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	const tries = 8
	start := time.Now()
	for i := 0; ; i++ {
		err := s.w.WithContext(ctx).Transaction(fn)
		if err == nil {
			s.ckpt.committed()
		}
		if err == nil || i == tries-1 || !s.d.retryable(err) || ctx.Err() != nil {
			if d := time.Since(start); d > s.slow {
				s.log.WarnContext(ctx, "slow database transaction", "duration", d, "tries", i+1)
			}
			return err
		}
		s.log.DebugContext(ctx, "retrying transaction", "try", i+1, "err", err)
	}
}
