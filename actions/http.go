package actions

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/engine/signature"
)

const (
	// MaxResponseBody is the most of a response body the http action reads;
	// a longer body fails the step.
	MaxResponseBody = 10 << 20
	// MaxRecordedBody is the most of a request or response body kept in the
	// run record (SPEC 3.4); longer bodies are cut there, never on the wire.
	MaxRecordedBody = 64 << 10
)

// HTTPParams are the parameters of the http action.
type HTTPParams struct {
	URL             string          `json:"url" required:"true" doc:"The http or https URL to send the request to."`
	Method          string          `json:"method" enum:"GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS" default:"POST" doc:"The HTTP method; POST when not set."`
	Headers         TextMap         `json:"headers" doc:"Request headers, by name; a Content-Type here is used when content_type is not set."`
	Query           TextMap         `json:"query" doc:"Query parameters, set on top of those already in the URL."`
	Body            any             `json:"body" doc:"The request body: a string is sent as it is; any other value is encoded as content_type says (JSON, or a form for a map). Exactly ${{ event.body }} of a JSON event is sent as it was received."`
	ContentType     string          `json:"content_type" default:"application/json" doc:"The body's media type; application/x-www-form-urlencoded encodes a map as a form, and any type other than JSON or form sends a non-string body as JSON text."`
	Timeout         engine.Duration `json:"timeout" doc:"The longest one attempt may take, such as 10s; the step's timeout applies as well."`
	Expect          []int           `json:"expect" doc:"The statuses that count as success; any 2xx when not set."`
	FollowRedirects bool            `json:"follow_redirects" doc:"Follow up to 10 redirects instead of treating a 3xx response as the answer."`
	Secret          string          `json:"secret" secret:"true" doc:"Signs every attempt: X-Signature (hex HMAC-SHA256 of the body) and the Standard Webhooks webhook-id, webhook-timestamp and webhook-signature headers; a whsec_ secret is base64 after the prefix."`
}

// HTTP returns the http action: it sends one request with the shared client
// and classifies the outcome with engine.CheckResponse and
// engine.CheckTransportError.
func HTTP(deps Deps) engine.Definition {
	deps = deps.withDefaults()
	return engine.Definition{
		Name:    "http",
		Summary: "Sends an HTTP request and fails unless the answer has an expected status.",
		Output:  "The response's status, headers (lower-case names), body (parsed when JSON) and duration_ms.",
		Params:  HTTPParams{},
		Action: &httpAction{
			client:    deps.Client,
			userAgent: "hookflow/" + deps.Version,
			now:       deps.Now,
		},
	}
}

// httpAction performs the http action.
type httpAction struct {
	client    *http.Client
	userAgent string
	now       func() time.Time
}

var _ engine.Action = (*httpAction)(nil)

// Run sends the request once. The body bytes are encoded once and are
// exactly what is sent and recorded. On a status error the output is
// returned along with the error, so the run record can show it.
func (a *httpAction) Run(ctx context.Context, step *engine.Step) (any, error) {
	p, err := paramsOf[HTTPParams]("http", step)
	if err != nil {
		return nil, err
	}
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout.Std())
		defer cancel()
	}
	if p.FollowRedirects {
		ctx = FollowRedirects(ctx)
	}
	req, body, err := a.newRequest(ctx, p, step)
	if err != nil {
		return nil, err
	}
	if err := a.sign(req, body, p.Secret, step.DeliveryID); err != nil {
		return nil, err
	}
	rec := requestRecord(req, body)
	if step.DryRun {
		step.Observe(rec, nil)
		return map[string]any{
			"status": http.StatusOK, "headers": map[string]string{}, "body": nil,
			"duration_ms": 0, "dry_run": true,
		}, nil
	}
	start := a.now()
	resp, err := a.client.Do(req)
	if err != nil {
		step.Observe(rec, nil)
		return nil, checkTransport(req, engine.RedactURL(req.URL), err)
	}
	respBody, err := readBody(req, resp)
	step.Observe(rec, &engine.ResponseRecord{
		Status:  resp.StatusCode,
		Headers: recordHeaders(resp.Header),
		Body:    capText(respBody, MaxRecordedBody),
	})
	if err != nil {
		return nil, err
	}
	return a.result(req, resp, respBody, p.Expect, a.now().Sub(start))
}

