package actions

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

const (
	// SQLMaxOpenConns bounds the connections of one pool (one DSN).
	SQLMaxOpenConns = 8
	// SQLMaxPools bounds how many pools (distinct DSNs) stay open at once;
	// opening one more closes the least recently used idle pool.
	SQLMaxPools = 32
	// sqlDialTimeout bounds connecting over TCP when the DSN sets none.
	sqlDialTimeout = 10 * time.Second
	// sqlBusyTimeout is how long SQLite waits for a lock before SQLITE_BUSY.
	sqlBusyTimeout = "5000"
)

// sqlDialFunc opens a network connection; Deps.Dial has this type.
type sqlDialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// sqlTarget is one parsed connection: its dialect, what to open, and how
// to show it. The resolved DSN is the pool key; it is never printed.
type sqlTarget struct {
	dialect sqlDialect
	dsn     string // the DSN as given, never shown
	shown   string // the DSN with the password as ***
	secrets []string
}

// resolveConnection turns the connection parameter into a DSN: a value
// with "://" is a DSN itself, anything else a name from names.
func resolveConnection(conn string, names map[string]string) (string, error) {
	conn = strings.TrimSpace(conn)
	if conn == "" {
		return "", errors.New("connection is empty: give a name from hookflow.yaml's connections or a DSN")
	}
	if strings.Contains(conn, "://") {
		return conn, nil
	}
	if dsn, ok := names[conn]; ok && dsn != "" {
		return dsn, nil
	}
	known := make([]string, 0, len(names))
	for n := range names {
		known = append(known, n)
	}
	slices.Sort(known)
	if len(known) == 0 {
		return "", fmt.Errorf("connection %q is not a DSN and hookflow.yaml defines no connections", conn)
	}
	return "", fmt.Errorf("connection %q is not a DSN nor one of hookflow.yaml's connections (%s)", conn, strings.Join(known, ", "))
}

// parseSQLTarget parses a DSN. Errors never quote the DSN: it may hold a
// password.
func parseSQLTarget(dsn string) (*sqlTarget, error) {
	scheme, rest, _ := strings.Cut(dsn, "://")
	scheme = strings.ToLower(scheme)
	if scheme == "sqlite" || scheme == "sqlite3" {
		path, _, _ := strings.Cut(rest, "?")
		if path == "" {
			return nil, errors.New("connection sqlite:// names no file: want sqlite:///abs/path.db or sqlite://relative.db")
		}
		return &sqlTarget{dialect: sqliteDialect{}, dsn: dsn, shown: dsn}, nil
	}
	var d sqlDialect
	switch scheme {
	case "postgres", "postgresql":
		d = postgresDialect{}
	case "mysql", "mariadb":
		d = mysqlDialect{}
	default:
		return nil, fmt.Errorf("connection scheme %q is not supported: want sqlite://, postgres://, postgresql:// or mysql://", scheme)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("connection %s://… is not a valid URL (percent-encode special characters in the user and password, such as %%40 for @)", scheme)
	}
	t := &sqlTarget{dialect: d, dsn: dsn, shown: redactDSN(u)}
	if pw, ok := u.User.Password(); ok && pw != "" {
		t.secrets = append(t.secrets, pw, url.UserPassword(u.User.Username(), pw).String())
	}
	for k, vs := range u.Query() {
		if sensitiveDSNParam(k) {
			t.secrets = append(t.secrets, vs...)
		}
	}
	t.secrets = append(t.secrets, dsn)
	return t, nil
}

// sensitiveDSNParam reports whether a DSN query parameter holds a secret.
func sensitiveDSNParam(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "password") || strings.Contains(k, "passwd") || k == "sslkey" || strings.Contains(k, "secret")
}

