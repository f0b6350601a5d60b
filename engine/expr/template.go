package expr

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CompileString compiles a string that may hold `${{ … }}`. A string without
// one is a Literal; a string that is exactly one `${{ … }}` (white space
// around allowed) keeps the value's type, with lists as []any and maps as
// map[string]any; otherwise each part is formatted into the text (see
// Format). A `}}` inside a quoted string or a block comment, or closing a
// map literal, does not end an expression. There is no escape for a literal
// "${{". Errors carry offsets relative to s; every error of s is reported,
// sorted by offset.
func CompileString(s string, opt Options) (Value, []*Error) {
	spans, errs := scan(s)
	if len(spans) == 0 && len(errs) == 0 {
		return Literal(s), nil
	}
	progs := make([]*Program, len(spans))
	for i, sp := range spans {
		p, err := compileSpan(s, sp, opt)
		if err != nil {
			errs = append(errs, err)
		}
		progs[i] = p
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Offset < errs[j].Offset })
		return nil, errs
	}
	if len(spans) == 1 && strings.TrimSpace(s) == s[spans[0].start:spans[0].end] {
		return whole{progs[0]}, nil
	}
	return newTemplate(s, spans, progs), nil
}

// span is one `${{ … }}`: s[start:end] runs from "${{" to "}}" included.
type span struct{ start, end int }

// scan finds every `${{ … }}` of s. An unterminated one is an error at its
// "${{" and ends the scan.
func scan(s string) ([]span, []*Error) {
	var spans []span
	for i := 0; ; {
		j := strings.Index(s[i:], "${{")
		if j < 0 {
			return spans, nil
		}
		start := i + j
		end := closing(s, start+3)
		if end < 0 {
			return spans, []*Error{{Offset: start, Message: "unterminated ${{: missing }}"}}
		}
		spans = append(spans, span{start, end + 2})
		i = end + 2
	}
}

// closing returns the index of the "}}" that ends the expression starting
// at from, or -1. It skips quoted strings (with their backslash escapes),
// block comments and balanced braces, so `{"a": {"b": 1}}` and `"}}"` do
// not end it; a line comment ends at the end of its line or at "}}".
func closing(s string, from int) int {
	depth := 0
	for i := from; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\'' || c == '`':
			i = skipQuoted(s, i)
		case strings.HasPrefix(s[i:], "/*"):
			if end := strings.Index(s[i+2:], "*/"); end >= 0 {
				i += 2 + end + 1
			} else {
				i = -1
			}
		case strings.HasPrefix(s[i:], "//"):
			nl, end := strings.IndexByte(s[i:], '\n'), strings.Index(s[i:], "}}")
			switch {
			case end >= 0 && (nl < 0 || end < nl):
				return i + end
			case nl < 0:
				return -1
			}
			i += nl
		case c == '{':
			depth++
		case c == '}' && depth > 0:
			depth--
		case c == '}' && strings.HasPrefix(s[i:], "}}"):
			return i
		}
		if i < 0 {
			return -1
		}
	}
	return -1
}

// skipQuoted returns the index of the quote that closes the string opened
// at s[i], or -1.
func skipQuoted(s string, i int) int {
	q := s[i]
	for i++; i < len(s); i++ {
		switch {
		case s[i] == '\\' && q != '`':
			i++
		case s[i] == q:
			return i
		}
	}
	return -1
}

// compileSpan compiles the inside of one `${{ … }}`; error offsets become
// relative to s.
func compileSpan(s string, sp span, opt Options) (*Program, *Error) {
	inner := s[sp.start+3 : sp.end-2]
	src := strings.TrimSpace(inner)
	if src == "" {
		return nil, &Error{Offset: sp.start, Message: "empty ${{ }}"}
	}
	base := sp.start + 3 + strings.Index(inner, src)
	p, err := Compile(src, opt)
	if err != nil {
		e := err.(*Error)
		return nil, &Error{Offset: base + e.Offset, Message: e.Message}
	}
	return p, nil
}

// whole is a string that is exactly one `${{ … }}`.
type whole struct{ p *Program }

func (w whole) Eval(env *Env) (any, error) {
	v, err := w.p.Run(env)
	if err != nil {
		return nil, err
	}
	return normalize(v), nil
}

func (w whole) Refs() []string { return w.p.refs }

// normalize gives typed lists and maps of strings the shapes that JSON
// values have, so that users of a whole value see []any and
// map[string]any.
func normalize(v any) any {
	switch v := v.(type) {
	case []string:
		return toAnys(v)
	case []int:
		return toAnys(v)
	case []float64:
		return toAnys(v)
	case map[string]string:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = x
		}
		return out
	}
	return v
}

func toAnys[T any](l []T) []any {
	out := make([]any, len(l))
	for i, x := range l {
		out[i] = x
	}
	return out
}

// template is a string with text and expressions mixed.
type template struct {
	text  []string   // text[i] comes before progs[i]; text has one more
	progs []*Program //
	size  int        // bytes of text
	refs  []string
}

func newTemplate(s string, spans []span, progs []*Program) *template {
	t := &template{progs: progs}
	at := 0
	vals := make([]Value, len(progs))
	for i, sp := range spans {
		t.text = append(t.text, s[at:sp.start])
		t.size += sp.start - at
		at = sp.end
		vals[i] = whole{progs[i]}
	}
	t.text = append(t.text, s[at:])
	t.size += len(s) - at
	t.refs = unionRefs(vals)
	return t
}

func (t *template) Eval(env *Env) (any, error) {
	var b strings.Builder
	b.Grow(t.size + 16*len(t.progs))
	for i, p := range t.progs {
		b.WriteString(t.text[i])
		v, err := p.Run(env)
		if err != nil {
			return nil, err
		}
		if err := appendFormat(&b, v, MaxBytes-b.Len()); err != nil {
			return nil, fmt.Errorf("evaluate %s: %w", p.name, err)
		}
	}
	b.WriteString(t.text[len(t.progs)])
	return b.String(), nil
}

func (t *template) Refs() []string { return t.refs }

// Format formats v the way a template with text around `${{ … }}` does:
// strings as they are, nil as "", numbers in plain decimal (12, 0.5, never
// 1.2e+01), bools as true and false, times in RFC 3339, durations like
// "1m30s", and lists, maps and anything else as compact JSON.
func Format(v any) (string, error) {
	var b strings.Builder
	err := appendFormat(&b, v, MaxBytes)
	return b.String(), err
}

// appendFormat writes v formatted to b; it fails rather than write more
// than limit bytes.
func appendFormat(b *strings.Builder, v any, limit int) error {
	var s string
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	case bool:
		s = strconv.FormatBool(v)
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		s = strconv.FormatFloat(float64(v), 'f', -1, 32)
	case time.Time:
		s = v.Format(time.RFC3339Nano)
	case time.Duration:
		s = v.String()
	default:
		if deepSize(v, limit) > limit {
			return ErrMemoryBudget
		}
		j, err := encodeJSON(v)
		if err != nil {
			return fmt.Errorf("format as JSON: %w", err)
		}
		s = j
	}
	if len(s) > limit {
		return ErrMemoryBudget
	}
	b.WriteString(s)
	return nil
}
