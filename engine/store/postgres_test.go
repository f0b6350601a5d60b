package store_test

import (
	"context"
	"testing"

	"github.com/hookflow/hookflow/engine/store"
	"github.com/hookflow/hookflow/engine/store/storetest"
)

// openPostgres opens a store on dsn, closed when the test ends.
func openPostgres(t testing.TB, dsn string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn, store.Options{MaxConns: 4})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return openPostgres(t, storetest.PostgresDSN(t)) })
}

func TestPostgresCrash(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresDSN(t)
	storetest.RunCrash(t, func(t *testing.T) store.Store { return openPostgres(t, dsn) })
}

// TestPostgresTwoNodes runs the join case with two stores (two nodes) on
// one schema.
func TestPostgresTwoNodes(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresDSN(t)
	a, b := openPostgres(t, dsn), openPostgres(t, dsn)
	storetest.RunTwoNodes(t, a, b)
}
