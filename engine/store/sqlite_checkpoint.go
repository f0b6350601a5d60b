package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// checkpointEvery is how often the checkpointer looks for new WAL
	// frames.
	checkpointEvery = 50 * time.Millisecond
	// writerCheckpointBytes is the writer's wal_autocheckpoint, in bytes of
	// log: four times SQLite's default of 1,000 pages of 4 KiB. The pragma
	// counts pages, so the writer divides by the file's page size.
	writerCheckpointBytes = 16 << 20
	// walSizeLimit is the size the log file is cut back to when it starts
	// over (journal_size_limit).
	walSizeLimit = 64 << 20
)

// checkpointer copies a SQLite file's write-ahead log into the database
// from a connection of its own, so that the writer's commits seldom wait
// for a checkpoint. Left to itself, SQLite runs a checkpoint inside
// whichever commit pushes the log past wal_autocheckpoint pages (every
// 4 MiB by default), and every request waiting on that commit waits for
// the copy and the disk.
//
// Its checkpoints are PASSIVE: they copy what no reader still needs and
// never block the writer. They alone cannot bound the log: SQLite starts
// the log over only when a write begins after a checkpoint copied all of
// it, and under steady writes new frames always arrive first. So the
// writer keeps an automatic checkpoint of its own, every 16 MiB
// (writerCheckpointBytes), which finds almost everything already copied,
// completes, and lets the next write start over; the file is then cut
// back to walSizeLimit.
type checkpointer struct {
	db      *sql.DB
	log     *slog.Logger
	commits atomic.Int64 // write transactions since the last checkpoint
	done    atomic.Int64 // checkpoints the loop ran
	stop    chan struct{}
	wg      sync.WaitGroup
	closed  sync.Once
}

// startCheckpointer opens path for checkpoints and starts the loop.
func startCheckpointer(path string, log *slog.Logger) (*checkpointer, error) {
	db, err := sql.Open("sqlite3", path+"?_busy_timeout=10000")
	if err != nil {
		return nil, fmt.Errorf("open checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	c := &checkpointer{db: db, log: log, stop: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c, nil
}

// committed tells the checkpointer that the writer committed.
func (c *checkpointer) committed() {
	if c != nil {
		c.commits.Add(1)
	}
}

func (c *checkpointer) loop() {
	defer c.wg.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		if c.commits.Swap(0) == 0 {
			continue
		}
		if _, _, err := c.checkpoint(context.Background()); err != nil {
			c.log.Warn("checkpoint the write-ahead log", "err", err)
		}
		c.done.Add(1)
	}
}

// checkpoint runs one PASSIVE checkpoint and returns the log's size and
// how much of it is now in the database, in pages.
func (c *checkpointer) checkpoint(ctx context.Context) (logPages, copied int, err error) {
	var busy int
	err = c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &copied)
	return logPages, copied, err
}

// close stops the loop and releases the connection; it may be called
// again.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	var err error
	c.closed.Do(func() {
		close(c.stop)
		c.wg.Wait()
		err = c.db.Close()
	})
	return err
}
