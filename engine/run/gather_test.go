package run

import (
	"testing"
	"time"
)

// TestGather covers the group-commit batching: a spent window takes only
// what is waiting; a window left takes what arrives in it; max caps both.
func TestGather(t *testing.T) {
	for _, c := range []struct {
		name    string
		waiting int
		late    bool // two more arrive from another goroutine
		max     int
		window  time.Duration
		want    int
	}{
		{"spent window takes what waits", 3, false, 10, 0, 4},
		{"negative window is spent", 3, false, 10, -time.Second, 4},
		{"spent window stops at max", 30, false, 10, 0, 10},
		{"open window takes a late arrival", 3, true, 5, time.Minute, 5},
		{"open window stops at max before it ends", 30, false, 10, time.Minute, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := make(chan int, 64)
			for i := range c.waiting {
				ch <- i
			}
			if c.late {
				go func() { ch <- -1; ch <- -2 }()
			}
			got := gather(ch, []int{100}, c.max, c.window)
			if len(got) != c.want {
				t.Fatalf("gather took %d, want %d: %v", len(got), c.want, got)
			}
		})
	}
}
