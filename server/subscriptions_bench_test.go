package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchApp starts a server on a fresh SQLite file with n subscriptions to
// one loopback receiver that counts what reaches it.
func benchApp(b *testing.B, n int) (*App, *atomic.Int64) {
	b.Helper()
	var got atomic.Int64
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
	}))
	b.Cleanup(rec.Close)
	dir := b.TempDir()
	wdir := filepath.Join(dir, "workflows")
	if err := os.Mkdir(wdir, 0o755); err != nil {
		b.Fatal(err)
	}
	cfg := serveConfig{Addr: "127.0.0.1:0", DB: "sqlite://" + filepath.Join(dir, "hookflow.db"), Workflows: wdir,
		APIToken: testToken, AllowPrivate: "127.0.0.0/8", LogLevel: "error"}
	cfg.File.defaults()
	noGrace := duration(0)
	cfg.File.Limits.DrainGrace = &noGrace
	app, err := newApp(context.Background(), cfg, IO{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	if err := app.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = app.Shutdown() })
	for i := range n {
		body := fmt.Sprintf(`{"name":"s%d","url":"%s/s%d","events":["post.*"],"secret":"bench-secret"}`, i, rec.URL, i)
		if status := benchPost(b, app, "/api/v1/subscriptions", body); status != http.StatusCreated {
			b.Fatalf("create subscription: %d", status)
		}
	}
	return app, &got
}

// benchPost sends an authenticated POST and returns the status.
func benchPost(b *testing.B, app *App, path, body string) int {
	req, _ := http.NewRequest("POST", app.URL()+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitCount waits (bounded) until n requests reached the receiver.
func waitCount(b *testing.B, got *atomic.Int64, n int64) {
	deadline := time.Now().Add(60 * time.Second)
	for got.Load() < n {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d deliveries after 60s", got.Load(), n)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// BenchmarkPublishFanOut100 is the whole path: POST /api/v1/events (202
// after the commit of the event with its 100 deliveries), then the 100
// signed deliveries to loopback receivers. ms/event runs from the POST to
// the last delivery's arrival.
func BenchmarkPublishFanOut100(b *testing.B) {
	app, got := benchApp(b, 100)
	var total, worst time.Duration
	want := int64(0)
	for b.Loop() {
		began := time.Now()
		if status := benchPost(b, app, "/api/v1/events", `{"type":"post.created","data":{"title":"Hello"}}`); status != http.StatusAccepted {
			b.Fatalf("publish: %d", status)
		}
		want += 100
		waitCount(b, got, want)
		took := time.Since(began)
		total, worst = total+took, max(worst, took)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/event")
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms/event")
	b.ReportMetric(float64(want)/total.Seconds(), "deliveries/s")
}

// BenchmarkPublishSustained publishes from 8 clients at once, each event to
// 100 subscriptions, and reports the deliveries per second that reached
// the receivers, from the first POST to the last arrival.
func BenchmarkPublishSustained(b *testing.B) {
	app, got := benchApp(b, 100)
	began := time.Now()
	var n atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n.Add(1) <= int64(b.N) {
				if status := benchPost(b, app, "/api/v1/events", `{"type":"post.created","data":{"title":"Hello"}}`); status != http.StatusAccepted {
					b.Errorf("publish: %d", status)
					return
				}
			}
		}()
	}
	wg.Wait()
	waitCount(b, got, int64(b.N)*100)
	b.ReportMetric(float64(b.N*100)/time.Since(began).Seconds(), "deliveries/s")
}
