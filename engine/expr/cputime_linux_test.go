//go:build linux

package expr

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// reportCPU runs fn b.N times on one locked thread and reports the
// thread's CPU time per run as cpu-ns/op: unlike ns/op, it does not count
// the time that other processes take the CPU away.
func reportCPU(b *testing.B, fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU()
	for b.Loop() {
		fn()
	}
	b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
}

func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
