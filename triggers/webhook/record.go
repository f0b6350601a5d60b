package webhook

import (
	"github.com/hookflow/hookflow/engine"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxRecordBody is the most of a request body that a Record keeps.
const MaxRecordBody = 64 << 10

// redacted replaces a secret in a Record.
const redacted = "***"

// Record is one inbound request as the request inspector shows it, with
// the trigger's verdict. Secrets are replaced by ***: the workflows' verify
// secrets and verify tokens (of four characters or more) wherever they
// appear, hub.verify_token, and
// the values of credential headers (Authorization, Cookie, and any header
// whose name says token, secret, password or api key).
type Record struct {
	// At is when the request arrived.
	At time.Time `json:"at"`
	// Method and Path are the request's; Path is without /hooks/.
	Method string `json:"method"`
	Path   string `json:"path"`
	// Headers have lower-case names, repeated ones joined with ", ".
	Headers map[string]string `json:"headers,omitempty"`
	// Query holds the first value of each query parameter.
	Query map[string]string `json:"query,omitempty"`
	// Body is the body as text, cut at MaxRecordBody bytes.
	Body string `json:"body,omitempty"`
	// Status is the answer's status code.
	Status int `json:"status"`
	// Verdict is "accepted", "duplicate", "handshake", or the sentence
	// of the error answer.
	Verdict string `json:"verdict"`
	// EventID is the stored event's id (the first event's for a
	// duplicate); "" when nothing was stored.
	EventID string `json:"event_id,omitempty"`
	// RunIDs are the runs the event started.
	RunIDs []string `json:"run_ids,omitempty"`
}

// secretQuery are query parameters whose values are never recorded.
var secretQuery = map[string]bool{"hub.verify_token": true}

// record builds the inspector's record of a request and its answer.
func (t *Trigger) record(r *request, a *answer) Record {
	rec := Record{
		At: r.at, Method: r.method, Path: r.path,
		Status: a.status, Verdict: a.verdict, EventID: a.eventID, RunIDs: a.runIDs,
	}
	hide := r.tab.secrets
	rec.Headers = make(map[string]string, len(r.headers))
	for k, v := range r.headers {
		if engine.IsSecretHeader(k) {
			v = redacted
		}
		rec.Headers[k] = hideSecrets(v, hide)
	}
	rec.Query = make(map[string]string, len(r.query))
	for k, v := range r.query {
		if secretQuery[k] {
			v = redacted
		}
		rec.Query[k] = hideSecrets(v, hide)
	}
	body := r.body
	if len(body) > MaxRecordBody {
		body = body[:MaxRecordBody]
	}
	text := string(body)
	if !utf8.ValidString(text) { // checks ASCII eight bytes at a time; ToValidUTF8 decodes rune by rune
		text = strings.ToValidUTF8(text, string(utf8.RuneError))
	}
	rec.Body = hideSecrets(text, hide)
	return rec
}

// hideSecrets replaces every secret (longest first) in s by ***.
func hideSecrets(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}
