package expr

import (
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/hookflow/hookflow/engine"
)

// Env is the data an expression sees at run time. An Env is only read: one
// Env may be shared by concurrent evaluations.
type Env struct {
	// Event is the run's event (`event.…`).
	Event *engine.Event
	// Vars are the workflow's evaluated vars (`vars.…`).
	Vars map[string]any
	// Env is the server's environment less HOOKFLOW_* variables (`env.…`).
	Env map[string]string
	// Steps holds the finished steps of the run (`steps.ID.…`).
	Steps map[string]*StepState
	// Run describes the run (`run.…`).
	Run RunInfo
	// Item and Index are the current foreach item and its index.
	Item  any
	Index int
	// Now, when not nil, is the clock that now() reads; nil means
	// time.Now. Tests set it to get a fixed time.
	Now func() time.Time
}

// StepState is what `steps.ID` shows of a step.
type StepState struct {
	// Status is the step's final status, such as "succeeded" or "failed".
	Status string `expr:"status" json:"status"`
	// Output is what the step's action returned.
	Output any `expr:"output" json:"output"`
	// Error is the step's error message, "" when it succeeded.
	Error string `expr:"error" json:"error"`
	// Attempts is how many times the step ran.
	Attempts int `expr:"attempts" json:"attempts"`
}

// RunInfo is what `run` shows.
type RunInfo struct {
	// ID is the run's id.
	ID string `expr:"id" json:"id"`
	// Workflow is the workflow's name.
	Workflow string `expr:"workflow" json:"workflow"`
	// Version is the workflow version that the run uses.
	Version int `expr:"version" json:"version"`
	// Error is the message of the error that failed the run (in on_error
	// steps), "" otherwise.
	Error string `expr:"error" json:"error"`
}

// Options say where an expression stands.
type Options struct {
	// Foreach makes `item` and `index` available.
	Foreach bool
}

// Limits on one expression. They keep a hostile or careless expression from
// exhausting the process: each one, when passed, is a compile error or an
// evaluation error, never a large allocation.
const (
	// MaxSourceLen is the length of the longest expression, in bytes.
	MaxSourceLen = 4096
	// MaxNodes is the largest number of syntax nodes in one expression.
	MaxNodes = 1000
	// MaxElements is expr's memory budget for one evaluation: about how
	// many list elements, map entries and range items it may create.
	MaxElements = 1_000_000
	// MaxBytes is how many bytes of strings, lists and maps one evaluation
	// may produce through functions and operators.
	MaxBytes = 32 << 20
	// MaxIterations is how many times one evaluation may run the body of a
	// predicate (any, all, map, filter and the like).
	MaxIterations = 1_000_000
)

// Names that expressions see, with their fields. The tables are read-only.
var (
	topNames    = []string{"event", "vars", "env", "steps", "run"}
	loopNames   = []string{"item", "index"}
	eventFields = []string{"id", "type", "method", "path", "headers", "query", "body", "raw", "received_at"}
	stepFields  = []string{"status", "output", "error", "attempts"}
	runFields   = []string{"id", "workflow", "version", "error"}
)

