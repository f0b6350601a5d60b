package actions

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/hookflow/hookflow/engine"
)

func TestLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		with    map[string]any
		item    int
		level   string
		message string
		fail    string
	}{
		{name: "default level", with: map[string]any{"message": "hello"}, item: -1, level: "INFO", message: "hello"},
		{name: "debug", with: map[string]any{"message": "d", "level": "debug"}, item: -1, level: "DEBUG", message: "d"},
		{name: "warn", with: map[string]any{"message": "w", "level": "warn"}, item: 2, level: "WARN", message: "w"},
		{name: "error", with: map[string]any{"message": "e", "level": "error"}, item: -1, level: "ERROR", message: "e"},
		{name: "a map is written as JSON", with: map[string]any{"message": map[string]any{"id": 7}}, item: -1, level: "INFO", message: `{"id":7}`},
		{name: "a number", with: map[string]any{"message": 12}, item: -1, level: "INFO", message: "12"},
		{name: "unknown level", with: map[string]any{"message": "x", "level": "loud"}, item: -1,
			fail: `log: level "loud" is not one of debug, info, warn, error`},
	}
	def := Log(Deps{})
	if !def.Pure {
		t.Fatal("log must be Pure")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			// As the executor builds step.Log.
			logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})).With("run", "run1", "step", "say")
			p, err := def.DecodeParams(tt.with)
			if err != nil {
				t.Fatal(err)
			}
			step := &engine.Step{Workflow: "wf", RunID: "run1", StepID: "say", Item: tt.item, Params: p, Log: logger}
			out, err := def.Action.Run(t.Context(), step)
			if tt.fail != "" {
				if !engine.IsPermanent(err) || err.Error() != tt.fail || buf.Len() != 0 {
					t.Fatalf("error %v (wrote %q), want %q", err, buf.String(), tt.fail)
				}
				return
			}
			if err != nil || out != nil {
				t.Fatalf("Run = %v, %v; want nil, nil", out, err)
			}
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("log line %q: %v", buf.String(), err)
			}
			want := map[string]any{"level": tt.level, "msg": tt.message, "workflow": "wf", "run": "run1", "step": "say"}
			if tt.item >= 0 {
				want["index"] = float64(tt.item)
			}
			delete(line, "time")
			if !equalJSON(line, want) {
				t.Fatalf("log line %v, want %v", line, want)
			}
		})
	}
}

func TestLogFallsBackToDepsLogger(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	def := Log(Deps{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	p, _ := def.DecodeParams(map[string]any{"message": "no step logger"})
	if _, err := def.Action.Run(t.Context(), &engine.Step{RunID: "r9", StepID: "s9", Workflow: "wf", Item: -1, Params: p}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`msg="no step logger" run=r9 step=s9 workflow=wf`)) {
		t.Fatalf("fallback logger got %q", buf.String())
	}
}
