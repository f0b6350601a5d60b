package deliver

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/hookflow/hookflow/engine/store"
)

// scheduler holds the claimed deliveries in memory, one FIFO per
// subscription, and hands them to workers round-robin across the
// subscriptions that may send: those with work, fewer than perSub attempts
// in flight, and a token of their rate limit. Taking one delivery moves
// its subscription to the back of the ring, so a subscription with a long
// backlog gets one turn in n when n subscriptions have work.
type scheduler struct {
	mu       sync.Mutex
	cond     *sync.Cond
	subs     map[string]*subQueue
	limits   limiters
	ring     []*subQueue
	buffered int // deliveries waiting in the queues
	inFlight int
	closed   bool
	perSub   int
	// lowWater is the queue length below which a subscription wants more;
	// onLow is called, under the lock, when a queue falls to it: it must
	// not block nor call the scheduler.
	lowWater int
	onLow    func()
}

// subQueue is one subscription's claimed deliveries.
type subQueue struct {
	sub      *store.Subscription
	jobs     []*store.DeliveryJob
	inFlight int
	inRing   bool
	// limiter enforces RateLimit; paused is set while waiting for its
	// next token.
	limiter *rate.Limiter
	paused  bool
}

// limiters outlive the queues, which come and go with the work, so that
// a subscription's rate holds across bursts.
type limiters map[string]*rate.Limiter

// get returns the limiter of sub, made anew when its rate changed; nil
// for no limit.
func (ls limiters) get(sub *store.Subscription) *rate.Limiter {
	if sub.RateLimit <= 0 {
		delete(ls, sub.ID)
		return nil
	}
	l := ls[sub.ID]
	if l == nil || float64(l.Limit()) != sub.RateLimit {
		l = rate.NewLimiter(rate.Limit(sub.RateLimit), max(1, int(sub.RateLimit)))
		ls[sub.ID] = l
	}
	return l
}

func newScheduler(perSub, prefetch int, onLow func()) *scheduler {
	s := &scheduler{subs: map[string]*subQueue{}, limits: limiters{}, perSub: perSub, lowWater: prefetch / 2, onLow: onLow}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// runnable reports whether q may start an attempt now.
func (s *scheduler) runnable(q *subQueue) bool {
	return len(q.jobs) > 0 && q.inFlight < s.perSub && !q.paused
}

// enqueue puts q at the back of the ring when it may run and is not there.
func (s *scheduler) enqueue(q *subQueue) {
	if !q.inRing && s.runnable(q) {
		q.inRing = true
		s.ring = append(s.ring, q)
		s.cond.Signal()
	}
}

// push adds claimed deliveries. The subscription as claimed last is the
// one attempts use (a changed URL applies from the next claim on).
func (s *scheduler) push(jobs []*store.DeliveryJob) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range jobs {
		q := s.subs[j.Subscription.ID]
		if q == nil {
			q = &subQueue{}
			s.subs[j.Subscription.ID] = q
		}
		q.sub, q.limiter = j.Subscription, s.limits.get(j.Subscription)
		q.jobs = append(q.jobs, j)
		s.buffered++
		s.enqueue(q)
	}
}

// next blocks until a delivery may start and returns it, or returns nil
// once the scheduler is closed.
func (s *scheduler) next() *store.DeliveryJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.closed {
			return nil
		}
		for len(s.ring) > 0 {
			q := s.ring[0]
			s.ring[0] = nil
			s.ring = s.ring[1:]
			q.inRing = false
			if !s.runnable(q) || !s.takeToken(q) {
				continue
			}
			j := q.jobs[0]
			q.jobs[0] = nil
			q.jobs = q.jobs[1:]
			q.inFlight++
			s.buffered--
			s.inFlight++
			s.enqueue(q)
			if len(q.jobs) == s.lowWater && s.onLow != nil {
				s.onLow()
			}
			return j
		}
		s.cond.Wait()
	}
}

// takeToken takes a token of q's rate limit, or pauses q until one is due.
func (s *scheduler) takeToken(q *subQueue) bool {
	if q.limiter == nil {
		return true
	}
	now := time.Now()
	r := q.limiter.ReserveN(now, 1)
	delay := r.DelayFrom(now)
	if delay <= 0 {
		return true
	}
	r.CancelAt(now)
	q.paused = true
	time.AfterFunc(delay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		q.paused = false
		s.enqueue(q)
		s.forgetIfIdle(q)
	})
	return false
}

// done records that an attempt of j ended.
func (s *scheduler) done(j *store.DeliveryJob) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
	q := s.subs[j.Subscription.ID]
	if q == nil {
		return
	}
	q.inFlight--
	s.enqueue(q)
	s.forgetIfIdle(q)
}

// forgetIfIdle drops the queue of a subscription with nothing left.
func (s *scheduler) forgetIfIdle(q *subQueue) {
	if len(q.jobs) == 0 && q.inFlight == 0 && !q.paused && !q.inRing && s.subs[q.sub.ID] == q {
		delete(s.subs, q.sub.ID)
	}
}

// drop removes and returns the waiting deliveries of a subscription.
func (s *scheduler) drop(subID string) []*store.DeliveryJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.subs[subID]
	if q == nil {
		return nil
	}
	jobs := q.jobs
	q.jobs = nil
	s.buffered -= len(jobs)
	s.forgetIfIdle(q)
	return jobs
}

// saturated returns the subscriptions that hold at least n waiting
// deliveries: a claim skips them.
func (s *scheduler) saturated(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, q := range s.subs {
		if len(q.jobs) >= n {
			ids = append(ids, id)
		}
	}
	return ids
}

// counts returns how many deliveries wait and how many are in flight.
func (s *scheduler) counts() (buffered, inFlight int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buffered, s.inFlight
}

// close wakes every worker and makes next return nil; it returns the
// deliveries that were still waiting.
func (s *scheduler) close() []*store.DeliveryJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	var left []*store.DeliveryJob
	for _, q := range s.subs {
		left = append(left, q.jobs...)
		q.jobs = nil
	}
	s.buffered = 0
	s.cond.Broadcast()
	return left
}
