package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// event is one stored request body.
type event struct {
	ID         int64 `gorm:"primaryKey"`
	ReceivedAt int64 `gorm:"not null"`
	Body       []byte
}

// pending is a body waiting for its commit.
type pending struct {
	body []byte
	at   int64
	id   int64
	err  error
	done chan struct{}
}

// committer is group commit: one writer goroutine puts every body waiting
// (up to max, or what arrives within linger of the first) into one
// transaction, then wakes all their callers.
type committer struct {
	db      *gorm.DB
	in      chan *pending
	max     int
	linger  time.Duration
	batches atomic.Int64
	events  atomic.Int64
}

// newCommitter returns a committer on db; run must be running for Submit
// to return.
func newCommitter(db *gorm.DB, max int, linger time.Duration) *committer {
	return &committer{db: db, in: make(chan *pending, 4*max), max: max, linger: linger}
}

// Submit stores body and returns its id once the transaction that holds
// it has committed.
func (c *committer) Submit(ctx context.Context, body []byte) (int64, error) {
	p := &pending{body: body, at: time.Now().UnixNano(), done: make(chan struct{})}
	select {
	case c.in <- p:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	<-p.done
	return p.id, p.err
}

// run commits batches until ctx ends.
func (c *committer) run(ctx context.Context) {
	batch := make([]*pending, 0, c.max)
	rows := make([]event, 0, c.max)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-c.in:
			batch = c.gather(append(batch[:0], p), timer)
			rows = c.commit(batch, rows[:0])
		}
	}
}

// gather adds to batch what arrives until it is full or linger has passed
// since its first body; with linger 0 it takes only what is already
// waiting.
func (c *committer) gather(batch []*pending, timer *time.Timer) []*pending {
	if c.linger <= 0 {
		for len(batch) < c.max {
			select {
			case p := <-c.in:
				batch = append(batch, p)
			default:
				return batch
			}
		}
		return batch
	}
	timer.Reset(c.linger)
	defer timer.Stop()
	for len(batch) < c.max {
		select {
		case p := <-c.in:
			batch = append(batch, p)
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// commit inserts batch in one transaction and wakes its callers.
func (c *committer) commit(batch []*pending, rows []event) []event {
	for _, p := range batch {
		rows = append(rows, event{ReceivedAt: p.at, Body: p.body})
	}
	err := c.db.Transaction(func(tx *gorm.DB) error { return tx.Create(&rows).Error })
	if err != nil {
		err = fmt.Errorf("store %d events: %w", len(batch), err)
	}
	c.batches.Add(1)
	if err == nil {
		c.events.Add(int64(len(batch)))
	}
	for i, p := range batch {
		p.id, p.err = rows[i].ID, err
		close(p.done)
	}
	return rows
}
