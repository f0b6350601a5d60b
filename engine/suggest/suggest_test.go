package suggest

import "testing"

func TestClosest(t *testing.T) {
	t.Parallel()
	known := []string{"needs", "uses", "with", "if", "foreach", "event", "steps"}
	tests := []struct{ got, want string }{
		{"neeeds", "needs"}, {"NEEDS", "needs"}, {"usse", "uses"}, {"wiht", "with"},
		{"evnt", "event"}, {"foreahc", "foreach"}, {"xyz", ""}, {"", ""}, {"needs", ""}, {"fi", "if"},
	}
	for _, tt := range tests {
		if got := Closest(tt.got, known); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.got, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"ab", "ba", 1}, {"héllo", "hello", 1}}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
