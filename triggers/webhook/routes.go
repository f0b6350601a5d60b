package webhook

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookflow/hookflow/engine/expr"
	"github.com/hookflow/hookflow/engine/run"
	"github.com/hookflow/hookflow/engine/signature"
	"golang.org/x/time/rate"
)

// table is one immutable route table; Load builds a new one and swaps it in.
type table struct {
	routes  map[string]*route
	paths   []string // sorted
	secrets []string // verify secrets and tokens, longest first, for records
}

// route is one path and the workflows that listen on it.
type route struct {
	path  string
	hooks []*hook // in the order the targets were given
	// allow is the Allow header of a 405: the sorted union of the hooks'
	// methods; "" when a hook takes every method (no 405 can happen).
	allow   string
	limiter *rate.Limiter // nil: no rate limit
}

// hook is one workflow's on.webhook, with everything evaluated at load.
type hook struct {
	target  run.Target
	methods []string // upper case; nil: every method
	maxBody int64
	// verifier checks signatures; nil when the workflow has no verify.
	verifier *signature.Verifier
	// verifyErr, when set, refuses every request: the verify settings did
	// not evaluate to something that can check a signature.
	verifyErr error
	slack     bool // verify.scheme is slack
	// token is the evaluated verify_token; hasToken says there is one,
	// and tokenErr that it could not be evaluated (403 to every handshake).
	token    string
	hasToken bool
	tokenErr error
	dedupe   *expr.Program
	// wait and waitTimeout are respond: wait and its wait_timeout.
	wait        bool
	waitTimeout time.Duration
}

// allows reports whether the hook takes method.
func (h *hook) allows(method string) bool {
	return h.methods == nil || slices.Contains(h.methods, method)
}

// Load replaces the route table with the webhooks of targets (targets
// without on.webhook are ignored) in one atomic swap: requests in flight
// finish with the table they started with, and Load never waits for them.
// Verify secrets and verify tokens are evaluated here, with Options.Env.
//
// The error lists every workflow whose settings cannot work (a secret or
// token that evaluates to nothing, an invalid standard-webhooks secret).
// Those workflows are loaded all the same, failing closed: every request
// to them is answered 401 (or 403 for a hub.challenge), never accepted
// unsigned.
func (t *Trigger) Load(targets []run.Target) error {
	tab := &table{routes: map[string]*route{}}
	var errs []error
	for _, tg := range targets {
		if tg.Workflow == nil || tg.Workflow.On.Webhook == nil {
			continue
		}
		h, path, err := t.newHook(tg)
		if err != nil {
			errs = append(errs, fmt.Errorf("workflow %s: %w", tg.Workflow.Name, err))
		}
		rt := tab.routes[path]
		if rt == nil {
			rt = &route{path: path}
			tab.routes[path] = rt
			tab.paths = append(tab.paths, path)
		}
		rt.hooks = append(rt.hooks, h)
		if h.verifier != nil && h.verifyErr == nil {
			tab.secrets = append(tab.secrets, h.verifier.Secret)
		}
		if h.hasToken && h.tokenErr == nil {
			tab.secrets = append(tab.secrets, h.token)
		}
	}
	slices.Sort(tab.paths)
	limiters := t.limits.keep(tab.paths)
	for _, rt := range tab.routes {
		rt.allow = allowHeader(rt.hooks)
		rt.limiter = limiters[rt.path]
	}
	tab.secrets = longestFirst(tab.secrets)
	t.table.Store(tab)
	return errors.Join(errs...)
}

// newHook evaluates one workflow's on.webhook.
func (t *Trigger) newHook(tg run.Target) (*hook, string, error) {
	wh := tg.Workflow.On.Webhook
	h := &hook{target: tg, maxBody: wh.MaxBody, dedupe: wh.Dedupe, wait: wh.Respond == "wait", waitTimeout: wh.WaitTimeout}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBody
	}
	if h.waitTimeout <= 0 {
		h.waitTimeout = DefaultWaitTimeout
	}
	for _, m := range wh.Methods {
		h.methods = append(h.methods, strings.ToUpper(m))
	}
	var errs []error
	if v := wh.Verify; v != nil {
		secret, err := t.evalString(v.Secret, "on.webhook.verify.secret")
		h.verifier = &signature.Verifier{Scheme: signature.Scheme(v.Scheme), Secret: secret, Header: v.Header, Now: t.opts.Now}
		h.slack = h.verifier.Scheme == signature.Slack
		if err == nil {
			if err = h.verifier.Validate(); err != nil {
				err = fmt.Errorf("on.webhook.verify: %w", err)
			}
		}
		if err != nil {
			h.verifyErr = err
			errs = append(errs, err)
		}
	}
	if wh.VerifyToken != nil {
		h.hasToken = true
		h.token, h.tokenErr = t.evalString(wh.VerifyToken, "on.webhook.verify_token")
		if h.tokenErr != nil {
			errs = append(errs, h.tokenErr)
		}
	}
	return h, strings.Trim(wh.Path, "/"), errors.Join(errs...)
}

// evalString evaluates a value that is read when the workflow loads; it
// must give non-empty text. The errors name the key, never the value.
func (t *Trigger) evalString(v expr.Value, key string) (string, error) {
	if v == nil {
		return "", fmt.Errorf("%s is missing", key)
	}
	out, err := v.Eval(&expr.Env{Env: t.opts.Env})
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	var s string
	switch x := out.(type) {
	case nil:
	case string:
		s = x
	default:
		if s, err = expr.Format(x); err != nil {
			return "", fmt.Errorf("%s: %w", key, err)
		}
	}
	if s == "" {
		return "", fmt.Errorf("%s is empty: is its environment variable set?", key)
	}
	return s, nil
}

// allowHeader is the sorted union of the hooks' methods, or "" when one of
// them takes every method.
func allowHeader(hooks []*hook) string {
	var all []string
	for _, h := range hooks {
		if h.methods == nil {
			return ""
		}
		all = append(all, h.methods...)
	}
	slices.Sort(all)
	return strings.Join(slices.Compact(all), ", ")
}

// longestFirst sorts secrets longest first, without duplicates, so that a
// secret containing another is hidden whole.
func longestFirst(secrets []string) []string {
	slices.SortFunc(secrets, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(secrets)
}
