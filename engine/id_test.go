package engine

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestNewIDIsUUIDv7OfItsTime(t *testing.T) {
	for _, at := range []time.Time{
		time.Unix(0, 0),
		time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 25, 4, 0, 0, 999_999_999, time.UTC),
		time.Date(2089, 1, 1, 0, 0, 0, 123_456, time.FixedZone("x", 3600)),
	} {
		id := NewID(at)
		u, err := uuid.Parse(id)
		if err != nil {
			t.Fatalf("NewID(%v) = %q: %v", at, id, err)
		}
		if u.Version() != 7 || u.Variant() != uuid.RFC4122 || u.String() != id {
			t.Errorf("NewID(%v) = %q: version %d, variant %v, canonical %q", at, id, u.Version(), u.Variant(), u.String())
		}
		sec, nsec := u.Time().UnixTime()
		if got := time.Unix(sec, nsec); got.UnixMilli() != at.UnixMilli() {
			t.Errorf("NewID(%v) carries %v", at, got)
		}
	}
}

func TestNewIDSortsAsTimes(t *testing.T) {
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	steps := []time.Duration{0, 250 * time.Nanosecond, time.Microsecond, 999 * time.Microsecond,
		time.Millisecond, time.Second, time.Hour, 24 * 365 * time.Hour}
	var prev string
	for i, d := range steps {
		id := NewID(base.Add(d))
		if i > 0 && id <= prev {
			t.Errorf("NewID(+%v) = %s, not after NewID(+%v) = %s", d, id, steps[i-1], prev)
		}
		prev = id
	}
}

func TestIDFloor(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 500_000_000, time.UTC)
	floor := IDFloor(at)
	cases := []struct {
		made  time.Time
		above bool
	}{
		{at, true},
		{at.Add(-time.Nanosecond), false},
		{at.Add(999 * time.Microsecond), true},
		{at.Add(-time.Millisecond), false},
		{at.Add(time.Hour), true},
		{at.Add(-time.Hour), false},
	}
	for _, c := range cases {
		for range 100 { // the random bits must not matter
			if id := NewID(c.made); (id >= floor) != c.above {
				t.Fatalf("NewID(%v) = %s >= IDFloor(%v) = %s is %v, want %v", c.made, id, at, floor, id >= floor, c.above)
			}
		}
	}
}

func TestNewIDUnique(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	seen := make(map[string]bool, 100_000)
	for range 100_000 {
		id := NewID(at)
		if seen[id] {
			t.Fatalf("NewID repeated %s", id)
		}
		seen[id] = true
	}
}

func BenchmarkNewID(b *testing.B) {
	at := time.Now()
	for b.Loop() {
		_ = NewID(at)
	}
}

func BenchmarkUUIDNewV7(b *testing.B) {
	for b.Loop() {
		_ = uuid.Must(uuid.NewV7()).String()
	}
}
