package engine

import (
	"context"
	"log/slog"
	"reflect"
	"sync"
)

// An Action performs one step once. Its result becomes steps.<id>.output.
// Wrap an error with Permanent when retrying cannot help, or with RetryAfter
// when the other side said when to come back; a plain error is retried by
// the step's retry policy.
//
// Run must honour ctx (the step's timeout) and, when step.DryRun is set,
// perform no outside effect: it records what it would have sent with
// step.Observe and returns a plausible output.
type Action interface {
	Run(ctx context.Context, step *Step) (any, error)
}

// ActionFunc adapts a function to the Action interface; tests use it for
// tiny in-test actions.
type ActionFunc func(ctx context.Context, step *Step) (any, error)

// Run calls f.
func (f ActionFunc) Run(ctx context.Context, step *Step) (any, error) { return f(ctx, step) }

// Step is what an action gets for one attempt of one step (or of one item of
// a foreach step).
type Step struct {
	// RunID and StepID name the run and the step.
	RunID  string
	StepID string
	// Workflow is the workflow's name.
	Workflow string
	// Attempt counts from 1.
	Attempt int
	// Item is the foreach index, or -1 for a step without foreach.
	Item int
	// DeliveryID stays the same on every attempt of one delivery, so
	// receivers can drop duplicates (the webhook-id header). It is empty
	// for Inline actions, which deliver nothing.
	DeliveryID string
	// Params is a pointer to the action's parameter struct (the type of
	// Definition.Params), decoded from the step's evaluated with:.
	Params any
	// DryRun asks the action to perform no outside effect.
	DryRun bool
	// Resume is the state that the step's previous attempt left with
	// Defer; nil on a first attempt.
	Resume any
	// Log writes to the run's log.
	Log *slog.Logger

	mu        sync.Mutex
	exchanges []Exchange

	// rawValue was decoded from the JSON bytes raw (SetRawJSON).
	rawValue any
	raw      []byte
}

// SetRawJSON tells the action that v was decoded from the JSON bytes raw;
// the engine sets the event's body when it came as JSON.
func (s *Step) SetRawJSON(v any, raw []byte) {
	s.rawValue, s.raw = v, raw
}

// RawJSON returns the JSON bytes v was decoded from, when v is the very
// map or list given to SetRawJSON (not merely an equal one). Sending them
// gives the receiver the same JSON value, byte for byte as it reached
// hookflow, without encoding it again.
func (s *Step) RawJSON(v any) ([]byte, bool) {
	if s == nil || s.raw == nil || !sameComposite(v, s.rawValue) {
		return nil, false
	}
	return s.raw, true
}

// sameComposite reports whether a and b are the same map or the same list
// (one backing array, one length).
func sameComposite(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && x != nil && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	case []any:
		y, ok := b.([]any)
		return ok && len(x) > 0 && len(x) == len(y) && &x[0] == &y[0]
	}
	return false
}

// Observe records a request the action sent (or would have sent) and the
// response it got (nil when none came back). The executor stores them with
// the attempt, with secrets redacted and bodies capped.
func (s *Step) Observe(req *RequestRecord, resp *ResponseRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exchanges = append(s.exchanges, Exchange{Request: req, Response: resp})
}

// Exchanges returns what Observe recorded.
func (s *Step) Exchanges() []Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Exchange(nil), s.exchanges...)
}

// Exchange is one request and its response, as kept in the run record.
type Exchange struct {
	Request  *RequestRecord  `json:"request,omitempty"`
	Response *ResponseRecord `json:"response,omitempty"`
}

// RequestRecord summarises an outgoing request.
type RequestRecord struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	// BodyFromEvent, in a stored record, says that the body sent was the
	// event's raw body, kept once with the event rather than again with
	// every attempt; the store's reads fill Body back in.
	BodyFromEvent bool `json:"body_from_event,omitempty"`
}

// ResponseRecord summarises the answer to a request.
type ResponseRecord struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}
