package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hookflow/hookflow/engine/deliver"
	"github.com/hookflow/hookflow/engine/signature"
	"github.com/hookflow/hookflow/engine/store"
)

// masked is how a secret is shown, and, given back in a PUT or PATCH,
// means "keep the stored value".
const masked = "***"

// Limits of a subscription's fields.
const (
	maxSubAttempts  = 20
	maxNameLen      = 200
	maxURLLen       = 2048
	maxDescLen      = 2000
	maxEventTypes   = 100
	maxHeaders      = 50
	maxRateLimit    = 10000
	maxSecretLength = 1024
)

var subMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

// reservedHeaders are set by hookflow on every delivery.
var reservedHeaders = []string{"content-type", "content-length", "host", "transfer-encoding", "connection",
	"webhook-id", "webhook-timestamp", "webhook-signature", "x-signature"}

// readOnlyFields may appear in a PUT body (a GET answer sent back) and are
// ignored.
var readOnlyFields = []string{"id", "has_secret", "disabled_reason", "disabled_at", "failing_since", "created_at", "updated_at"}

// fieldProblem is one problem with one field of a request body.
type fieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problems collects field problems.
type problems []fieldProblem

func (ps *problems) add(field, format string, args ...any) {
	*ps = append(*ps, fieldProblem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// sentence joins the problems into the answer's error sentence.
func (ps problems) sentence() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Field + ": " + p.Message
	}
	return strings.Join(parts, "; ")
}

// newSubscription is a subscription with every default: method POST,
// JSON, one attempt, active.
func newSubscription(now time.Time) *store.Subscription {
	return &store.Subscription{ID: newDeliveryID(), Method: "POST", ContentType: deliver.ContentJSON,
		MaxAttempts: 1, Active: true, CreatedAt: now, UpdatedAt: now}
}

// decodeFields reads a JSON object body into its fields.
func decodeFields(body []byte) (map[string]json.RawMessage, problems) {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return nil, problems{{Field: "body", Message: "must be a JSON object"}}
	}
	return fields, nil
}

// applyFields writes the given fields onto sub. prev is the stored
// subscription (nil on create): a secret or header value of "***" keeps
// its value. Unknown fields are problems; read-only ones are ignored.
func applyFields(sub *store.Subscription, fields map[string]json.RawMessage, prev *store.Subscription) problems {
	var ps problems
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		raw := fields[k]
		if isNull(raw) {
			clearField(sub, k, &ps)
			continue
		}
		var err error
		switch k {
		case "name":
			err = json.Unmarshal(raw, &sub.Name)
		case "url":
			err = json.Unmarshal(raw, &sub.URL)
		case "method":
			err = json.Unmarshal(raw, &sub.Method)
		case "content_type":
			err = json.Unmarshal(raw, &sub.ContentType)
		case "max_attempts":
			err = json.Unmarshal(raw, &sub.MaxAttempts)
		case "active":
			err = json.Unmarshal(raw, &sub.Active)
		case "description":
			err = json.Unmarshal(raw, &sub.Description)
		case "rate_limit":
			err = json.Unmarshal(raw, &sub.RateLimit)
		case "events":
			sub.Events = nil
			err = json.Unmarshal(raw, &sub.Events)
		case "secret":
			err = applySecret(sub, raw, prev)
		case "headers":
			err = applyHeaders(sub, raw, prev)
		default:
			if !slices.Contains(readOnlyFields, k) {
				ps.add(k, "unknown field")
			}
			continue
		}
		if err != nil {
			ps.add(k, "has the wrong type (%s)", jsonKind(k))
		}
	}
	return ps
}

// clearField applies a JSON null: optional fields are cleared, required
// ones are problems.
func clearField(sub *store.Subscription, k string, ps *problems) {
	switch k {
	case "secret":
		sub.Secret = ""
	case "description":
		sub.Description = ""
	case "headers":
		sub.Headers = nil
	case "rate_limit":
		sub.RateLimit = 0
	default:
		if !slices.Contains(readOnlyFields, k) {
			ps.add(k, "must not be null")
		}
	}
}

func applySecret(sub *store.Subscription, raw json.RawMessage, prev *store.Subscription) error {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	if s == masked && prev != nil {
		s = prev.Secret
	}
	sub.Secret = s
	return nil
}

func applyHeaders(sub *store.Subscription, raw json.RawMessage, prev *store.Subscription) error {
	var h map[string]string
	if err := json.Unmarshal(raw, &h); err != nil {
		return err
	}
	for k, v := range h {
		if v == masked && prev != nil {
			if old, ok := lookupHeader(prev.Headers, k); ok {
				h[k] = old
			}
		}
	}
	sub.Headers = h
	return nil
}

