package run

import (
	"sort"
	"strings"

	"github.com/hookflow/hookflow/engine"
)

// maxRecordedBody caps the request and response bodies kept per attempt.
const maxRecordedBody = 64 << 10

// secretEnvWords mark environment variables whose values are secrets.
var secretEnvWords = []string{"SECRET", "TOKEN", "PASSWORD", "PASSWD", "PASS", "KEY", "AUTH", "CREDENTIAL", "PRIVATE", "DSN"}

// redactor replaces secrets by *** in what the engine records and logs:
// the values of secret-looking environment variables, the values of action
// parameters tagged secret:"true", and the values of credential headers.
type redactor struct {
	secrets []string // longest first
}

func newRedactor(env map[string]string) *redactor {
	r := &redactor{}
	for k, v := range env {
		if len(v) >= 4 && containsAny(strings.ToUpper(k), secretEnvWords) {
			r.secrets = append(r.secrets, v)
		}
	}
	sortLongestFirst(r.secrets)
	return r
}

// with returns a redactor that also hides extra.
func (r *redactor) with(extra []string) *redactor {
	if len(extra) == 0 {
		return r
	}
	out := &redactor{secrets: append(append([]string(nil), r.secrets...), extra...)}
	sortLongestFirst(out.secrets)
	return out
}

// text hides every secret in s.
func (r *redactor) text(s string) string {
	for _, sec := range r.secrets {
		if sec != "" && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

// exchanges returns redacted copies with bodies capped.
func (r *redactor) exchanges(xs []engine.Exchange) []engine.Exchange {
	if len(xs) == 0 {
		return nil
	}
	out := make([]engine.Exchange, len(xs))
	for i, x := range xs {
		if x.Request != nil {
			req := *x.Request
			req.URL = r.text(req.URL)
			req.Headers = r.headers(req.Headers)
			req.Body = r.text(capBody(req.Body))
			out[i].Request = &req
		}
		if x.Response != nil {
			resp := *x.Response
			resp.Headers = r.headers(resp.Headers)
			resp.Body = r.text(capBody(resp.Body))
			out[i].Response = &resp
		}
	}
	return out
}

func (r *redactor) headers(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		if engine.IsSecretHeader(k) {
			out[k] = "***"
			continue
		}
		out[k] = r.text(v)
	}
	return out
}

func capBody(s string) string {
	if len(s) <= maxRecordedBody {
		return s
	}
	return s[:maxRecordedBody] + "…[truncated]"
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func sortLongestFirst(s []string) {
	sort.Slice(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
}
