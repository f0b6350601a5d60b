package actions

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"

	"github.com/hookflow/hookflow/engine"
)

// LogParams are the parameters of the log action.
type LogParams struct {
	Message Text   `json:"message" required:"true" doc:"The line to write; a value that is not text is written as JSON."`
	Level   string `json:"level" enum:"debug,info,warn,error" default:"info" doc:"The line's level; info when not set."`
}

// Log returns the log action: it writes one line to the run's log.
func Log(deps Deps) engine.Definition {
	deps = deps.withDefaults()
	return engine.Definition{
		Name:    "log",
		Summary: "Writes a message to the run's log.",
		Output:  "Nothing.",
		Params:  LogParams{},
		Pure:    true,
		Inline:  true,
		Action:  &logAction{fallback: deps.Logger},
	}
}

// logAction performs the log action.
type logAction struct {
	fallback *slog.Logger // used when the step has no Log
}

var _ engine.Action = (*logAction)(nil)

// logLevels maps the level parameter to slog levels.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

// Run writes the message at its level with the workflow (and the foreach
// index when there is one) as attributes. The executor's step.Log already
// carries the run and step ids ("run", "step"); the fallback logger gets
// them here under the same keys. It writes in dry runs too: the run's log
// is not an outside effect.
func (a *logAction) Run(ctx context.Context, step *engine.Step) (any, error) {
	p, err := paramsOf[LogParams]("log", step)
	if err != nil {
		return nil, err
	}
	level, ok := logLevels[cmp.Or(p.Level, "info")]
	if !ok {
		return nil, engine.Permanent(fmt.Errorf("log: level %q is not one of debug, info, warn, error", p.Level))
	}
	logger := step.Log
	if logger == nil {
		logger = a.fallback.With("run", step.RunID, "step", step.StepID)
	}
	attrs := []slog.Attr{slog.String("workflow", step.Workflow)}
	if step.Item >= 0 {
		attrs = append(attrs, slog.Int("index", step.Item))
	}
	logger.LogAttrs(ctx, level, string(p.Message), attrs...)
	return nil, nil
}
