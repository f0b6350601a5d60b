package store_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/store/storetest"
)

// openSQLite opens (or reopens) the SQLite file at path and closes it when
// the test ends, unless the test closed it already.
func openSQLite(t testing.TB, path string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite://"+path, store.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() }) // a second Close only reports "already closed"
	return s
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		return openSQLite(t, filepath.Join(t.TempDir(), "hookflow.db"))
	})
}

func TestSQLiteMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.Open(context.Background(), "sqlite://:memory:", store.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestSQLiteCrash(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "hookflow.db")
	storetest.RunCrash(t, func(t *testing.T) store.Store { return openSQLite(t, path) })
}

// TestSQLiteKill9 kills a process (SIGKILL) that has accepted runs and
// holds leases, then recovers in this one: WAL with synchronous=NORMAL
// keeps every commit across a killed process.
func TestSQLiteKill9(t *testing.T) {
	if path := os.Getenv("HOOKFLOW_KILL9_DB"); path != "" {
		s, err := store.Open(context.Background(), "sqlite://"+path, store.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		storetest.CrashBefore(t, s)
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSQLiteKill9$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HOOKFLOW_KILL9_DB="+path)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed by SIGKILL\n%s", err, out)
	}
	storetest.CrashAfter(t, openSQLite(t, path), nil)
}
