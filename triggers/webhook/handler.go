package webhook

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/engine"
	"github.com/valyala/fasthttp"
)

// maxPathInMessage caps how much of a requested path an answer repeats.
const maxPathInMessage = 200

// request is one inbound request as it goes through the stages. Each stage
// reads what earlier stages set and adds its own part.
type request struct {
	ctx     context.Context
	tab     *table
	at      time.Time
	method  string
	path    string // after /hooks/, without surrounding slashes
	headers map[string]string
	query   map[string]string
	// body aliases fiber's buffer: it is valid only while the handler
	// runs. The event gets a copy.
	body []byte

	route  *route
	hooks  []*hook // candidates: narrowed by method, size, then signature
	ev     *engine.Event
	result engine.AcceptResult

	release func() // gives the in-flight slot back; nil when none taken
}

// answer is what a stage answers: a status, headers, a body and the
// verdict that the inspector shows.
type answer struct {
	status      int
	headers     [][2]string
	contentType string
	body        []byte
	verdict     string
	eventID     string
	runIDs      []string
}

// A stage handles one concern of a request: it returns nil to pass the
// request on, or the answer that ends it.
type stage func(r *request) *answer

// pipeline runs stages in order until one answers.
type pipeline []stage

// run returns the first answer of a stage; the last stage always answers.
func (p pipeline) run(r *request) *answer {
	for _, s := range p {
		if a := s(r); a != nil {
			return a
		}
	}
	return errorAnswer(fiber.StatusInternalServerError, "the request was not answered")
}

// Handler returns the fiber handler to mount at /hooks/*: it reads the path
// after /hooks/ from the wildcard parameter.
func (t *Trigger) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		r := t.newRequest(c)
		a := t.handle(r)
		a.write(c)
		if t.opts.Inspect != nil {
			t.opts.Inspect(t.record(r, a))
		}
		return nil
	}
}

// handle runs the stages and gives back the in-flight slot, even when a
// stage panics.
func (t *Trigger) handle(r *request) *answer {
	defer func() {
		if r.release != nil {
			r.release()
		}
	}()
	return t.stages.run(r)
}

// newRequest copies what the stages need out of fiber's reused buffers
// (except the body, which stays valid during the handler).
func (t *Trigger) newRequest(c *fiber.Ctx) *request {
	req := c.Request()
	return &request{
		ctx:     c.UserContext(),
		tab:     t.table.Load(),
		at:      t.opts.Now().UTC(),
		method:  strings.Clone(c.Method()),
		path:    strings.Trim(strings.Clone(c.Params("*")), "/"),
		headers: lowerHeaders(&req.Header),
		query:   firstValues(req.URI().QueryArgs()),
		body:    req.Body(),
	}
}

// lowerHeaders returns the headers with lower-case names; repeated headers
// are joined with ", ".
func lowerHeaders(h *fasthttp.RequestHeader) map[string]string {
	out := make(map[string]string, h.Len())
	h.VisitAll(func(k, v []byte) {
		name := lowerName(k)
		if prev, ok := out[name]; ok {
			out[name] = prev + ", " + string(v)
			return
		}
		out[name] = string(v)
	})
	return out
}

// commonHeaders holds the lower-case names of headers that most requests
// carry, so that lowerName returns them without allocating. It is never
// written.
var commonHeaders = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"accept", "accept-encoding", "authorization", "connection", "content-length",
		"content-type", "host", "user-agent", "x-forwarded-for", "x-request-id", "x-signature",
		"x-hub-signature-256", "x-github-delivery", "x-github-event", "x-shopify-hmac-sha256",
		"x-shopify-webhook-id", "stripe-signature", "idempotency-key", "webhook-id", "webhook-signature",
		"webhook-timestamp", "x-slack-signature", "x-slack-request-timestamp"} {
		m[n] = n
	}
	return m
}()

// lowerName is strings.ToLower(string(k)) for a header name, without an
// allocation for the names in commonHeaders.
func lowerName(k []byte) string {
	var buf [64]byte
	if len(k) > len(buf) {
		return strings.ToLower(string(k))
	}
	b := buf[:len(k)]
	for i, c := range k {
		switch {
		case c >= utf8.RuneSelf:
			return strings.ToLower(string(k))
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b[i] = c
	}
	if name, ok := commonHeaders[string(b)]; ok {
		return name
	}
	return string(b)
}

// firstValues returns the first value of each query parameter.
func firstValues(args *fasthttp.Args) map[string]string {
	out := make(map[string]string, args.Len())
	args.VisitAll(func(k, v []byte) {
		if _, ok := out[string(k)]; !ok {
			out[string(k)] = string(v)
		}
	})
	return out
}

// write sends the answer through fiber.
func (a *answer) write(c *fiber.Ctx) {
	if a.contentType != "" {
		c.Set(fiber.HeaderContentType, a.contentType)
	}
	for _, h := range a.headers {
		c.Set(h[0], h[1])
	}
	c.Status(a.status)
	c.Response().SetBodyRaw(a.body)
}

// retryAfter adds a Retry-After header of d (whole seconds, at least 1).
func (a *answer) retryAfter(d time.Duration) *answer {
	a.headers = append(a.headers, [2]string{fiber.HeaderRetryAfter, strconv.Itoa(retryAfterSeconds(d))})
	return a
}

// errorBody is every error answer.
type errorBody struct {
	Error string `json:"error"`
	ID    string `json:"id,omitempty"`
}

// idBody is the answer to a stored event.
type idBody struct {
	ID        string `json:"id"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

// idAnswer is jsonAnswer(status, b, verdict), with the body written by
// hand when the id needs no escaping (event ids are UUIDs): it is the
// answer to every accepted event.
func idAnswer(status int, b idBody, verdict string) *answer {
	for i := 0; i < len(b.ID); i++ {
		if c := b.ID[i]; !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return jsonAnswer(status, b, verdict)
		}
	}
	body := make([]byte, 0, len(b.ID)+len(`{"id":"","duplicate":true}`))
	body = append(append(body, `{"id":"`...), b.ID...)
	if b.Duplicate {
		body = append(body, `","duplicate":true}`...)
	} else {
		body = append(body, `"}`...)
	}
	return &answer{status: status, contentType: fiber.MIMEApplicationJSON, body: body, verdict: verdict}
}

// errorAnswer is {"error": sentence} with status; the sentence is also the
// verdict.
func errorAnswer(status int, sentence string) *answer {
	return jsonAnswer(status, errorBody{Error: sentence}, sentence)
}

// jsonAnswer encodes v (a type that always encodes) as the body.
func jsonAnswer(status int, v any, verdict string) *answer {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":"the answer could not be encoded"}`)
		status = fiber.StatusInternalServerError
	}
	return &answer{status: status, contentType: fiber.MIMEApplicationJSON, body: b, verdict: verdict}
}

// shortPath is the requested path for a message, cut when very long.
func shortPath(p string) string {
	if len(p) > maxPathInMessage {
		return strings.ToValidUTF8(p[:maxPathInMessage], "") + "…"
	}
	return p
}