// redactDSN prints u with the password, and query parameters that hold
// secrets, as ***.
func redactDSN(u *url.URL) string {
	c := *u
	password := false
	if c.User != nil {
		_, password = c.User.Password()
	}
	if password {
		c.User = url.User(c.User.Username())
	}
	if c.RawQuery != "" {
		parts := strings.Split(c.RawQuery, "&")
		for i, part := range parts {
			k, _, _ := strings.Cut(part, "=")
			if name, err := url.QueryUnescape(k); err == nil && sensitiveDSNParam(name) {
				parts[i] = k + "=***"
			}
		}
		c.RawQuery = strings.Join(parts, "&")
	}
	if !password {
		return c.String()
	}
	scheme, rest, _ := strings.Cut(c.String(), "://")
	user, host, _ := strings.Cut(rest, "@")
	return scheme + "://" + user + ":***@" + host
}

// scrub hides the target's secrets in a message from a driver.
func (t *sqlTarget) scrub(msg string) string {
	for _, s := range t.secrets {
		if len(s) >= 3 {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return msg
}

// sqlPool is one *sql.DB with its catalogue cache, shared by every step
// that uses the same DSN.
type sqlPool struct {
	target *sqlTarget
	db     *sql.DB

	// users and lastUsed are guarded by sqlPools.mu.
	users    int
	lastUsed time.Time

	catalog sqlCatalog
}

// sqlPools opens one pool per DSN lazily. When SQLMaxPools are open, a
// new one closes the least recently used idle pool; a pool in use is never
// closed under a step (so while every pool is busy, the bound is exceeded
// until one is released and evicted).
type sqlPools struct {
	dial sqlDialFunc
	log  *slog.Logger
	now  func() time.Time

	mu     sync.Mutex
	pools  map[string]*sqlPool
	closed bool
}

// errSQLClosed is returned once the action was closed (server shutdown); it
// is retryable, so the step runs again after the restart.
var errSQLClosed = errors.New("the sql action is closed (the server is shutting down)")

// acquire returns the pool for t, opening it when needed, and a release
// function the caller must call when done with it.
func (ps *sqlPools) acquire(t *sqlTarget) (*sqlPool, func(), error) {
	ps.mu.Lock()
	if ps.closed {
		ps.mu.Unlock()
		return nil, nil, errSQLClosed
	}
	p := ps.pools[t.dsn]
	var evicted *sqlPool
	if p == nil {
		db, err := openSQL(t, ps.dial, ps.log)
		if err != nil {
			ps.mu.Unlock()
			return nil, nil, err
		}
		p = &sqlPool{target: t, db: db, catalog: sqlCatalog{now: ps.now}}
		evicted = ps.evictLocked()
		ps.pools[t.dsn] = p
		ps.log.Debug("sql: pool opened", "connection", t.shown)
	}
	p.users++
	p.lastUsed = ps.now()
	ps.mu.Unlock()
	if evicted != nil {
		ps.closePool(evicted)
	}
	release := sync.OnceFunc(func() {
		ps.mu.Lock()
		p.users--
		p.lastUsed = ps.now()
		ps.mu.Unlock()
	})
	return p, release, nil
}

// evictLocked removes, and returns for closing, the least recently used
// idle pool when SQLMaxPools are open. With ps.mu held.
func (ps *sqlPools) evictLocked() *sqlPool {
	if len(ps.pools) < SQLMaxPools {
		return nil
	}
	var oldest *sqlPool
	for _, p := range ps.pools {
		if p.users == 0 && (oldest == nil || p.lastUsed.Before(oldest.lastUsed)) {
			oldest = p
		}
	}
	if oldest != nil {
		delete(ps.pools, oldest.target.dsn)
	}
	return oldest
}

func (ps *sqlPools) closePool(p *sqlPool) {
	if err := p.db.Close(); err != nil {
		ps.log.Warn("sql: close pool", "connection", p.target.shown, "err", p.target.scrub(err.Error()))
	}
}

// Close closes every pool; later acquires fail with errSQLClosed.
func (ps *sqlPools) Close() error {
	ps.mu.Lock()
	pools := ps.pools
	ps.pools, ps.closed = map[string]*sqlPool{}, true
	ps.mu.Unlock()
	var errs []error
	for _, p := range pools {
		if err := p.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close sql connection %s: %s", p.target.shown, p.target.scrub(err.Error())))
		}
	}
	return errors.Join(errs...)
}

// openSQL builds the *sql.DB for t. Nothing is dialled here: database/sql
// connects on first use, within the step's context.
func openSQL(t *sqlTarget, dial sqlDialFunc, log *slog.Logger) (*sql.DB, error) {
	var (
		db  *sql.DB
		err error
	)
	switch t.dialect.(type) {
	case sqliteDialect:
		db, err = openSQLite(t.dsn)
	case postgresDialect:
		db, err = openPostgres(t.dsn, dial)
	case mysqlDialect:
		db, err = openMySQL(t.dsn, dial, log)
	}
	if err != nil {
		return nil, fmt.Errorf("connection %s: %s", t.shown, t.scrub(err.Error()))
	}
	db.SetMaxOpenConns(SQLMaxOpenConns)
	db.SetMaxIdleConns(SQLMaxOpenConns / 2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	if _, rest, _ := strings.Cut(t.dsn, "://"); t.dialect == (sqliteDialect{}) && strings.HasPrefix(rest, ":memory:") {
		// Every connection to :memory: is its own database: keep one.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxIdleTime(0)
		db.SetConnMaxLifetime(0)
	}
	return db, nil
}

// openSQLite opens sqlite:///abs/path.db or sqlite://relative.db; query
// parameters go to the driver (github.com/mattn/go-sqlite3), with a busy
// timeout unless one is given.
func openSQLite(dsn string) (*sql.DB, error) {
	_, rest, _ := strings.Cut(dsn, "://")
	path, rawQuery, _ := strings.Cut(rest, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("query parameters: %w", err)
	}
	if !q.Has("_busy_timeout") && !q.Has("_timeout") {
		q.Set("_busy_timeout", sqlBusyTimeout)
	}
	return sql.Open("sqlite3", path+"?"+q.Encode())
}

// openPostgres opens a postgres:// DSN with pgx, dialling through dial.
func openPostgres(dsn string, dial sqlDialFunc) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = sqlDialTimeout
	}
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dial(ctx, network, addr)
	}
	return stdlib.OpenDB(*cfg), nil
}

