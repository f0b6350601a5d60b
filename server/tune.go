package server

import (
	"runtime"
	"runtime/debug"
)

// defaultGCPercent is the garbage collector's GOGC that `hookflow serve`
// runs with unless GOGC is set. A server's live heap is small (about
// 20 MiB under the ingest benchmark), so Go's default of 100 collects
// every 20 MiB allocated, about ten times a second under load, for about
// a tenth of the CPU. At 300 it collects a third as often and the peak
// RSS of the ingest benchmark stays near 150 MiB. bench/README.md has the
// measurement.
const defaultGCPercent = 300

// tuneGC sets the collector's percent to defaultGCPercent unless environ
// sets GOGC, which Go's runtime has then applied already, as it does
// GOMEMLIMIT in every case. It returns the percent in effect.
func tuneGC(environ []string) int {
	if v := envOr(environ, "GOGC", ""); v != "" {
		prev := debug.SetGCPercent(-1)
		debug.SetGCPercent(prev)
		return prev
	}
	debug.SetGCPercent(defaultGCPercent)
	return defaultGCPercent
}

// tuneProcs gives Go's scheduler one P more than it would have unless
// environ sets GOMAXPROCS, and returns the number in effect. The store's
// writer and checkpointer spend most of their time in SQLite, in C, and a
// goroutine in a C call holds its P until the scheduler notices, so with
// one P per core the inbound requests wait on them. bench/README.md has
// the measurement: 4–6% more events per second, at the same CPU per event.
// Call it once, at start: it adds to what is in effect.
func tuneProcs(environ []string) int {
	if envOr(environ, "GOMAXPROCS", "") != "" {
		return runtime.GOMAXPROCS(0)
	}
	n := runtime.GOMAXPROCS(0) + 1
	runtime.GOMAXPROCS(n)
	return n
}
