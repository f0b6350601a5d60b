package store

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/engine"
)

// FuzzIDCursor checks that any cursor decodes to a UUID or ErrBadCursor,
// and that idCursor's own cursors decode to their id.
func FuzzIDCursor(f *testing.F) {
	id := engine.NewID(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	for _, seed := range []string{idCursor(id), "", "!!", "MTc0MDgzMDQwMDAwMDAwMC94", idCursor("not-a-uuid"), idCursor("{" + id + "}")} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		got, err := decodeIDCursor(cursor)
		if err != nil {
			if !errors.Is(err, ErrBadCursor) {
				t.Fatalf("decodeIDCursor(%q): %v, want ErrBadCursor", cursor, err)
			}
			return
		}
		if u, err := uuid.Parse(got); err != nil || u.String() != got {
			t.Fatalf("decodeIDCursor(%q) = %q, not a canonical UUID", cursor, got)
		}
		if again, err := decodeIDCursor(idCursor(got)); err != nil || again != got {
			t.Fatalf("round trip of %q: %q, %v", got, again, err)
		}
	})
}
