package actions

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/store"
)

func newKV(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "kv.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func runStore(t *testing.T, def engine.Definition, with map[string]any) (map[string]any, error) {
	t.Helper()
	params, err := def.DecodeParams(with)
	if err != nil {
		t.Fatal(err)
	}
	out, err := def.Action.Run(context.Background(), &engine.Step{Workflow: "wf", Params: params})
	m, _ := out.(map[string]any)
	return m, err
}

func TestStoreOperations(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	def := Store(Deps{KV: newKV(t), Now: clock})
	steps := []struct {
		with    map[string]any
		advance time.Duration
		want    any
	}{
		{map[string]any{"op": "get", "key": "last"}, 0, nil},
		{map[string]any{"op": "set", "key": "last", "value": map[string]any{"id": "A-1"}, "ttl": "1h"}, 0, map[string]any{"id": "A-1"}},
		{map[string]any{"op": "get", "key": "last"}, 30 * time.Minute, map[string]any{"id": "A-1"}},
		{map[string]any{"op": "get", "key": "last"}, time.Hour, nil},
		{map[string]any{"op": "incr", "key": "n"}, 0, 1.0},
		{map[string]any{"op": "incr", "key": "n", "by": 2.5}, 0, 3.5},
		{map[string]any{"op": "get", "key": "n", "namespace": "other"}, 0, nil},
		{map[string]any{"op": "delete", "key": "n"}, 0, nil},
		{map[string]any{"op": "get", "key": "n"}, 0, nil},
	}
	for i, s := range steps {
		mu.Lock()
		now = now.Add(s.advance)
		mu.Unlock()
		out, err := runStore(t, def, s.with)
		if err != nil {
			t.Fatalf("step %d %v: %v", i, s.with, err)
		}
		if !equalJSON(out["value"], s.want) {
			t.Fatalf("step %d %v: value %v, want %v", i, s.with, out["value"], s.want)
		}
	}
}

func TestStoreIncrIsExactUnderConcurrentRuns(t *testing.T) {
	t.Parallel()
	def := Store(Deps{KV: newKV(t)})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := runStore(t, def, map[string]any{"op": "incr", "key": "hits"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	out, err := runStore(t, def, map[string]any{"op": "get", "key": "hits"})
	if err != nil || out["value"] != 200.0 {
		t.Fatalf("count = %v (%v), want 200", out["value"], err)
	}
}

func TestStoreErrors(t *testing.T) {
	t.Parallel()
	kv := newKV(t)
	tests := []struct {
		name      string
		deps      Deps
		with      map[string]any
		permanent bool
	}{
		{"incr of text", Deps{KV: kv}, map[string]any{"op": "incr", "key": "word"}, true},
		{"no state available", Deps{}, map[string]any{"op": "get", "key": "x"}, true},
		{"empty key", Deps{KV: kv}, map[string]any{"op": "get", "key": ""}, true},
	}
	if _, err := runStore(t, Store(Deps{KV: kv}), map[string]any{"op": "set", "key": "word", "value": "hello"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := runStore(t, Store(tt.deps), tt.with)
			if err == nil || engine.IsPermanent(err) != tt.permanent {
				t.Fatalf("err = %v, want permanent %v", err, tt.permanent)
			}
		})
	}
}
