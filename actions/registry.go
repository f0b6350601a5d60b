package actions

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// Deps is what actions need from the server. Build it once per process; the
// zero value works (tests use it) and gets the defaults described on each
// field.
type Deps struct {
	// Client sends every outgoing HTTP request. Nil: NewHTTPClient with
	// default ClientOptions (no SSRF guard), built once by Registry.
	Client *http.Client
	// Logger receives the actions' own logs, and the log action's lines
	// when a step has no Log. Nil: logs are discarded.
	Logger *slog.Logger
	// Version is sent as User-Agent: hookflow/<Version>. Empty: "dev".
	Version string
	// Now is the clock, used for Retry-After dates and durations. Nil:
	// time.Now.
	Now func() time.Time
}

func (d Deps) withDefaults() Deps {
	if d.Client == nil {
		d.Client = NewHTTPClient(ClientOptions{})
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.Version == "" {
		d.Version = "dev"
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return d
}

// Registry returns the registry of every built-in action, sharing deps.
// Adding an action is one file with its test and one line here.
func Registry(deps Deps) *engine.Registry {
	deps = deps.withDefaults()
	r := engine.NewRegistry()
	r.Add(HTTP(deps))
	r.Add(Transform(deps))
	r.Add(Log(deps))
	return r
}

// paramsOf returns the step's decoded parameters as a *T. Any other type is
// a bug in the caller, reported as a permanent error.
func paramsOf[T any](action string, step *engine.Step) (*T, error) {
	p, ok := step.Params.(*T)
	if !ok || p == nil {
		return nil, engine.Permanent(fmt.Errorf("%s: params are %T, want %T", action, step.Params, p))
	}
	return p, nil
}
