package webhook

import (
	"bytes"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/hookflow/hookflow/engine"
)

// parse builds the event: the body is parsed as its content type says (a
// JSON value, a map of a form's first values, or the text) and the raw
// bytes are copied, since fiber reuses its buffers.
func (t *Trigger) parse(r *request) *answer {
	body, isJSON, a := parseBody(r.headers["content-type"], r.body)
	if a != nil {
		return a
	}
	r.ev = &engine.Event{
		Type:       "webhook",
		Method:     r.method,
		Path:       r.path,
		Headers:    r.headers,
		Query:      r.query,
		Body:       body,
		ReceivedAt: r.at,
	}
	if len(r.body) > 0 {
		r.ev.Raw = bytes.Clone(r.body)
		// A JSON body is its raw bytes decoded: the store keeps it once.
		r.ev.BodyIsRaw = isJSON
	}
	return nil
}

// parseBody decodes raw by its Content-Type. An empty body is nil whatever
// the type. JSON (application/json, *+json) is decoded (isJSON); a form
// (application/x-www-form-urlencoded) becomes a map of first values;
// multipart bodies are refused; anything else is text, refused when it is
// not UTF-8.
func parseBody(contentType string, raw []byte) (body any, isJSON bool, a *answer) {
	if len(raw) == 0 {
		return nil, false, nil
	}
	mt := "application/octet-stream"
	if strings.TrimSpace(contentType) != "" {
		parsed, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			return nil, false, unsupported(contentType)
		}
		mt = parsed
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		v, err := engine.DecodeJSONValue(raw)
		if err != nil {
			return nil, false, errorAnswer(fiber.StatusBadRequest, "body is not valid JSON: "+err.Error())
		}
		return v, true, nil
	case mt == "application/x-www-form-urlencoded":
		body, a = parseForm(raw)
		return body, false, a
	case strings.HasPrefix(mt, "multipart/"):
		return nil, false, unsupported(mt)
	case !utf8.Valid(raw):
		return nil, false, unsupported(mt)
	}
	return string(raw), false, nil
}

// parseForm decodes a form body into a map of each field's first value.
func parseForm(raw []byte) (any, *answer) {
	vals, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, errorAnswer(fiber.StatusBadRequest, "body is not a valid form: "+err.Error())
	}
	m := make(map[string]any, len(vals))
	for k, v := range vals {
		if len(v) > 0 {
			m[k] = v[0]
		}
	}
	return m, nil
}

// unsupported is the 415 answer for a content type.
func unsupported(mt string) *answer {
	if len(mt) > 100 {
		mt = strings.ToValidUTF8(mt[:100], "") + "…"
	}
	return errorAnswer(fiber.StatusUnsupportedMediaType,
		"content type "+mt+" is not accepted: send JSON, a form or text")
}
