package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// fanoutPaths are the three destinations of every event, under the fan-out
// URL.
var fanoutPaths = []string{"/a", "/b", "/c"}

// delivery is one POST of an event's body to one path.
type delivery struct {
	body []byte
	path string
}

// fanout is a worker pool that POSTs each committed event's body to the
// three paths under url, with one keep-alive client. It neither retries
// nor records deliveries: it is the floor that hookflow's durable fan-out
// is compared with.
type fanout struct {
	url       string
	secret    []byte
	client    *http.Client
	jobs      chan delivery
	delivered atomic.Int64
	failed    atomic.Int64
	wg        sync.WaitGroup
}

// newFanout returns a pool of workers POSTing to url; start starts it.
// With a secret, each POST carries X-Signature (hex HMAC-SHA256 of the
// body).
func newFanout(url, secret string, workers, queue int) *fanout {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        workers,
		MaxIdleConnsPerHost: workers,
		MaxConnsPerHost:     workers,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	f := &fanout{url: url, secret: []byte(secret), client: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		jobs: make(chan delivery, queue)}
	f.wg.Add(workers)
	for range workers {
		go f.work()
	}
	return f
}

// Enqueue hands the event's three deliveries to the pool; it waits while
// the queue is full.
func (f *fanout) Enqueue(ctx context.Context, body []byte) error {
	for _, p := range fanoutPaths {
		select {
		case f.jobs <- delivery{body: body, path: p}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Close stops taking deliveries and waits for the queued ones.
func (f *fanout) Close() {
	close(f.jobs)
	f.wg.Wait()
}

// work POSTs deliveries until the queue closes.
func (f *fanout) work() {
	defer f.wg.Done()
	mac := hmac.New(sha256.New, f.secret)
	for d := range f.jobs {
		if err := f.post(d, mac); err != nil {
			f.failed.Add(1)
			continue
		}
		f.delivered.Add(1)
	}
}

// post sends one delivery and drains the answer so the connection is
// reused.
func (f *fanout) post(d delivery, mac hash.Hash) error {
	req, err := http.NewRequest(http.MethodPost, f.url+d.path, bytes.NewReader(d.body))
	if err != nil {
		return fmt.Errorf("build delivery: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if len(f.secret) > 0 {
		mac.Reset()
		mac.Write(d.body)
		req.Header.Set("X-Signature", hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("deliver to %s: %w", d.path, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("read answer of %s: %w", d.path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("deliver to %s: status %d", d.path, resp.StatusCode)
	}
	return nil
}
