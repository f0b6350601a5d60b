package server

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	if got := tuneGC([]string{"GOGC=50"}); got != 100 {
		t.Errorf("with GOGC set, tuneGC = %d, want the runtime's own 100 left alone", got)
	}
	if got := tuneGC(nil); got != defaultGCPercent {
		t.Errorf("without GOGC, tuneGC = %d, want %d", got, defaultGCPercent)
	}
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("the runtime's percent is %d after tuneGC, want %d", got, defaultGCPercent)
	}
}

func TestTuneProcs(t *testing.T) {
	prev := runtime.GOMAXPROCS(2)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	if got := tuneProcs([]string{"GOMAXPROCS=2"}); got != 2 || runtime.GOMAXPROCS(0) != 2 {
		t.Errorf("with GOMAXPROCS set, tuneProcs = %d (runtime %d), want 2 left alone", got, runtime.GOMAXPROCS(0))
	}
	if got := tuneProcs(nil); got != 3 || runtime.GOMAXPROCS(0) != 3 {
		t.Errorf("without GOMAXPROCS, tuneProcs = %d (runtime %d), want 3", got, runtime.GOMAXPROCS(0))
	}
}
