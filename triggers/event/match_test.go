package event

import "testing"

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		glob, typ string
		want      bool
	}{
		{"order.*", "order.created", true},
		{"order.*", "order.line.added", true},
		{"order.*", "order", false},
		{"order.*", "orders.created", false},
		{"*", "anything.at.all", true},
		{"*", "", true},
		{"post.created", "post.created", true},
		{"post.created", "post.deleted", false},
		{"*.deleted", "user.deleted", true},
		{"*.deleted", "user.created", false},
		{"user.*.done", "user.export.done", true},
		{"user.*.done", "user.export.failed", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"", "", true},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := Match(tt.glob, tt.typ); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.glob, tt.typ, got, tt.want)
		}
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("order.*", "order.created")
	f.Add("*a*b*", "xaybz")
	f.Fuzz(func(t *testing.T, glob, typ string) {
		if len(glob) > 64 || len(typ) > 64 {
			return
		}
		_ = Match(glob, typ)
		if Match(glob, glob) != (glob == glob) && !containsStar(glob) {
			t.Fatalf("a glob without * must match itself: %q", glob)
		}
	})
}

func containsStar(s string) bool {
	for i := range len(s) {
		if s[i] == '*' {
			return true
		}
	}
	return false
}
