package workflow

import (
	"fmt"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/expr"
)

// Pos is a 1-based line and column in a workflow file.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"column"`
}

// Diagnostic is one problem in a workflow file.
type Diagnostic struct {
	File    string `json:"file,omitempty"`
	Pos            // where the problem is
	Message string `json:"message"`
}

// String formats the diagnostic as FILE:LINE:COL: message.
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Col, d.Message)
}

// Diagnostics is a sorted list of problems; as an error it prints one per
// line.
type Diagnostics []Diagnostic

// Error joins the diagnostics one per line.
func (ds Diagnostics) Error() string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += "\n"
		}
		s += d.String()
	}
	return s
}

// Err returns ds as an error, or nil when there is no diagnostic; it spares
// callers the typed-nil trap of returning an empty Diagnostics as an error.
func (ds Diagnostics) Err() error {
	if len(ds) == 0 {
		return nil
	}
	return ds
}

// Workflow is one validated workflow file, with every expression compiled.
type Workflow struct {
	// Name is unique among loaded workflows; [a-z0-9_-].
	Name string
	// NamePos is where the name is written.
	NamePos     Pos
	Description string
	// File is the path it was loaded from ("" for editor-only workflows).
	File string
	// Source is the YAML text as written.
	Source []byte
	// On holds the triggers.
	On Triggers
	// If is the filter; nil when absent (every event passes).
	If *expr.Program
	// Vars are evaluated once per run, before any step, in key order.
	VarNames []string
	Vars     map[string]expr.Value
	// Steps in file order; OnError steps run when the run fails.
	Steps   []*Step
	OnError []*Step
	// Tests are the file's tests: section.
	Tests []*Test
}

// Step looks a step up by id among Steps and OnError.
func (w *Workflow) Step(id string) *Step {
	for _, s := range w.Steps {
		if s.ID == id {
			return s
		}
	}
	for _, s := range w.OnError {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Triggers are the on: section.
type Triggers struct {
	Webhook  *Webhook
	Schedule []Schedule
	Event    *EventTrigger
}

// Webhook is on.webhook.
type Webhook struct {
	Path    string
	Methods []string // empty: every method
	Verify  *Verify
	MaxBody int64 // bytes; default 1 MiB
	// Dedupe computes a delivery id from the event; nil when absent.
	Dedupe      *expr.Program
	Respond     string // "" or "wait"
	WaitTimeout time.Duration
	// VerifyToken answers the Meta hub.challenge handshake.
	VerifyToken expr.Value
}

// Verify is on.webhook.verify.
type Verify struct {
	Scheme string // hmac-sha256 (default), github, stripe, shopify, slack, standard-webhooks
	Secret expr.Value
	Header string // for hmac-sha256; default X-Signature
}

// Schedule is one on.schedule entry.
type Schedule struct {
	Cron     string
	Timezone string
	Catchup  bool // default true
	Pos      Pos
}

// EventTrigger is on.event.
type EventTrigger struct {
	Types []string // globs with *
}

// Step is one validated step.
type Step struct {
	ID   string
	Pos  Pos
	Uses string
	// Def is the action's definition from the registry.
	Def *engine.Definition
	// With is the compiled with: mapping (nil when absent).
	With expr.Value
	// Needs lists explicit needs plus every step that the step's
	// expressions read, without duplicates, in file order.
	Needs []string
	If    *expr.Program
	// Foreach, when set, evaluates to the list of items.
	Foreach         expr.Value
	Retry           RetryPolicy
	Timeout         time.Duration // default 30s
	ContinueOnError bool
}

// RetryPolicy is a step's retry:, with defaults filled in.
type RetryPolicy struct {
	MaxAttempts int           // default 3
	Backoff     string        // "fixed" or "exponential" (default)
	Delay       time.Duration // default 1s
	MaxDelay    time.Duration // default 5m
}

// Test is one entry of the file's tests:.
type Test struct {
	Name string
	Pos  Pos
	// Event holds the event's fields (method, headers, query, body, type);
	// a map with none of those keys is the body.
	Event map[string]any
	// Env sets environment variables for the test, over the process's.
	Env map[string]string
	// Mock maps a step id to its output; a mock that is a map with the
	// single key "error" fails the step with that message.
	Mock   map[string]any
	Expect TestExpect
}

// TestExpect is a test's expect:. Empty fields are not checked; an empty
// list that is present (`skipped: []`) is checked.
type TestExpect struct {
	Status  string   // run status: succeeded, failed, skipped
	Ran     []string // steps whose action ran (succeeded or failed)
	Skipped []string
	Failed  []string
	// Outputs maps "step.path.to.field" to the expected value.
	Outputs map[string]any
	// Set records which list keys were present.
	HasRan, HasSkipped, HasFailed bool
}