// openMySQL opens mysql://user:pass@host:port/db?params with
// github.com/go-sql-driver/mysql, dialling through dial (the driver's
// Config.DialFunc, so no process-wide dialer is registered). parseTime and
// clientFoundRows default to true; interpolateParams and allowAllFiles are
// always off, so values travel bound and LOAD DATA LOCAL cannot read files.
func openMySQL(dsn string, dial sqlDialFunc, log *slog.Logger) (*sql.DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, errors.New("not a valid URL")
	}
	if u.Hostname() == "" {
		return nil, errors.New("the host is missing")
	}
	cfg, err := mysql.ParseDSN("tcp(127.0.0.1:3306)/?" + u.RawQuery)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	if !q.Has("parseTime") {
		cfg.ParseTime = true
	}
	if !q.Has("clientFoundRows") {
		cfg.ClientFoundRows = true
	}
	cfg.InterpolateParams, cfg.AllowAllFiles = false, false
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Addr = net.JoinHostPort(u.Hostname(), cmp.Or(u.Port(), "3306"))
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.Timeout == 0 {
		cfg.Timeout = sqlDialTimeout
	}
	cfg.DialFunc = func(ctx context.Context, _, addr string) (net.Conn, error) {
		return dial(ctx, "tcp", addr)
	}
	cfg.Logger = mysqlLogger{log}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

// mysqlLogger sends the MySQL driver's own messages to the actions' logger
// at debug level instead of standard error.
type mysqlLogger struct{ log *slog.Logger }

// Print logs v as one debug line.
func (l mysqlLogger) Print(v ...any) { l.log.Debug("sql: mysql driver", "msg", fmt.Sprint(v...)) }
