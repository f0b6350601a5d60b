package server

import "runtime/debug"

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
