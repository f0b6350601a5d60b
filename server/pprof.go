package server

import (
	"net/http"
	"net/http/pprof"
	"time"
)

// startPprof serves Go's profiler on HOOKFLOW_PPROF (an address such as
// 127.0.0.1:6060) when it is set: for profiling a running server. It is
// off by default and never on the main listener.
func (a *App) startPprof() {
	addr := envOr(a.io.Environ, "HOOKFLOW_PPROF", "")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			a.log.Error("pprof listener", "addr", addr, "err", err)
		}
	}()
	a.log.Info("profiler listening", "addr", addr)
}
