package engine

// Response is the answer that a run gives to the webhook request that
// started it (on.webhook.respond: wait), set by the respond action.
type Response struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	// Body is sent as is when it is a string, as JSON otherwise.
	Body any `json:"body,omitempty"`
}

// A Responder delivers a run's Response to the request waiting for it. It
// reports whether anybody was waiting (a run started by anything but a
// waiting webhook has no one to answer).
type Responder interface {
	Respond(runID string, r Response) bool
}
