package load

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestBodyIsValidJSONOfExactSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		seq  int64
		size int
	}{{1, 1024}, {123456789, 1024}, {7, 4096}, {42, 10}} {
		b := Body(nil, tc.seq, tc.size)
		want := max(tc.size, minBodySize)
		if len(b) != want {
			t.Errorf("Body(%d, %d) is %d bytes, want %d", tc.seq, tc.size, len(b), want)
		}
		var v struct {
			Type  string  `json:"type"`
			Seq   int64   `json:"seq"`
			Total float64 `json:"total"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("Body(%d, %d) is not JSON: %v\n%s", tc.seq, tc.size, err, b)
		}
		if v.Seq != tc.seq || v.Type != "purchase" || v.Total <= 0 {
			t.Errorf("Body(%d, %d) decodes to %+v", tc.seq, tc.size, v)
		}
	}
}

func TestSignerMatchesHMAC(t *testing.T) {
	t.Parallel()
	s := NewSigner("k")
	for _, body := range []string{"", "Hello, World!", string(Body(nil, 1, 1024))} {
		m := hmac.New(sha256.New, []byte("k"))
		m.Write([]byte(body))
		if got, want := string(s.Sign([]byte(body))), hex.EncodeToString(m.Sum(nil)); got != want {
			t.Errorf("Sign(%q) = %s, want %s", body, got, want)
		}
	}
}

func TestPercentileNearestRank(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct{ p, want float64 }{{50, 50}, {99, 99}, {100, 100}, {0, 1}} {
		if got := Percentile(d, tc.p); got != tc.want {
			t.Errorf("Percentile(1..100 ms, %v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := Percentile(nil, 99); got != 0 {
		t.Errorf("Percentile(nil) = %v, want 0", got)
	}
}

func TestRunCountsSignedRequestsAndStopsAtMaxRequests(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m := hmac.New(sha256.New, []byte("s"))
		m.Write(body)
		if r.Header.Get("X-Signature") != hex.EncodeToString(m.Sum(nil)) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		seen[string(body)]++
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	res, err := Run(context.Background(), Config{URL: srv.URL + "/hooks/x", Conns: 4, MaxRequests: 200, Duration: time.Minute, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || res.OK != 200 || res.Status[http.StatusAccepted] != 200 || len(res.Accepted) != 200 {
		t.Fatalf("want 200 requests, all 202: %+v", res)
	}
	if len(seen) != 200 {
		t.Errorf("server saw %d distinct bodies, want 200", len(seen))
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.PerSecond <= 0 {
		t.Errorf("implausible latencies or rate: %+v", res)
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://example.com:80/", "http://10.0.0.1:80/", "https://127.0.0.1:443/", "http://127.0.0.1/"} {
		if _, err := Run(context.Background(), Config{URL: u, Conns: 1, MaxRequests: 1}); err == nil {
			t.Errorf("Run(%s) was not refused", u)
		}
	}
}
