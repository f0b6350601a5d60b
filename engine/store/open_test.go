package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine/store"
)

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dsn  string
		want string // in the error
		not  string // never in the error
	}{
		{"mysql://x", "open database mysql://x: unknown scheme", ""},
		{"sqlite://", "want sqlite://PATH", ""},
		{"sqlite://a?b.db", "want sqlite://PATH", ""},
		{"postgres://postgres:hunter2@127.0.0.1:1/test?sslmode=disable&connect_timeout=2",
			"open database postgres://postgres:xxxxx@127.0.0.1:1/test", "hunter2"},
		{"postgres://postgres:hunter2@127.0.0.1:1/test?sslmode=bogus", "open database postgres://", "hunter2"},
		{"postgres://postgres@127.0.0.1:1/test?password=hunter2&sslmode=disable&connect_timeout=2",
			"open database postgres://postgres@127.0.0.1:1/test?", "hunter2"},
	} {
		t.Run(tc.dsn, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := store.Open(ctx, tc.dsn, store.Options{})
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || (tc.not != "" && strings.Contains(err.Error(), tc.not)) {
				t.Fatalf("err = %v, want it to contain %q and not %q", err, tc.want, tc.not)
			}
		})
	}
}

func TestOpenTwiceMigratesOnce(t *testing.T) {
	t.Parallel()
	dsn := "sqlite://" + t.TempDir() + "/a/b/hookflow.db"
	for range 2 {
		s, err := store.Open(context.Background(), dsn, store.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if _, err := s.VersionSave(context.Background(), "w", []byte("x")); err != nil {
			t.Fatalf("VersionSave: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}
