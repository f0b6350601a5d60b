package engine

import (
	"context"
	"time"
)

// Event is one thing that happened: an inbound request, a schedule tick, a
// published event or a manual trigger. It is stored before any run starts.
type Event struct {
	// ID is the event's unique id, assigned when it is accepted.
	ID string `json:"id" expr:"id"`
	// Type is "webhook", "schedule", "manual" or a published type such as
	// "post.created".
	Type string `json:"type" expr:"type"`
	// Method is the HTTP method of an inbound request ("" otherwise).
	Method string `json:"method,omitempty" expr:"method"`
	// Path is the inbound path after /hooks/ ("" otherwise).
	Path string `json:"path,omitempty" expr:"path"`
	// Headers holds the request headers with lower-case names; repeated
	// headers are joined with ", ".
	Headers map[string]string `json:"headers,omitempty" expr:"headers"`
	// Query holds the query parameters (the first value of each).
	Query map[string]string `json:"query,omitempty" expr:"query"`
	// Body is the parsed body: a JSON value, a map for form bodies, or the
	// text for anything else.
	Body any `json:"body,omitempty" expr:"body"`
	// Raw is the body exactly as received, kept for signatures.
	Raw []byte `json:"raw,omitempty" expr:"raw"`
	// BodyIsRaw says that Body is Raw decoded as JSON (encoding/json), so
	// that a store may keep Raw alone and decode Body from it when it
	// reads the event back.
	BodyIsRaw bool `json:"-" expr:"-"`
	// ReceivedAt is when the event arrived.
	ReceivedAt time.Time `json:"received_at" expr:"received_at"`
	// DedupeKey, when set, makes a second event with the same key a
	// duplicate of the first.
	DedupeKey string `json:"-" expr:"-"`
}

// A Sink accepts events durably. Accept returns only after the event, and the
// runs it starts, are committed: a caller may answer 2xx once it returns.
type Sink interface {
	Accept(ctx context.Context, ev *Event) (AcceptResult, error)
}

// AcceptResult says what Accept did with an event.
type AcceptResult struct {
	// EventID is the stored event's id; for a duplicate, the first event's.
	EventID string
	// Duplicate is true when an event with the same DedupeKey was already
	// stored; nothing new was started.
	Duplicate bool
	// RunIDs are the runs that the event started, one per matching workflow.
	RunIDs []string
}
