package store

import (
	"context"
	"database/sql"
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
	if err := s.w.Raw(`PRAGMA wal_autocheckpoint`).Scan(&auto).Error; err != nil || auto != writerCheckpointBytes/sqlitePageSize {
		t.Fatalf("writer's wal_autocheckpoint = %d (%v), want %d", auto, err, writerCheckpointBytes/sqlitePageSize)
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
	if limit := int64(walSizeLimit + writerCheckpointBytes*2); st.Size() > limit {
		t.Fatalf("the log is %d MiB after writing 100 MiB; want at most %d MiB", st.Size()>>20, limit>>20)
	}
}

// TestPageSize: a file hookflow creates has sqlitePageSize pages; a file
// made before keeps its own, and the writer's automatic checkpoint stays
// at writerCheckpointBytes of log in both.
func TestPageSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		existing int // page size of a file made beforehand; 0: none
		want     int
	}{
		{"new file", 0, sqlitePageSize},
		{"empty file", -1, sqlitePageSize},
		{"file of 4 KiB pages", 4096, 4096},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pages.db")
			switch {
			case tc.existing < 0:
				if err := os.WriteFile(path, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			case tc.existing > 0:
				db, err := sql.Open("sqlite3", path)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.Exec(fmt.Sprintf("PRAGMA page_size = %d; CREATE TABLE before (a)", tc.existing)); err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
			s, err := open(context.Background(), "sqlite://"+path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var size, auto int
			if err := s.w.Raw(`PRAGMA page_size`).Scan(&size).Error; err != nil || size != tc.want {
				t.Fatalf("page_size = %d (%v), want %d", size, err, tc.want)
			}
			if err := s.w.Raw(`PRAGMA wal_autocheckpoint`).Scan(&auto).Error; err != nil || auto*size != writerCheckpointBytes {
				t.Fatalf("wal_autocheckpoint = %d pages of %d bytes (%v), want %d bytes", auto, size, err, writerCheckpointBytes)
			}
		})
	}
}
