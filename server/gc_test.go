package server

import (
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
