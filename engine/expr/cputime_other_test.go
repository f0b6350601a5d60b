//go:build !linux

package expr

import "testing"

// reportCPU runs fn b.N times; only Linux reports cpu-ns/op.
func reportCPU(b *testing.B, fn func()) {
	for b.Loop() {
		fn()
	}
}