// lookupHeader finds a header value by case-insensitive name.
func lookupHeader(h map[string]string, name string) (string, bool) {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// jsonKind names the JSON type a field takes.
func jsonKind(field string) string {
	switch field {
	case "max_attempts", "rate_limit":
		return "want a number"
	case "active":
		return "want true or false"
	case "events":
		return "want a list of strings"
	case "headers":
		return "want an object of strings"
	}
	return "want a string"
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// normalize tidies what users type: names and URLs are trimmed, the
// method upper-cased, event types trimmed and deduplicated.
func normalize(sub *store.Subscription) {
	sub.Name = strings.TrimSpace(sub.Name)
	sub.URL = strings.TrimSpace(sub.URL)
	sub.Method = strings.ToUpper(strings.TrimSpace(sub.Method))
	sub.ContentType = strings.ToLower(strings.TrimSpace(sub.ContentType))
	var events []string
	for _, e := range sub.Events {
		if e = strings.TrimSpace(e); !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	sub.Events = events
}

// validate checks every field and returns all the problems.
func validate(sub *store.Subscription) problems {
	var ps problems
	switch {
	case sub.Name == "":
		ps.add("name", "is required")
	case len(sub.Name) > maxNameLen:
		ps.add("name", "must be at most %d characters", maxNameLen)
	}
	if msg := checkURL(sub.URL); msg != "" {
		ps.add("url", "%s", msg)
	}
	if !slices.Contains(subMethods, sub.Method) {
		ps.add("method", "must be one of %s", strings.Join(subMethods, ", "))
	}
	if sub.ContentType != deliver.ContentJSON && sub.ContentType != deliver.ContentForm {
		ps.add("content_type", "must be %s or %s", deliver.ContentJSON, deliver.ContentForm)
	}
	if sub.MaxAttempts < 1 || sub.MaxAttempts > maxSubAttempts {
		ps.add("max_attempts", "must be from 1 to %d", maxSubAttempts)
	}
	checkEvents(sub.Events, &ps)
	if len(sub.Description) > maxDescLen {
		ps.add("description", "must be at most %d characters", maxDescLen)
	}
	checkHeaders(sub.Headers, &ps)
	if sub.RateLimit < 0 || sub.RateLimit > maxRateLimit {
		ps.add("rate_limit", "must be from 0 (no limit) to %d deliveries per second", maxRateLimit)
	}
	checkSecret(sub.Secret, &ps)
	return ps
}

// checkURL returns what is wrong with a callback URL, or "".
func checkURL(raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > maxURLLen {
		return fmt.Sprintf("must be at most %d characters", maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(raw, " \t\r\n") {
		return "must be an absolute http:// or https:// URL, like https://example.com/webhooks"
	}
	return ""
}

func checkEvents(events []string, ps *problems) {
	if len(events) == 0 {
		ps.add("events", "must list at least one event type or glob, like \"post.created\" or \"post.*\"")
		return
	}
	if len(events) > maxEventTypes {
		ps.add("events", "must list at most %d event types", maxEventTypes)
	}
	for _, e := range events {
		if e == "" || len(e) > maxNameLen || strings.ContainsFunc(e, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			ps.add("events", "%q is not an event type: want a name like post.created, * for any run of characters", e)
		}
	}
}

func checkHeaders(h map[string]string, ps *problems) {
	if len(h) > maxHeaders {
		ps.add("headers", "must hold at most %d headers", maxHeaders)
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		switch {
		case !validHeaderName(k):
			ps.add("headers", "%q is not a header name", k)
		case slices.Contains(reservedHeaders, strings.ToLower(k)):
			ps.add("headers", "%s is set by hookflow and cannot be changed", k)
		case strings.ContainsAny(h[k], "\r\n\x00") || len(h[k]) > 4096:
			ps.add("headers", "the value of %s must be one line of at most 4096 characters", k)
		}
	}
}

// validHeaderName reports whether s is an HTTP token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// checkSecret refuses a secret that cannot sign; the message never
// quotes it.
func checkSecret(secret string, ps *problems) {
	if secret == "" {
		return
	}
	if len(secret) > maxSecretLength {
		ps.add("secret", "must be at most %d characters", maxSecretLength)
		return
	}
	if secret == masked {
		ps.add("secret", "*** keeps the stored secret, and there is none")
		return
	}
	v := &signature.Verifier{Scheme: signature.StandardWebhooks, Secret: secret}
	if err := v.Validate(); err != nil {
		ps.add("secret", "a whsec_ secret must be base64 after its prefix")
	}
}
