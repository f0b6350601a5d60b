package server

import (
	"testing"

	"github.com/hookflow/hookflow/engine/store/storetest"
)

// postgresDSN returns a DSN on a fresh schema of the test PostgreSQL,
// dropped when the test ends; an unreachable server fails the test.
func postgresDSN(t *testing.T) string { return storetest.PostgresDSN(t) }
