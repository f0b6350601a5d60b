package webhook

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/engine"
)

// Waiters connects the respond action to the requests that wait for their
// run's answer; it is the engine.Responder to give actions.Deps.Responder. The respond step may run before its request starts
// waiting (the run's first steps are queued in the same commit that
// Dispatch waits for), so an answer nobody waits for yet is kept for keep,
// up to max of them and maxBytes in all, oldest dropped first. The first
// answer of a run wins.
type Waiters struct {
	now      func() time.Time
	keep     time.Duration
	max      int
	maxBytes int

	mu      sync.Mutex
	waiting map[string]chan engine.Response
	early   map[string]earlyResponse
	order   []earlyKey // early entries, oldest first
	seq     uint64
	bytes   int // the sizes of the early entries
}

// earlyResponse is an answer that arrived before its request waited.
type earlyResponse struct {
	resp engine.Response
	at   time.Time
	seq  uint64
	size int
}

// earlyKey names an early entry in arrival order; seq tells a stale
// entry from a newer one of the same run.
type earlyKey struct {
	runID string
	seq   uint64
}

var _ engine.Responder = (*Waiters)(nil)

// NewWaiters returns an empty registry that keeps early answers for a
// minute, at most 1024 of them and 16 MiB in all. Create it before the action registry when
// the trigger's Dispatcher needs that registry, and pass it as
// Options.Waiters.
func NewWaiters() *Waiters { return newWaiters(time.Now, time.Minute, 1024, 16<<20) }

func newWaiters(now func() time.Time, keep time.Duration, max, maxBytes int) *Waiters {
	return &Waiters{now: now, keep: keep, max: max, maxBytes: maxBytes,
		waiting: map[string]chan engine.Response{}, early: map[string]earlyResponse{}}
}

// Respond hands r to the request waiting for runID and reports whether one
// was. Otherwise it keeps r for a request that starts waiting within a
// minute, unless the run already has an answer kept.
func (w *Waiters) Respond(runID string, r engine.Response) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.waiting[runID]; ok {
		delete(w.waiting, runID)
		ch <- r // buffered; nobody else sends on it once it is removed
		return true
	}
	now := w.now()
	w.prune(now)
	if _, ok := w.early[runID]; ok {
		return false
	}
	size := responseSize(r)
	if size > w.maxBytes {
		return false
	}
	for (len(w.early) >= w.max || w.bytes+size > w.maxBytes) && len(w.order) > 0 {
		w.drop(w.order[0])
		w.order = w.order[1:]
	}
	w.seq++
	w.early[runID] = earlyResponse{resp: r, at: now, seq: w.seq, size: size}
	w.bytes += size
	w.order = append(w.order, earlyKey{runID, w.seq})
	return false
}

// responseSize estimates the memory an answer holds.
func responseSize(r engine.Response) int {
	n := 64
	for k, v := range r.Headers {
		n += len(k) + len(v)
	}
	switch b := r.Body.(type) {
	case nil:
	case string:
		n += len(b)
	case []byte:
		n += len(b)
	default:
		out, err := json.Marshal(b)
		if err != nil {
			return n
		}
		n += len(out)
	}
	return n
}

// prune drops the kept answers older than keep.
func (w *Waiters) prune(now time.Time) {
	for len(w.order) > 0 {
		k := w.order[0]
		e, ok := w.early[k.runID]
		if ok && e.seq == k.seq && now.Sub(e.at) <= w.keep {
			return
		}
		w.drop(k)
		w.order = w.order[1:]
	}
}

// drop removes the early entry that k names, if it is still that one.
func (w *Waiters) drop(k earlyKey) {
	if e, ok := w.early[k.runID]; ok && e.seq == k.seq {
		delete(w.early, k.runID)
		w.bytes -= e.size
	}
}

// register starts waiting for runID's answer. The channel already holds
// the answer when it came early. cancel stops waiting; call it when done.
func (w *Waiters) register(runID string) (answers <-chan engine.Response, cancel func()) {
	ch := make(chan engine.Response, 1)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.prune(w.now())
	if e, ok := w.early[runID]; ok {
		delete(w.early, runID)
		w.bytes -= e.size
		ch <- e.resp
	} else {
		w.waiting[runID] = ch
	}
	return ch, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.waiting[runID] == ch {
			delete(w.waiting, runID)
		}
	}
}

// waiting returns the first remaining workflow with respond: wait and the
// run it started (RunIDs follow the order of the targets).
func (r *request) waiting() (*hook, string, bool) {
	for i, h := range r.hooks {
		if h.wait && i < len(r.result.RunIDs) {
			return h, r.result.RunIDs[i], true
		}
	}
	return nil, "", false
}

// awaitResponse waits for the run's respond step and answers with it: 504
// after wait_timeout, or 502 when Options.RunDone says the run finished
// without answering. The event is stored either way.
func (t *Trigger) awaitResponse(r *request) *answer {
	h, runID, _ := r.waiting()
	answers, cancel := t.waiters.register(runID)
	defer cancel()
	timer := time.NewTimer(h.waitTimeout)
	defer timer.Stop()
	var poll <-chan time.Time
	if t.opts.RunDone != nil {
		ticker := time.NewTicker(runDonePoll)
		defer ticker.Stop()
		poll = ticker.C
	}
	for {
		select {
		case resp := <-answers:
			return r.stored(responseAnswer(resp))
		case <-timer.C:
			return r.stored(jsonAnswer(fiber.StatusGatewayTimeout, errorBody{
				Error: "the run did not respond within " + formatDuration(h.waitTimeout), ID: r.result.EventID,
			}, "the run did not respond within "+formatDuration(h.waitTimeout)))
		case <-poll:
			if done, err := t.opts.RunDone(r.ctx, runID); err != nil || !done {
				continue
			}
			select {
			case resp := <-answers:
				return r.stored(responseAnswer(resp))
			default:
			}
			const msg = "the run finished without a respond step"
			return r.stored(jsonAnswer(fiber.StatusBadGateway, errorBody{Error: msg, ID: r.result.EventID}, msg))
		}
	}
}

// stored marks an answer as one given to a stored event.
func (r *request) stored(a *answer) *answer {
	a.eventID, a.runIDs = r.result.EventID, r.result.RunIDs
	return a
}

// hopHeaders are managed by the HTTP server; a respond step cannot set them.
var hopHeaders = map[string]bool{"content-length": true, "transfer-encoding": true, "connection": true, "keep-alive": true, "upgrade": true}

// responseAnswer turns a respond step's answer into the HTTP answer: a
// string body is sent as it is (text/plain unless the step set a type),
// any other body as JSON.
func responseAnswer(resp engine.Response) *answer {
	a := &answer{status: resp.Status, verdict: "accepted"}
	if a.status == 0 {
		a.status = fiber.StatusOK
	}
	switch b := resp.Body.(type) {
	case nil:
	case string:
		a.body, a.contentType = []byte(b), fiber.MIMETextPlainCharsetUTF8
	case []byte:
		a.body, a.contentType = b, fiber.MIMEOctetStream
	default:
		out, err := json.Marshal(b)
		if err != nil {
			return errorAnswer(fiber.StatusInternalServerError, "the run's answer could not be encoded as JSON")
		}
		a.body, a.contentType = out, fiber.MIMEApplicationJSON
	}
	for k, v := range resp.Headers {
		if hopHeaders[strings.ToLower(k)] {
			continue
		}
		a.headers = append(a.headers, [2]string{k, v})
	}
	return a
}

// formatDuration writes d as on.webhook.wait_timeout is written: 10s,
// 1m30s, 2m, 1h.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
