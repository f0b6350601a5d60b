// Command receiver is a catch-all HTTP receiver on loopback for demos and
// benchmarks: it answers every request with 200 and a small JSON body, and
// prints one line per request unless -quiet.
//
// It also counts what it receives, for `make bench`:
//
//	GET  /_bench/stats   deliveries, the first and last one's time, bad signatures
//	POST /_bench/check   {"accepted": [seq, …], "paths": ["/a", …]}: which accepted
//	                     seqs were not delivered to each path, and duplicates
//	POST /_bench/reset   forgets everything counted
//
// A delivery's seq is the "seq" number in its JSON body (see bench/load).
// With -secret, every delivery must carry X-Signature, the hex HMAC-SHA256
// of its body with that secret; one that does not is answered 401 and
// counted as a bad signature.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9099", "address to listen on (loopback)")
	quiet := flag.Bool("quiet", false, "do not print requests, and answer with a fixed body")
	stock := flag.Int("stock", 3, "the stock figure reported in answers")
	secret := flag.String("secret", "", "verify X-Signature (hex HMAC-SHA256 of the body) with this secret")
	lifetime := flag.Duration("for", 10*time.Minute, "exit after this long")
	flag.Parse()
	time.AfterFunc(*lifetime, func() { os.Exit(0) })
	c := newCounter(*secret, time.Now)
	srv := &http.Server{Addr: *addr, Handler: handler(c, *quiet, *stock), ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// handler serves the /_bench/ routes and answers everything else as a
// delivery.
func handler(c *counter, quiet bool, stock int) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_bench/stats", c.serveStats)
	mux.HandleFunc("POST /_bench/check", c.serveCheck)
	mux.HandleFunc("POST /_bench/reset", c.serveReset)
	fixed := []byte(fmt.Sprintf(`{"received":true,"stock":%d}`, stock))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_bench/") {
			http.NotFound(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if !c.deliver(r.URL.Path, body, r.Header.Get("X-Signature")) {
			http.Error(w, `{"error":"bad signature"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if quiet {
			_, _ = w.Write(fixed)
			return
		}
		fmt.Printf("receiver: %s %s %s\n", r.Method, r.URL.RequestURI(), body)
		_ = json.NewEncoder(w).Encode(map[string]any{"received": true, "path": r.URL.Path, "stock": stock})
	})
	return mux
}

// serveStats answers the counter's Stats as JSON.
func (c *counter) serveStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, c.Stats())
}

// serveCheck answers Check for the accepted seqs and paths in the body.
func (c *counter) serveCheck(w http.ResponseWriter, r *http.Request) {
	var req CheckRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "decode check request: "+err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, c.Check(req))
}

// serveReset forgets everything counted.
func (c *counter) serveReset(w http.ResponseWriter, _ *http.Request) {
	c.Reset()
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
