package store

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// sqliteDialect is SQLite through mattn/go-sqlite3 (cgo).
type sqliteDialect struct{}

func (sqliteDialect) blobType() string   { return "BLOB" }
func (sqliteDialect) serialType() string { return "INTEGER PRIMARY KEY" }
func (sqliteDialect) lockRows() string   { return "" }
func (sqliteDialect) castValues() bool   { return false }

func (sqliteDialect) claimSQL() string {
	return `UPDATE steps SET status = 'running', attempts = attempts + 1,
	lease_owner = $1, lease_until = $2, started_at = COALESCE(started_at, $3)
WHERE (run_id, step_id) IN (SELECT run_id, step_id FROM steps WHERE status = 'queued' AND run_at <= $3
	ORDER BY run_at LIMIT $4)
RETURNING run_id, step_id, phase, attempts, output, run_at`
}

// retryable is false: the one writer connection never deadlocks, and a
// busy database has already been waited for (busy_timeout).
func (sqliteDialect) retryable(error) bool { return false }

// lockMigrations needs nothing: migrations run in a BEGIN IMMEDIATE
// transaction, which excludes every other writer.
func (sqliteDialect) lockMigrations(*gorm.DB) error { return nil }

// sqliteParams are the writer's pragmas, in mattn's DSN syntax.
// synchronous=NORMAL in WAL mode survives a killed process, not a power
// loss. Foreign keys stay off (the schema declares none). The page cache
// is 16 MiB (writes mostly append; a bigger cache only grew the memory). The writer begins its transactions IMMEDIATE (added below) so
// that a second process gets SQLITE_BUSY, after busy_timeout, at BEGIN and
// never half-way through a transaction.
const sqliteParams = "_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_foreign_keys=0&_cache_size=-16384"

// openSQLite opens path with one writer connection and a read pool; an
// in-memory database gets a single connection for both.
func openSQLite(path string, opts Options) (*gormStore, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, errors.New("want sqlite://PATH with no ? or # in PATH")
	}
	s := &gormStore{d: sqliteDialect{}}
	if path == ":memory:" {
		w, err := openSQLitePool(":memory:?_txlock=immediate", 1, opts)
		if err != nil {
			return nil, err
		}
		s.w, s.r = w, w
		return s, nil
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create directory: %w", err)
		}
	}
	if err := createSQLiteFile(path); err != nil {
		return nil, err
	}
	w, err := openSQLitePool(path+"?"+sqliteParams+"&_txlock=immediate", 1, opts)
	if err != nil {
		return nil, err
	}
	pageSize, err := sqlitePageSizeOf(w)
	if err != nil {
		return nil, errors.Join(err, closeGorm(w))
	}
	// The checkpointer copies the log from its own connection, so the
	// writer's own checkpoints, rarer than SQLite's default, find little
	// left to copy; they are what lets the next write start the log over
	// (see checkpointer).
	if err := w.Exec(fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, writerCheckpointBytes/pageSize)).Error; err != nil {
		return nil, errors.Join(fmt.Errorf("set automatic checkpoints: %w", err), closeGorm(w))
	}
	if err := w.Exec(fmt.Sprintf(`PRAGMA journal_size_limit = %d`, walSizeLimit)).Error; err != nil {
		return nil, errors.Join(fmt.Errorf("set the log's size limit: %w", err), closeGorm(w))
	}
	s.ckpt, err = startCheckpointer(path, opts.Logger)
	if err != nil {
		return nil, errors.Join(err, closeGorm(w))
	}
	readers := opts.MaxConns
	if readers <= 0 {
		readers = 4
	}
	// Readers do not set journal_mode: the writer did, and it sticks to
	// the file.
	r, err := openSQLitePool(path+"?_busy_timeout=10000&_query_only=1&_cache_size=-8192", readers, opts)
	if err != nil {
		return nil, errors.Join(err, closeGorm(w), s.ckpt.close())
	}
	s.w, s.r = w, r
	return s, nil
}

// sqlitePageSize is the page size of a database file hookflow creates: 16
// KiB, not SQLite's 4 KiB. A commit writes each changed page to the log in
// a write call of its own, and a group commit of events, runs and their
// indexes touches about one page per event at 4 KiB: with 16 KiB pages it
// makes a third of the calls, for about 8% less CPU per accepted event
// and 14% more completed steps per second (BenchmarkEngineIngest,
// BenchmarkEngineFanout3). A file made before keeps its page size.
const sqlitePageSize = 16384

// createSQLiteFile makes the database file at path, when there is none or
// it is empty, with sqlitePageSize pages and in WAL mode. The page size of
// a file is fixed by its first write, which setting WAL mode is; the
// writer's connection could not set it, since its DSN turns WAL mode on as
// it connects.
func createSQLiteFile(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("look at %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", path+"?_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	_, err = db.Exec(fmt.Sprintf(`PRAGMA page_size = %d; PRAGMA journal_mode = WAL`, sqlitePageSize))
	if err := errors.Join(err, db.Close()); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return nil
}

// sqlitePageSizeOf reads the page size of the file db is open on.
func sqlitePageSizeOf(db *gorm.DB) (int, error) {
	var size int
	if err := db.Raw(`PRAGMA page_size`).Scan(&size).Error; err != nil {
		return 0, fmt.Errorf("read the page size: %w", err)
	}
	if size <= 0 {
		return 0, fmt.Errorf("read the page size: SQLite answered %d", size)
	}
	return size, nil
}

// openSQLitePool opens a gorm handle on at most n connections that never
// expire (an in-memory database lives as long as its connection).
func openSQLitePool(dsn string, n int, opts Options) (*gorm.DB, error) {
	g, err := gorm.Open(sqlite.Open(dsn), newGormConfig(opts))
	if err != nil {
		return nil, err
	}
	db, err := g.DB()
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return g, nil
}

// closeGorm closes the pool behind g.
func closeGorm(g *gorm.DB) error {
	db, err := g.DB()
	if err != nil {
		return err
	}
	return db.Close()
}