// view is the typed environment that programs are compiled against and run
// with. Its data fields are copied from an Env for each evaluation; its
// function fields are bound once, when its machine is made, to the
// machine's state. Fields whose names start with "__" are internal: the
// validator refuses them in source, and only patches insert them.
type view struct {
	Event *engine.Event         `expr:"event"`
	Vars  map[string]any        `expr:"vars"`
	Env   map[string]string     `expr:"env"`
	Steps map[string]*StepState `expr:"steps"`
	Run   *RunInfo              `expr:"run"`
	Item  any                   `expr:"item"`
	Index int                   `expr:"index"`

	// Copies of the event's fields, so that `event.body` is one field load
	// rather than two; eventPatch rewrites event.X to these.
	EventID         string            `expr:"__event_id"`
	EventType       string            `expr:"__event_type"`
	EventMethod     string            `expr:"__event_method"`
	EventPath       string            `expr:"__event_path"`
	EventHeaders    map[string]string `expr:"__event_headers"`
	EventQuery      map[string]string `expr:"__event_query"`
	EventBody       any               `expr:"__event_body"`
	EventRaw        []byte            `expr:"__event_raw"`
	EventReceivedAt time.Time         `expr:"__event_received_at"`

	// hookflow's functions; see Functions.
	Now          func() time.Time             `expr:"now"`
	ToJSON       func(any) (string, error)    `expr:"toJSON"`
	FromJSON     func(string) (any, error)    `expr:"fromJSON"`
	HMACSHA256   func(string, string) string  `expr:"hmacSHA256"`
	SHA256       func(string) string          `expr:"sha256"`
	Base64Encode func(string) string          `expr:"base64Encode"`
	Base64Decode func(string) (string, error) `expr:"base64Decode"`
	UUID         func() string                `expr:"uuid"`

	// expr builtins replaced by versions that check the memory budget
	// before they allocate.
	Repeat  func(string, any) (string, error)                    `expr:"repeat"`
	Join    func(any, ...string) (string, error)                 `expr:"join"`
	Replace func(string, string, string, ...int) (string, error) `expr:"replace"`
	String  func(any) (string, error)                            `expr:"string"`
	Concat  func(...any) ([]any, error)                          `expr:"concat"`
	Flatten func(any) ([]any, error)                             `expr:"flatten"`

	// Internal functions that patches insert.
	Charge       func(any) any         `expr:"__charge"`
	ChargeString func(string) string   `expr:"__chargeString"`
	Tick         func() bool           `expr:"__tick"`
	Get          func(any, any) any    `expr:"__get"`
	GetString    func(any, any) string `expr:"__getString"`
	RawString    func(any) string      `expr:"__raw"`
}

// machine is what one evaluation needs: a VM, a view and the budget state.
// Programs keep machines in a pool, so that an evaluation allocates
// nothing of its own.
type machine struct {
	vm    vm.VM
	view  view
	state state
	event engine.Event // the empty event, when Env.Event is nil
	run   RunInfo      // the empty run, when the Env is nil
}

func newMachine() *machine {
	m := &machine{}
	m.vm.MemoryBudget = MaxElements
	m.state.bind(&m.view)
	return m
}

// load points the view at env and resets the budgets.
func (m *machine) load(env *Env) {
	v := &m.view
	if env == nil {
		v.Event, v.Run = &m.event, &m.run
		v.loadEvent()
		m.state.reset(nil)
		return
	}
	v.Event = env.Event
	if v.Event == nil {
		v.Event = &m.event
	}
	v.loadEvent()
	v.Vars, v.Env, v.Steps, v.Run = env.Vars, env.Env, env.Steps, &env.Run
	v.Item, v.Index = env.Item, env.Index
	m.state.reset(env.Now)
}

// loadEvent copies the fields of v.Event to the view.
func (v *view) loadEvent() {
	e := v.Event
	v.EventID, v.EventType, v.EventMethod, v.EventPath = e.ID, e.Type, e.Method, e.Path
	v.EventHeaders, v.EventQuery, v.EventBody, v.EventRaw = e.Headers, e.Query, e.Body, e.Raw
	v.EventReceivedAt = e.ReceivedAt
}

// unload drops every reference to the evaluation's data, so that a pooled
// machine keeps nothing alive.
func (m *machine) unload() {
	v := &m.view
	v.Event, v.Vars, v.Env, v.Steps, v.Run, v.Item, v.Index = nil, nil, nil, nil, nil, nil, 0
	v.EventHeaders, v.EventQuery, v.EventBody, v.EventRaw = nil, nil, nil, nil
	m.state.clock = nil
	clear(m.vm.Stack[:cap(m.vm.Stack)])
	clear(m.vm.Variables)
}
