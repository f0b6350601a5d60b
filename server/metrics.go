package server

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/engine/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// metrics are the server's Prometheus series, every one named hookflow_….
// They live in a registry of the App's own (no global state).
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	accepted  *prometheus.CounterVec
	stepTime  *prometheus.HistogramVec
	retries   *prometheus.CounterVec
	stepsDone *prometheus.CounterVec
	delivered *prometheus.CounterVec
}

func newMetrics(a *App) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookflow_http_requests_total",
		Help: "HTTP requests by route (inbound hooks by their workflow path) and status."}, []string{"path", "status"})
	m.accepted = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookflow_events_accepted_total",
		Help: "Events stored, by source: webhook, schedule, manual or published."}, []string{"source"})
	m.stepTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hookflow_step_duration_seconds",
		Help: "Duration of step attempts by action.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10)}, []string{"action"})
	m.retries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookflow_step_retries_total",
		Help: "Step attempts that failed and were scheduled again, by action."}, []string{"action"})
	m.stepsDone = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookflow_steps_total",
		Help: "Finished step attempts by action and resulting status."}, []string{"action", "status"})
	m.delivered = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookflow_delivery_attempts_total",
		Help: "Subscription delivery attempts by resulting delivery status (pending means a retry is scheduled)."}, []string{"status"})
	m.reg.MustRegister(m.delivered, m.requests, m.accepted, m.stepTime, m.retries, m.stepsDone,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{Namespace: "hookflow"}),
		&stateCollector{a: a})
	return m
}

// deliveriesCommitted counts committed delivery attempts.
func (m *metrics) deliveriesCommitted(batch []store.DeliveryResult) {
	for _, r := range batch {
		if !r.Release {
			m.delivered.WithLabelValues(r.Status).Inc()
		}
	}
}

// eventAccepted counts a stored event by its source.
func (m *metrics) eventAccepted(typ string) {
	switch typ {
	case "webhook", "schedule", "manual":
	default:
		typ = "published"
	}
	m.accepted.WithLabelValues(typ).Inc()
}

// observeStep is the engine's Observe hook.
func (m *metrics) observeStep(action, status string, d time.Duration) {
	m.stepTime.WithLabelValues(action).Observe(d.Seconds())
	m.stepsDone.WithLabelValues(action, status).Inc()
	if status == store.StatusQueued {
		m.retries.WithLabelValues(action).Inc()
	}
}

// countRequests is a middleware that counts every answer by route.
func (m *metrics) countRequests(c *fiber.Ctx) error {
	err := c.Next()
	path := c.Route().Path
	if len(c.Path()) > len("/hooks/") && c.Path()[:7] == "/hooks/" {
		path = "/hooks/" + c.Params("*")
		if c.Response().StatusCode() == fiber.StatusNotFound {
			path = "/hooks/*" // unknown paths must not grow the series
		}
	}
	status := c.Response().StatusCode()
	if err != nil {
		if fe, ok := err.(*fiber.Error); ok {
			status = fe.Code
		}
	}
	m.requests.WithLabelValues(path, strconv.Itoa(status)).Inc()
	return err
}

// handler serves /metrics.
func (m *metrics) handler() fiber.Handler {
	h := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		h(c.Context())
		return nil
	}
}

// stateCollector reads gauges at scrape time: work queued and in flight.
type stateCollector struct{ a *App }

var (
	queueDesc = prometheus.NewDesc("hookflow_queue_depth", "Steps leased to this node waiting for a worker.", nil, nil)
	busyDesc  = prometheus.NewDesc("hookflow_steps_in_flight", "Steps executing on this node now.", nil, nil)
	delivDesc = prometheus.NewDesc("hookflow_deliveries_in_flight", "Subscription delivery attempts being sent from this node now.", nil, nil)
	runsDesc  = prometheus.NewDesc("hookflow_runs", "Runs kept in the store, by status.", []string{"status"}, nil)
)

// Describe implements prometheus.Collector.
func (s *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDesc
	ch <- busyDesc
	ch <- delivDesc
	ch <- runsDesc
}

// Collect implements prometheus.Collector.
func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(s.a.engine.Queued()))
	ch <- prometheus.MustNewConstMetric(busyDesc, prometheus.GaugeValue, float64(s.a.engine.Busy()))
	inFlight := 0
	if s.a.subs != nil {
		inFlight = s.a.subs.deliv.InFlight()
	}
	ch <- prometheus.MustNewConstMetric(delivDesc, prometheus.GaugeValue, float64(inFlight))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts := map[string]int{}
	for _, st := range runStatuses {
		counts[st] = 0
	}
	if stored, err := s.a.store.RunCounts(ctx); err == nil {
		for st, n := range stored {
			counts[st] = n
		}
	}
	for st, n := range counts {
		ch <- prometheus.MustNewConstMetric(runsDesc, prometheus.GaugeValue, float64(n), st)
	}
}
