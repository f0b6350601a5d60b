// Command baseline is the comparison point of `make bench`: a bare fiber +
// gorm + SQLite server that stores each request body durably and answers
// 202, with nothing else. Concurrent requests share one transaction (group
// commit: one writer goroutine, up to -batch bodies or what arrives within
// -linger), and SQLite runs with the settings of hookflow's store (WAL,
// synchronous=NORMAL, one writer connection).
//
// With -fanout URL, each committed body is then POSTed to URL/a, URL/b and
// URL/c by a worker pool with one keep-alive client.
//
//	POST /hooks/*   store the body; 202 {"id": "<n>"} after the commit
//	GET  /healthz   200 when the database answers
//	GET  /stats     events, batches, deliveries and failed deliveries
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// sqliteParams are hookflow's writer settings (engine/store/sqlite.go).
const sqliteParams = "_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_foreign_keys=0&_cache_size=-16384&_txlock=immediate"

// pageSize is the page size hookflow gives the database files it creates
// (sqlitePageSize in engine/store/sqlite.go).
const pageSize = 16384

// config is the command line.
type config struct {
	addr    string
	db      string
	batch   int
	linger  time.Duration
	fanout  string
	secret  string
	workers int
}

func main() {
	if err := run(parseFlags()); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func parseFlags() config {
	var c config
	flag.StringVar(&c.addr, "addr", "127.0.0.1:8090", "address to listen on")
	flag.StringVar(&c.db, "db", "baseline.db", "SQLite file")
	flag.IntVar(&c.batch, "batch", 256, "most bodies in one transaction")
	flag.DurationVar(&c.linger, "linger", time.Millisecond, "how long a transaction waits for more bodies after its first (0: take only those already waiting)")
	flag.StringVar(&c.fanout, "fanout", "", "after the commit, POST each body to this URL + /a, /b and /c")
	flag.StringVar(&c.secret, "secret", "", "sign fan-out POSTs with X-Signature (hex HMAC-SHA256 of the body)")
	flag.IntVar(&c.workers, "workers", 64, "fan-out workers (and connections)")
	flag.Parse()
	return c
}

// run serves until SIGTERM or SIGINT.
func run(c config) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	db, err := openDB(c.db)
	if err != nil {
		return err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer sqlDB.Close()
	// The writer outlives the HTTP server so that requests in hand finish.
	comCtx, comStop := context.WithCancel(context.Background())
	defer comStop()
	com := newCommitter(db, c.batch, c.linger)
	go com.run(comCtx)
	var fo *fanout
	if c.fanout != "" {
		fo = newFanout(c.fanout, c.secret, c.workers, 1<<18)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute})
	app.Post("/hooks/*", ingest(com, fo))
	app.Get("/healthz", func(fc *fiber.Ctx) error { return healthz(fc, sqlDB.PingContext) })
	app.Get("/stats", func(fc *fiber.Ctx) error { return stats(fc, com, fo) })
	errc := make(chan error, 1)
	go func() { errc <- app.Listen(c.addr) }()
	select {
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	case <-ctx.Done():
	}
	return errors.Join(app.ShutdownWithTimeout(5*time.Second), closeFanout(fo))
}

// openDB opens path with hookflow's SQLite settings, one connection, and
// creates the events table.
func openDB(path string) (*gorm.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	if err := createFile(path); err != nil {
		return nil, err
	}
	db, err := gorm.Open(sqlite.Open(path+"?"+sqliteParams), &gorm.Config{
		Logger: logger.Discard, SkipDefaultTransaction: true,
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetConnMaxLifetime(0)
	if err := db.AutoMigrate(&event{}); err != nil {
		return nil, fmt.Errorf("create events table: %w", err)
	}
	return db, nil
}

// createFile makes a new database file with hookflow's page size, as
// hookflow's store does: the first write fixes it, and the DSN's WAL mode
// would be that write.
func createFile(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return nil
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	_, err = db.Exec(fmt.Sprintf(`PRAGMA page_size = %d; PRAGMA journal_mode = WAL`, pageSize))
	if err := errors.Join(err, db.Close()); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	return nil
}

// ingest stores the body, answers 202 after the commit, then hands the
// body to the fan-out pool when there is one.
func ingest(com *committer, fo *fanout) fiber.Handler {
	return func(c *fiber.Ctx) error {
		body := append([]byte(nil), c.Body()...) // fiber reuses its buffer
		id, err := com.Submit(c.UserContext(), body)
		if err != nil {
			c.Set(fiber.HeaderRetryAfter, "1")
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"error": "storage unavailable"})
		}
		if fo != nil {
			if err := fo.Enqueue(c.UserContext(), body); err != nil {
				return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"error": "fan-out queue closed"})
			}
		}
		c.Status(fiber.StatusAccepted)
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.SendString(`{"id":"` + strconv.FormatInt(id, 10) + `"}`)
	}
}

// healthz answers 200 when the database answers.
func healthz(c *fiber.Ctx, ping func(context.Context) error) error {
	if err := ping(c.UserContext()); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"error": "storage unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

// stats answers the counters.
func stats(c *fiber.Ctx, com *committer, fo *fanout) error {
	m := fiber.Map{"events": com.events.Load(), "batches": com.batches.Load()}
	if fo != nil {
		m["deliveries"], m["failed_deliveries"] = fo.delivered.Load(), fo.failed.Load()
	}
	return c.JSON(m)
}

func closeFanout(fo *fanout) error {
	if fo != nil {
		fo.Close()
	}
	return nil
}
