// Package load is the load generator of `make bench`: a fixed number of
// keep-alive connections to a loopback server, each POSTing signed 1 KiB
// JSON orders one after the other for a bounded time and count, recording
// every answer's status and the latency of the 2xx ones.
//
// Each request body carries a unique "seq"; Result.Accepted lists the seqs
// that were answered 2xx, so a receiver can check that every accepted event
// was delivered.
package load

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Config says what load to make. URL and Conns are required.
type Config struct {
	// URL is where every request goes; its host must be a loopback IP
	// address such as 127.0.0.1.
	URL string
	// Conns is the number of connections, each with one request in flight.
	Conns int
	// Duration bounds the measured part of the run (0: only MaxRequests
	// bounds it).
	Duration time.Duration
	// MaxRequests bounds the number of measured requests (0: only Duration
	// bounds it).
	MaxRequests int64
	// Warmup is sent before the measured part and not recorded.
	Warmup time.Duration
	// Secret signs each body into X-Signature; "" sends none.
	Secret string
	// BodySize is the size of each body; 0 means DefaultBodySize.
	BodySize int
	// Timeout bounds each request; 0 means 10s.
	Timeout time.Duration
}

// Result is what a run measured. Latencies are of 2xx answers, in
// milliseconds.
type Result struct {
	Conns int `json:"conns"`
	// Start is when the first measured request was sent and End when the
	// last measured answer came.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Seconds is End - Start.
	Seconds float64 `json:"seconds"`
	// Requests were sent in the measured part; OK of them were 2xx.
	Requests int64 `json:"requests"`
	OK       int64 `json:"ok"`
	// Status counts answers by status code; Errors counts requests that got
	// no answer, by kind, and ErrorSample is one such error.
	Status      map[int]int64    `json:"status"`
	Errors      map[string]int64 `json:"errors,omitempty"`
	ErrorSample string           `json:"error_sample,omitempty"`
	// PerSecond is OK / Seconds.
	PerSecond float64 `json:"per_second"`
	P50       float64 `json:"p50_ms"`
	P90       float64 `json:"p90_ms"`
	P99       float64 `json:"p99_ms"`
	Max       float64 `json:"max_ms"`
	// Accepted are the seqs of the bodies answered 2xx, in no order.
	Accepted []int64 `json:"-"`
}

// Run makes the load that cfg describes and returns what it measured. It
// returns early, with what was measured so far, when ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	g, err := newGenerator(cfg)
	if err != nil {
		return nil, err
	}
	return g.run(ctx), nil
}

// generator is one run's shared state.
type generator struct {
	cfg    Config
	client *fasthttp.HostClient
	uri    string
	seq    atomic.Int64 // last seq handed out
	budget atomic.Int64 // measured requests left when MaxRequests > 0
	// measureFrom and stopAt are fixed before the workers start.
	measureFrom, stopAt time.Time
}

// newGenerator checks cfg and builds the client.
func newGenerator(cfg Config) (*generator, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse load URL: %w", err)
	}
	if err := checkLoopback(u); err != nil {
		return nil, err
	}
	if cfg.Conns <= 0 {
		return nil, errors.New("load: Conns must be positive")
	}
	if cfg.Duration <= 0 && cfg.MaxRequests <= 0 {
		return nil, errors.New("load: set Duration, MaxRequests or both")
	}
	if cfg.BodySize <= 0 {
		cfg.BodySize = DefaultBodySize
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	g := &generator{cfg: cfg, uri: u.String()}
	g.client = &fasthttp.HostClient{
		Addr:                u.Host,
		MaxConns:            cfg.Conns,
		MaxIdleConnDuration: time.Minute,
		ReadTimeout:         cfg.Timeout,
		WriteTimeout:        cfg.Timeout,
		MaxConnWaitTimeout:  cfg.Timeout,
	}
	g.budget.Store(cfg.MaxRequests)
	return g, nil
}

// checkLoopback refuses any URL whose host is not a loopback IP address:
// the load generator never leaves the machine.
func checkLoopback(u *url.URL) error {
	if u.Scheme != "http" {
		return fmt.Errorf("load URL %s: want http://", u)
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsLoopback() || u.Port() == "" {
		return fmt.Errorf("load URL %s: want a loopback IP address and port, such as http://127.0.0.1:8080/", u)
	}
	return nil
}

// run starts one worker per connection and merges their records.
func (g *generator) run(ctx context.Context) *Result {
	now := time.Now()
	g.measureFrom = now.Add(g.cfg.Warmup)
	g.stopAt = time.Time{}
	if g.cfg.Duration > 0 {
		g.stopAt = g.measureFrom.Add(g.cfg.Duration)
	}
	records := make([]*record, g.cfg.Conns)
	var wg sync.WaitGroup
	for i := range records {
		records[i] = newRecord()
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.work(ctx, records[i])
		}()
	}
	wg.Wait()
	g.client.CloseIdleConnections()
	return merge(g.cfg.Conns, records)
}

