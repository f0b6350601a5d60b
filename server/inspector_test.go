package server

import (
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/triggers/webhook"
)

func TestInspectorRingKeepsTheNewest(t *testing.T) {
	t.Parallel()
	in := newInspector(time.Hour)
	now := time.Now()
	for i := range inspectorCap + 5 {
		in.add(webhook.Record{At: now, Path: "p", Status: 200 + i%2, Body: "x"})
	}
	items, next := in.list(3, 0)
	if len(items) != 3 || items[0].ID != inspectorCap+5 || next == "" {
		t.Fatalf("newest page = %+v next %q", items, next)
	}
	all := 0
	cursor := int64(0)
	for {
		page, nxt := in.list(500, cursor)
		all += len(page)
		if nxt == "" {
			break
		}
		cursor = page[len(page)-1].ID
	}
	if all != inspectorCap {
		t.Fatalf("kept %d, want the cap %d", all, inspectorCap)
	}
	big := strings.Repeat("b", inspectorBytes/2+1)
	in.add(webhook.Record{At: now, Body: big})
	in.add(webhook.Record{At: now, Body: big})
	if in.bytes > inspectorBytes {
		t.Fatalf("kept %d body bytes, over the cap %d", in.bytes, inspectorBytes)
	}
	in.now = func() time.Time { return now.Add(2 * time.Hour) }
	in.prune()
	if items, _ := in.list(10, 0); len(items) != 0 {
		t.Fatalf("old entries survived the prune: %d", len(items))
	}
}

func BenchmarkInspectorAdd(b *testing.B) {
	in := newInspector(time.Hour)
	r := webhook.Record{At: time.Now(), Body: strings.Repeat("x", 1024), Headers: map[string]string{"a": "b"}}
	b.ReportAllocs()
	for b.Loop() {
		in.add(r)
	}
}
