package expr

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm/runtime"
	"github.com/google/uuid"
)

// Function describes one of hookflow's expression functions, for the
// documentation, the JSON schema and the editor's completion.
type Function struct {
	// Name is what expressions call.
	Name string
	// Signature shows the parameters and the result.
	Signature string
	// Doc is one sentence that says what the function does.
	Doc string
}

// Functions lists the functions that hookflow adds to expr's builtins, and
// the builtins that it replaces, in a new slice on each call. Every other
// expr builtin (any, all, filter, map, len, upper, lower, trim, split,
// toBase64, fromBase64, date, duration, …) works as expr documents it.
func Functions() []Function {
	return []Function{
		{"now", "now() time", "Returns the current time; tests fix it with Env.Now."},
		{"toJSON", "toJSON(v any) string", "Encodes v as compact JSON, without escaping <, > and & (replaces expr's indented toJSON)."},
		{"fromJSON", "fromJSON(s string) any", "Decodes the JSON text s; numbers become floats."},
		{"hmacSHA256", "hmacSHA256(key string, message string) string", "Returns the HMAC-SHA256 of message with key, in lowercase hex."},
		{"sha256", "sha256(s string) string", "Returns the SHA-256 digest of s, in lowercase hex."},
		{"base64Encode", "base64Encode(s string) string", "Encodes s in standard base64 with padding."},
		{"base64Decode", "base64Decode(s string) string", "Decodes standard base64, with or without padding, and fails on anything else."},
		{"uuid", "uuid() string", "Returns a new random (version 4) UUID."},
		{"repeat", "repeat(s string, n int) string", "Returns s repeated n times (expr's repeat, with the memory budget checked first)."},
		{"join", "join(list []string, sep string?) string", "Joins the strings of list with sep (expr's join, with the memory budget checked first)."},
		{"replace", "replace(s string, old string, new string, n int?) string", "Replaces every old in s, or the first n, with new (expr's replace, with the memory budget checked first)."},
		{"string", "string(v any) string", "Formats v with Go's %v (expr's string, with the memory budget checked first)."},
		{"concat", "concat(lists ...[]any) []any", "Joins lists into one (expr's concat, with the memory budget checked first)."},
		{"flatten", "flatten(list []any) []any", "Flattens nested lists into one (expr's flatten, with the memory budget checked first)."},
	}
}

// now returns the current time from the Env's clock, or time.Now.
func (s *state) now() time.Time {
	if s.clock != nil {
		return s.clock()
	}
	return time.Now()
}

// toJSON encodes v as compact JSON, without HTML escaping.
func (s *state) toJSON(v any) (string, error) {
	if err := s.chargeDeep(v); err != nil {
		return "", err
	}
	out, err := encodeJSON(v)
	if err != nil {
		return "", fmt.Errorf("toJSON: %w", err)
	}
	return out, nil
}

// encodeJSON encodes v as compact JSON without HTML escaping.
func encodeJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// fromJSON decodes the JSON text str. Its errors name the byte where the
// text goes wrong, never the text itself (it may be a secret).
func (s *state) fromJSON(str string) (any, error) {
	if err := s.charge(2 * len(str)); err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal([]byte(str), &v); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("fromJSON: invalid JSON at byte %d", syn.Offset)
		}
		return nil, errors.New("fromJSON: invalid JSON")
	}
	return v, nil
}

// hmacSHA256 returns the HMAC-SHA256 of message with key, in lowercase hex.
func (s *state) hmacSHA256(key, message string) string {
	s.mustCharge(2 * sha256.Size)
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(message))
	return hex.EncodeToString(m.Sum(nil))
}

// sha256 returns the SHA-256 digest of str, in lowercase hex.
func (s *state) sha256(str string) string {
	s.mustCharge(2 * sha256.Size)
	sum := sha256.Sum256([]byte(str))
	return hex.EncodeToString(sum[:])
}

// base64Encode encodes str in standard base64 with padding.
func (s *state) base64Encode(str string) string {
	s.mustCharge(base64.StdEncoding.EncodedLen(len(str)))
	return base64.StdEncoding.EncodeToString([]byte(str))
}

// base64Decode decodes standard base64, padded or not. Its errors name the
// bad byte's position, never the text.
func (s *state) base64Decode(str string) (string, error) {
	if err := s.charge(len(str)); err != nil {
		return "", err
	}
	enc := base64.StdEncoding
	if len(str)%4 != 0 && !strings.HasSuffix(str, "=") {
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(str)
	if err != nil {
		var bad base64.CorruptInputError
		if errors.As(err, &bad) {
			return "", fmt.Errorf("base64Decode: invalid base64 at byte %d", int64(bad))
		}
		return "", errors.New("base64Decode: invalid base64")
	}
	return string(b), nil
}

// uuid returns a new random (version 4) UUID.
func (s *state) uuid() string {
	s.mustCharge(36)
	return uuid.NewString()
}

// raw is what `event.raw` reads: the raw body as a string. Patches wrap
// every `event.raw` in it, because the event keeps the body as bytes.
func (s *state) raw(v any) string {
	switch b := v.(type) {
	case []byte:
		s.mustCharge(len(b))
		return string(b)
	case string:
		return b
	}
	return ""
}

// get is `x.name` and `x[key]` on a value of unknown type, with a fast
// path for JSON objects.
func get(v, key any) any {
	if m, ok := v.(map[string]any); ok {
		if k, ok := key.(string); ok {
			return m[k]
		}
	}
	return runtime.Fetch(v, key)
}

// getString is `x.name` and `x[key]` on a map of strings (headers, query,
// env).
func getString(v, key any) string {
	if m, ok := v.(map[string]string); ok {
		if k, ok := key.(string); ok {
			return m[k]
		}
	}
	str, _ := runtime.Fetch(v, key).(string)
	return str
}
