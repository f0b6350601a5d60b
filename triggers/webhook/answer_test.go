package webhook

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestIDAnswerMatchesJSONAnswer checks that the hand-written answer to an
// accepted event is byte for byte what encoding/json makes of it.
func TestIDAnswerMatchesJSONAnswer(t *testing.T) {
	for _, id := range []string{"01a21089-52e3-7696-af1c-9cda7b0b952b", "", "evt_ABC-123", `a"b`, "é", "a<b>&", "a\\b", "a\nb"} {
		for _, dup := range []bool{false, true} {
			b := idBody{ID: id, Duplicate: dup}
			want, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			got := idAnswer(202, b, "accepted")
			if string(got.body) != string(want) || got.status != 202 || got.verdict != "accepted" || got.contentType != "application/json" {
				t.Errorf("idAnswer(%q, duplicate %v) = %d %q %q %s, want 202 accepted application/json %s",
					id, dup, got.status, got.verdict, got.contentType, got.body, want)
			}
		}
	}
}

// TestLowerNameIsToLower checks the header-name fast path against
// strings.ToLower, for common and uncommon names, long ones and names
// that are not ASCII.
func TestLowerNameIsToLower(t *testing.T) {
	names := []string{"Content-Type", "content-type", "X-Signature", "X-Custom-Header", "", "A",
		strings.Repeat("X-Long", 20), "X-Ünïcode", "X-\xff", "Webhook-Id", "HOST", "X-Hub-Signature-256"}
	for _, n := range names {
		if got, want := lowerName([]byte(n)), strings.ToLower(n); got != want {
			t.Errorf("lowerName(%q) = %q, want %q", n, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = lowerName([]byte("Content-Type")) }); n != 0 {
		t.Errorf("lowerName of a common header allocates %v times, want 0", n)
	}
}
