package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/triggers/webhook"
	"github.com/valyala/fasthttp"
)

// inspectorCap bounds how many inbound requests the inspector keeps, and
// inspectorBytes how many body bytes (bodies are the bulk of an entry).
const (
	inspectorCap   = 10000
	inspectorBytes = 16 << 20
)

// inspected is one inspector entry.
type inspected struct {
	ID int64 `json:"id"`
	webhook.Record
}

// inspector keeps the latest inbound requests, rejected ones included, for
// a bounded time, count and size, and streams new ones to followers. It is a
// fixed ring: adding never copies what is kept. It lives in memory, so a
// restart starts it empty.
type inspector struct {
	mu        sync.Mutex
	ring      []inspected // ring[(head+i)%cap] for i < n, oldest first
	head, n   int
	bytes     int
	seq       int64
	followers map[chan inspected]struct{}
	maxAge    time.Duration
	now       func() time.Time
}

func newInspector(maxAge time.Duration) *inspector {
	return &inspector{ring: make([]inspected, inspectorCap), followers: map[chan inspected]struct{}{}, maxAge: maxAge, now: time.Now}
}

// at returns the i-th oldest entry.
func (in *inspector) at(i int) *inspected { return &in.ring[(in.head+i)%len(in.ring)] }

// dropOldest forgets the oldest entry.
func (in *inspector) dropOldest() {
	old := in.at(0)
	in.bytes -= len(old.Body)
	*old = inspected{}
	in.head = (in.head + 1) % len(in.ring)
	in.n--
}

// add records a request and hands it to every follower; a follower too slow
// to keep up misses entries rather than slowing the webhook down.
func (in *inspector) add(r webhook.Record) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.seq++
	e := inspected{ID: in.seq, Record: r}
	for in.n > 0 && (in.n == len(in.ring) || in.bytes+len(r.Body) > inspectorBytes) {
		in.dropOldest()
	}
	*in.at(in.n) = e
	in.n++
	in.bytes += len(r.Body)
	for ch := range in.followers {
		select {
		case ch <- e:
		default:
		}
	}
}

// prune drops entries older than the retention.
func (in *inspector) prune() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	cut := in.now().Add(-in.maxAge)
	dropped := 0
	for in.n > 0 && in.at(0).At.Before(cut) {
		in.dropOldest()
		dropped++
	}
	return dropped
}

// list returns up to limit entries older than cursor (an id), newest first.
func (in *inspector) list(limit int, cursor int64) ([]inspected, string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := []inspected{}
	i := in.n - 1
	for ; i >= 0 && len(out) < limit; i-- {
		if e := in.at(i); cursor == 0 || e.ID < cursor {
			out = append(out, *e)
		}
	}
	next := ""
	if len(out) == limit && i >= 0 {
		next = strconv.FormatInt(out[len(out)-1].ID, 10)
	}
	return out, next
}

func (in *inspector) follow() chan inspected {
	ch := make(chan inspected, 256)
	in.mu.Lock()
	in.followers[ch] = struct{}{}
	in.mu.Unlock()
	return ch
}

func (in *inspector) unfollow(ch chan inspected) {
	in.mu.Lock()
	delete(in.followers, ch)
	in.mu.Unlock()
}

// listRequests is GET /api/v1/requests.
func (a *App) listRequests(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	var cursor int64
	if s := c.Query("cursor"); s != "" {
		if cursor, err = strconv.ParseInt(s, 10, 64); err != nil {
			return apiError(c, fiber.StatusBadRequest, "cursor is not one this API gave")
		}
	}
	items, next := a.inspect.list(limit, cursor)
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

// streamRequests is GET /api/v1/requests/stream: server-sent events, one
// "request" event per inbound request, and a comment every 15 s to keep
// proxies from closing the connection. It ends when the client goes away
// or the server drains.
func (a *App) streamRequests(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderConnection, "keep-alive")
	c.Set("X-Accel-Buffering", "no")
	ch := a.inspect.follow()
	done := a.appCtx
	c.Context().SetBodyStreamWriter(fasthttp.StreamWriter(func(w *bufio.Writer) {
		defer a.inspect.unfollow(ch)
		fmt.Fprint(w, ": hookflow request inspector\n\n")
		if w.Flush() != nil {
			return
		}
		beat := time.NewTicker(15 * time.Second)
		defer beat.Stop()
		for {
			select {
			case e := <-ch:
				b, _ := json.Marshal(e)
				fmt.Fprintf(w, "id: %d\nevent: request\ndata: %s\n\n", e.ID, b)
			case <-beat.C:
				fmt.Fprint(w, ": keep-alive\n\n")
			case <-done.Done():
				return
			}
			if w.Flush() != nil {
				return
			}
		}
	}))
	return nil
}

// pruneLoop prunes the inspector and the store's old runs and events every
// minute, in small batches with pauses so ingest never waits long.
func (a *App) pruneLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.inspect.prune()
		if n, err := a.pruneStore(ctx, time.Now()); err != nil && ctx.Err() == nil {
			a.log.Error("prune old runs and events", "err", err)
		} else if n > 0 {
			a.log.Info("pruned old runs and events", "count", n)
		}
	}
}

// pruneStore deletes what is older than the runs' retention, batch by
// batch.
func (a *App) pruneStore(ctx context.Context, now time.Time) (int, error) {
	before := now.Add(-a.cfg.File.Retention.Runs.std())
	total := 0
	for ctx.Err() == nil {
		n, err := a.store.Prune(ctx, store.PruneParams{Before: before, Limit: 200, Now: now})
		if err != nil || n == 0 {
			return total, err
		}
		total += n
		time.Sleep(5 * time.Millisecond)
	}
	return total, ctx.Err()
}
