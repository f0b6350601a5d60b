package server

import (
	"os"
	"testing"
)

// TestMain lets a test start this very binary as `hookflow` in a
// subprocess (HOOKFLOW_TEST_MAIN=1), so process-level tests — kill -9,
// SIGTERM, exit codes — need no separate build.
func TestMain(m *testing.M) {
	if os.Getenv("HOOKFLOW_TEST_MAIN") == "1" {
		os.Exit(Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}