// newRequest builds the request and its body bytes.
func (a *httpAction) newRequest(ctx context.Context, p *HTTPParams, step *engine.Step) (*http.Request, []byte, error) {
	u, err := targetURL(p.URL, p.Query)
	if err != nil {
		return nil, nil, engine.Permanent(err)
	}
	ctype := cmp.Or(p.ContentType, headerValue(p.Headers, "Content-Type"), "application/json")
	body, err := encodeBody(p.Body, ctype, step)
	if err != nil {
		return nil, nil, engine.Permanent(fmt.Errorf("body: %w", err))
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	method := strings.ToUpper(cmp.Or(p.Method, http.MethodPost))
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, nil, engine.Permanent(err) // net/http: invalid method "GET POST"
	}
	req.Header.Set("User-Agent", a.userAgent)
	for k, v := range p.Headers {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	req.Header.Del("Content-Type")
	if body != nil || p.ContentType != "" || headerValue(p.Headers, "Content-Type") != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return req, body, nil
}

// sign adds the headers of SPEC 3.5 and 6. Every request carries
// webhook-id, the delivery's id, the same on every attempt, so receivers can
// drop duplicates (unless the step sets its own); with a secret it is also
// signed: the body signed is the body sent and the timestamp is this
// attempt's. A request made outside the executor (no delivery id) gets a
// fresh id.
func (a *httpAction) sign(req *http.Request, body []byte, secret, deliveryID string) error {
	if deliveryID == "" {
		deliveryID = newMessageID()
	}
	if secret == "" {
		if req.Header.Get("webhook-id") == "" {
			req.Header.Set("Webhook-Id", deliveryID)
		}
		return nil
	}
	h, err := signature.Headers(secret, deliveryID, a.now(), body)
	if err != nil {
		return engine.Permanent(fmt.Errorf("secret: %w", err))
	}
	for k, v := range h {
		req.Header[textproto.CanonicalMIMEHeaderKey(k)] = []string{v}
	}
	return nil
}

// newMessageID returns a random webhook-id, "msg_" and 32 hex digits.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "msg_" + hex.EncodeToString(b[:])
}

// targetURL parses raw, checks that it is an http or https URL with a host,
// and sets query on top of its own query.
func targetURL(raw string, query map[string]string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url is not valid: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("url %s: the scheme must be http or https", engine.RedactURL(u))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("url %s: the host is missing", engine.RedactURL(u))
	}
	if len(query) > 0 {
		q := u.Query()
		for k, v := range query {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// readBody reads at most MaxResponseBody bytes and closes the body. Read
// errors are classified like transport errors.
func readBody(req *http.Request, resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody+1))
	what := "response of " + req.Method + " " + engine.RedactURL(req.URL)
	if err != nil {
		return b, engine.CheckTransportError(req, fmt.Errorf("%s: read body: %w", what, err))
	}
	if len(b) > MaxResponseBody {
		return b[:MaxResponseBody], engine.Permanent(fmt.Errorf("%s: body larger than %d MiB", what, MaxResponseBody>>20))
	}
	return b, nil
}

// result builds the output and classifies the status. A JSON body is parsed;
// one that does not parse fails a successful response permanently.
func (a *httpAction) result(req *http.Request, resp *http.Response, body []byte, expect []int, took time.Duration) (any, error) {
	out := map[string]any{
		"status":      resp.StatusCode,
		"headers":     lowerHeaders(resp.Header),
		"body":        string(body),
		"duration_ms": int(took.Milliseconds()),
	}
	statusErr := engine.CheckResponse(resp, expect, a.now())
	media := mediaType(resp.Header.Get("Content-Type"))
	if !isJSON(media) {
		return out, statusErr
	}
	if len(bytes.TrimSpace(body)) == 0 {
		out["body"] = nil
		return out, statusErr
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		if statusErr != nil {
			return out, statusErr
		}
		return out, engine.Permanent(fmt.Errorf("response of %s %s: content type %s but body is not valid JSON: %w",
			req.Method, engine.RedactURL(req.URL), media, err))
	}
	out["body"] = v
	return out, statusErr
}

