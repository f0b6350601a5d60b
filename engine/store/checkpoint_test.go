package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// TestCheckpointerCopiesTheLog: the writer never checkpoints on its own,
// and the checkpointer's connection copies everything committed.
func TestCheckpointerCopiesTheLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "ckpt.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var auto int
	if err := s.w.Raw(`PRAGMA wal_autocheckpoint`).Scan(&auto).Error; err != nil || auto != 0 {
		t.Fatalf("writer's wal_autocheckpoint = %d (%v), want 0", auto, err)
	}
	for i := range 50 {
		ev := &engine.Event{ID: newTestID(i), Type: "webhook", Raw: make([]byte, 4096), ReceivedAt: time.Now()}
		if _, err := s.Accept(ctx, AcceptParams{Events: []EventWithRuns{{Event: ev}}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.ckpt.commits.Load(); n == 0 {
		t.Fatal("the checkpointer was not told of any commit")
	}
	logPages, copied, err := s.ckpt.checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if logPages == 0 || copied != logPages {
		t.Fatalf("checkpoint copied %d of %d pages, want all of a non-empty log", copied, logPages)
	}
}

func newTestID(i int) string { return "ev-" + string(rune('a'+i/26)) + string(rune('a'+i%26)) }
