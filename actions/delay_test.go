package actions

import (
	"context"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
)

func TestDelayDefersThenFinishes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	def := Delay(Deps{Now: func() time.Time { return now }})
	tests := []struct {
		name     string
		with     map[string]any
		resume   any
		at       time.Time
		wantWake time.Time
		wantDone bool
		wantErr  bool
	}{
		{name: "first attempt defers", with: map[string]any{"duration": "1h"}, at: now, wantWake: now.Add(time.Hour)},
		{name: "until", with: map[string]any{"until": "2026-11-25T09:00:00Z"}, at: now, wantWake: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)},
		{name: "resumed early defers again to the same time", with: map[string]any{"duration": "1h"},
			resume: map[string]any{"wake_at": "2026-11-24T10:30:00Z"}, at: now, wantWake: now.Add(30 * time.Minute)},
		{name: "resumed on time finishes", with: map[string]any{"duration": "1h"},
			resume: map[string]any{"wake_at": "2026-11-24T09:30:00Z"}, at: now, wantDone: true},
		{name: "zero finishes at once", with: map[string]any{"duration": "0s"}, at: now, wantDone: true},
		{name: "both is an error", with: map[string]any{"duration": "1h", "until": "2026-11-25T09:00:00Z"}, wantErr: true},
		{name: "bad until", with: map[string]any{"until": "tomorrow"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			params, err := def.DecodeParams(tt.with)
			if err != nil {
				t.Fatal(err)
			}
			out, err := def.Action.Run(context.Background(), &engine.Step{Params: params, Resume: tt.resume})
			until, _, deferred := engine.Deferred(err)
			switch {
			case tt.wantErr:
				if err == nil || deferred || !engine.IsPermanent(err) {
					t.Fatalf("want a permanent error, got %v", err)
				}
			case tt.wantDone:
				if err != nil || out == nil {
					t.Fatalf("want done, got %v, %v", out, err)
				}
			default:
				if !deferred || !until.Equal(tt.wantWake) {
					t.Fatalf("want a wait until %s, got %v", tt.wantWake, err)
				}
			}
		})
	}
}
