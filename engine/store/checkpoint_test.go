package store

import (
	"context"
	"fmt"
	"os"
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
	if err := s.w.Raw(`PRAGMA wal_autocheckpoint`).Scan(&auto).Error; err != nil || auto != writerCheckpointPages {
		t.Fatalf("writer's wal_autocheckpoint = %d (%v), want %d", auto, err, writerCheckpointPages)
	}
	for i := range 50 {
		ev := &engine.Event{ID: newTestID(i), Type: "webhook", Raw: make([]byte, 4096), ReceivedAt: time.Now()}
		if _, err := s.Accept(ctx, AcceptParams{Events: []EventWithRuns{{Event: ev}}}); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); s.ckpt.done.Load() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the checkpointer ran no checkpoint after 50 commits")
		}
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

// TestLogStaysBoundedUnderSteadyWrites: with the checkpointer copying in
// the background, the write-ahead log still starts over, so its file does
// not grow with the data written.
func TestLogStaysBoundedUnderSteadyWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bounded.db")
	s, err := open(ctx, "sqlite://"+path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	body := make([]byte, 64<<10)
	const batches, perBatch = 100, 16 // 100 MiB of bodies in all
	for i := range batches {
		evs := make([]EventWithRuns, perBatch)
		for j := range evs {
			evs[j] = EventWithRuns{Event: &engine.Event{ID: fmt.Sprintf("ev-%d-%d", i, j), Type: "webhook", Raw: body, ReceivedAt: time.Now()}}
		}
		if _, err := s.Accept(ctx, AcceptParams{Events: evs}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if limit := int64(walSizeLimit + writerCheckpointPages*4096*2); st.Size() > limit {
		t.Fatalf("the log is %d MiB after writing 100 MiB; want at most %d MiB", st.Size()>>20, limit>>20)
	}
}