// encodeBody returns the bytes to send for body: nil for no body, a string
// as it is, otherwise the encoding that ctype names (a form for a map when
// ctype is application/x-www-form-urlencoded, JSON in every other case,
// where the event's own body is the bytes it came as).
func encodeBody(body any, ctype string, step *engine.Step) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case string:
		return []byte(b), nil
	}
	if mediaType(ctype) == "application/x-www-form-urlencoded" {
		return encodeForm(body)
	}
	if raw, ok := step.RawJSON(body); ok {
		return raw, nil // the event's body, as it came
	}
	return marshalJSON(body)
}

// marshalJSON encodes v without HTML escaping and without a final newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// encodeForm encodes a map as application/x-www-form-urlencoded: text as
// is, numbers and booleans as their JSON text, null as "", and a list as
// the key repeated. Keys are sorted.
func encodeForm(body any) ([]byte, error) {
	m, ok := body.(map[string]any)
	if !ok {
		// Normalise other map types (built in Go rather than decoded).
		b, err := json.Marshal(body)
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil || m == nil {
			return nil, errors.New("form encoding needs a map (or a string already encoded)")
		}
	}
	form := url.Values{}
	for k, v := range m {
		items, isList := v.([]any)
		if !isList {
			items = []any{v}
		}
		for _, item := range items {
			s, err := formText(item)
			if err != nil {
				return nil, fmt.Errorf("form field %q %w", k, err)
			}
			form.Add(k, s)
		}
	}
	return []byte(form.Encode()), nil
}

func formText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case map[string]any, []any:
		return "", errors.New("is a map or a nested list; form encoding takes text, numbers, booleans and lists of them")
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// mediaType returns the lower-case media type of a Content-Type value.
func mediaType(ctype string) string {
	if m, _, err := mime.ParseMediaType(ctype); err == nil {
		return m
	}
	m, _, _ := strings.Cut(ctype, ";")
	return strings.ToLower(strings.TrimSpace(m))
}

// isJSON reports whether a media type is JSON: application/json, text/json
// or any +json type such as application/problem+json.
func isJSON(media string) bool {
	return media == "application/json" || media == "text/json" || strings.HasSuffix(media, "+json")
}

// headerValue finds a header in a parameter map, whatever the case of its name.
func headerValue(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// lowerHeaders flattens headers to lower-case names, joining repeated
// values with ", ".
func lowerHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	return out
}

// sensitiveHeaders are never recorded with their values.
var sensitiveHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true,
}

// recordHeaders is lowerHeaders with credentials shown as ***.
func recordHeaders(h http.Header) map[string]string {
	out := lowerHeaders(h)
	for k := range out {
		if sensitiveHeaders[k] {
			out[k] = "***"
		}
	}
	return out
}

// requestRecord describes req for the run record: a password in the URL and
// credential headers are shown as ***, the body is capped.
func requestRecord(req *http.Request, body []byte) *engine.RequestRecord {
	u := *req.URL
	target := u.String()
	if _, has := u.User.Password(); has {
		name := u.User.Username()
		u.User = nil
		scheme, rest, _ := strings.Cut(u.String(), "://")
		target = scheme + "://" + url.User(name).String() + ":***@" + rest
	}
	h := recordHeaders(req.Header)
	if req.Host != "" && req.Host != req.URL.Host {
		h["host"] = req.Host
	}
	return &engine.RequestRecord{
		Method:  req.Method,
		URL:     target,
		Headers: h,
		Body:    capText(body, MaxRecordedBody),
	}
}

// capText returns at most n bytes of b as text, cut at a rune boundary.
func capText(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut])
}
