// Command receiver is a catch-all HTTP receiver on loopback for demos and
// benchmarks: it answers every request with 200 and a small JSON body, and
// prints one line per request unless -quiet.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9099", "address to listen on (loopback)")
	quiet := flag.Bool("quiet", false, "do not print requests")
	stock := flag.Int("stock", 3, "the stock figure reported in answers")
	lifetime := flag.Duration("for", 10*time.Minute, "exit after this long")
	flag.Parse()
	time.AfterFunc(*lifetime, func() { os.Exit(0) })
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if !*quiet {
			fmt.Printf("receiver: %s %s %s\n", r.Method, r.URL.RequestURI(), body)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"received": true, "path": r.URL.Path, "stock": *stock})
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
