package store

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"

	"github.com/hookflow/hookflow/engine"
)

// appendNativeJSON appends v as json.Marshal would, byte for byte, when v
// is made only of what JSON decodes into (maps of string keys, lists,
// strings, float64, bool, nil), of Go ints and of string maps, without
// json.Marshal's
// reflection; it reports false, having appended nothing useful, for
// anything else (the caller then uses json.Marshal).
func appendNativeJSON(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return appendJSONString(b, x), true
	case bool:
		return strconv.AppendBool(b, x), true
	case float64:
		return appendFloat(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case map[string]any:
		return appendNativeMap(b, x)
	case map[string]string: // headers
		if x == nil {
			return append(b, "null"...), true
		}
		return appendSortedMap(b, x, appendStringValue)
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendNativeJSON(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	}
	return b, false
}

// appendNativeMap appends a map with its keys sorted, as json.Marshal does.
func appendNativeMap(b []byte, m map[string]any) ([]byte, bool) {
	if m == nil {
		return append(b, "null"...), true
	}
	return appendSortedMap(b, m, appendNativeJSON)
}

// appendSortedMap appends m as a JSON object with its keys sorted, each
// value by appendValue; it stops at the first value appendValue refuses.
func appendSortedMap[V any](b []byte, m map[string]V, appendValue func([]byte, V) ([]byte, bool)) ([]byte, bool) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		var ok bool
		if b, ok = appendValue(b, m[k]); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendFloat formats f as encoding/json does: like ES6, with the exponent
// form only for very small or large magnitudes. NaN and infinities are
// not JSON.
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// appendJSONString appends s as json.Marshal writes it: plain ASCII text
// as it is, anything that needs escaping (control characters, quotes,
// backslashes, HTML's <, > and &, and every non-ASCII byte, for its UTF-8
// checks) through json.Marshal itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendExchanges appends an attempt's exchanges as json.Marshal would,
// byte for byte, without its reflection.
func appendExchanges(b []byte, xs []engine.Exchange) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if r := x.Request; r != nil {
			b = append(b, `"request":{"method":`...)
			b = appendJSONString(b, r.Method)
			b = append(b, `,"url":`...)
			b = appendJSONString(b, r.URL)
			b = appendHeadersField(b, r.Headers)
			b = appendBodyField(b, r.Body)
			if r.BodyFromEvent {
				b = append(b, `,"body_from_event":true`...)
			}
			b = append(b, '}')
		}
		if r := x.Response; r != nil {
			if x.Request != nil {
				b = append(b, ',')
			}
			b = append(b, `"response":{"status":`...)
			b = strconv.AppendInt(b, int64(r.Status), 10)
			b = appendHeadersField(b, r.Headers)
			b = appendBodyField(b, r.Body)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendHeadersField appends `,"headers":{…}` unless h is empty.
func appendHeadersField(b []byte, h map[string]string) []byte {
	if len(h) == 0 {
		return b
	}
	b = append(b, `,"headers":`...)
	b, _ = appendSortedMap(b, h, appendStringValue)
	return b
}

// appendStringValue is appendJSONString for appendSortedMap.
func appendStringValue(b []byte, v string) ([]byte, bool) { return appendJSONString(b, v), true }

// appendBodyField appends `,"body":"…"` unless body is empty.
func appendBodyField(b []byte, body string) []byte {
	if body == "" {
		return b
	}
	return appendJSONString(append(b, `,"body":`...), body)
}