// work sends requests one after the other until time, the request budget
// or ctx runs out.
func (g *generator) work(ctx context.Context, rec *record) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(g.uri)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	var signer *Signer
	if g.cfg.Secret != "" {
		signer = NewSigner(g.cfg.Secret)
	}
	body := make([]byte, 0, g.cfg.BodySize)
	for ctx.Err() == nil {
		sent := time.Now()
		measured := !sent.Before(g.measureFrom)
		if !g.mayStart(sent, measured) {
			return
		}
		seq := g.seq.Add(1)
		body = Body(body[:0], seq, g.cfg.BodySize)
		req.SetBodyRaw(body)
		if signer != nil {
			req.Header.SetBytesV("X-Signature", signer.Sign(body))
		}
		err := g.client.DoTimeout(req, resp, g.cfg.Timeout)
		if measured {
			rec.add(seq, sent, time.Now(), resp.StatusCode(), err)
		}
	}
}

// mayStart reports whether one more request may be sent at now, taking
// one from the budget when it is measured and a budget is set.
func (g *generator) mayStart(now time.Time, measured bool) bool {
	if !g.stopAt.IsZero() && !now.Before(g.stopAt) {
		return false
	}
	if measured && g.cfg.MaxRequests > 0 {
		return g.budget.Add(-1) >= 0
	}
	return true
}

// errorKind names the kind of a transport error for Result.Errors.
func errorKind(err error) string {
	switch {
	case errors.Is(err, fasthttp.ErrTimeout), errors.Is(err, fasthttp.ErrDialTimeout):
		return "timeout"
	case errors.Is(err, fasthttp.ErrNoFreeConns):
		return "no free connection"
	case errors.Is(err, fasthttp.ErrConnectionClosed):
		return "connection closed"
	default:
		var op *net.OpError
		if errors.As(err, &op) {
			return "network: " + op.Op
		}
		return "other"
	}
}

// record is one worker's measurements; only its worker writes it.
type record struct {
	first, last time.Time
	requests    int64
	status      map[int]int64
	errors      map[string]int64
	errorSample string
	latencies   []time.Duration // of 2xx answers
	accepted    []int64
}

func newRecord() *record {
	return &record{status: map[int]int64{}, errors: map[string]int64{}, latencies: make([]time.Duration, 0, 1<<14)}
}

// add records one measured request sent at sent and finished at done.
func (r *record) add(seq int64, sent, done time.Time, status int, err error) {
	if r.requests == 0 || sent.Before(r.first) {
		r.first = sent
	}
	if done.After(r.last) {
		r.last = done
	}
	r.requests++
	if err != nil {
		kind := errorKind(err)
		r.errors[kind]++
		if r.errorSample == "" {
			r.errorSample = err.Error()
		}
		return
	}
	r.status[status]++
	if status >= 200 && status < 300 {
		r.latencies = append(r.latencies, done.Sub(sent))
		r.accepted = append(r.accepted, seq)
	}
}

// merge adds up the workers' records into a Result.
func merge(conns int, records []*record) *Result {
	res := &Result{Conns: conns, Status: map[int]int64{}, Errors: map[string]int64{}}
	var lat []time.Duration
	for _, r := range records {
		if r.requests == 0 {
			continue
		}
		if res.Start.IsZero() || r.first.Before(res.Start) {
			res.Start = r.first
		}
		if r.last.After(res.End) {
			res.End = r.last
		}
		res.Requests += r.requests
		for k, v := range r.status {
			res.Status[k] += v
		}
		for k, v := range r.errors {
			res.Errors[k] += v
		}
		if res.ErrorSample == "" {
			res.ErrorSample = r.errorSample
		}
		lat = append(lat, r.latencies...)
		res.Accepted = append(res.Accepted, r.accepted...)
	}
	res.OK = int64(len(lat))
	if res.Requests > 0 {
		res.Seconds = res.End.Sub(res.Start).Seconds()
	}
	if res.Seconds > 0 {
		res.PerSecond = float64(res.OK) / res.Seconds
	}
	slices.Sort(lat)
	res.P50, res.P90, res.P99 = Percentile(lat, 50), Percentile(lat, 90), Percentile(lat, 99)
	if len(lat) > 0 {
		res.Max = ms(lat[len(lat)-1])
	}
	return res
}

// Percentile returns the p-th percentile (nearest rank) of sorted, in
// milliseconds; 0 when sorted is empty.
func Percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	rank = min(max(rank, 0), len(sorted)-1)
	return ms(sorted[rank])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
