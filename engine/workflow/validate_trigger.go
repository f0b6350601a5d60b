package workflow

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // time zones are checked the same on every machine

	"github.com/hookflow/hookflow/engine/expr"
	"github.com/robfig/cron/v3"
)

// triggers reads on:.
func (b *builder) triggers(on *node) Triggers {
	var t Triggers
	if on.kind != nodeMap {
		return t
	}
	if n, _ := on.get("webhook"); n != nil && n.kind == nodeMap {
		t.Webhook = b.webhook(n)
	}
	if n, _ := on.get("schedule"); n != nil {
		items := n.vals
		if n.kind == nodeMap {
			items = []*node{n}
		} else if n.kind != nodeList {
			items = nil
		}
		for _, item := range items {
			if item.kind == nodeMap {
				t.Schedule = append(t.Schedule, schedule(item))
			}
		}
	}
	if n, _ := on.get("event"); n != nil && n.kind == nodeMap {
		t.Event = &EventTrigger{}
		if types, _ := n.get("types"); types != nil {
			for _, ty := range types.vals {
				if s := ty.str(); s != "" {
					t.Event.Types = append(t.Event.Types, s)
				}
			}
		}
	}
	return t
}

// webhook reads on.webhook with its defaults.
func (b *builder) webhook(n *node) *Webhook {
	wh := &Webhook{
		MaxBody:     defaultMaxBody,
		WaitTimeout: durationAt(n, "wait_timeout", defaultWaitTimeout),
	}
	if v, _ := n.get("path"); v != nil {
		wh.Path = strings.TrimPrefix(v.str(), "/")
	}
	if v, _ := n.get("methods"); v != nil {
		for _, m := range v.vals {
			if m.kind == nodeString {
				wh.Methods = append(wh.Methods, strings.ToUpper(m.text))
			}
		}
	}
	if v, _ := n.get("verify"); v != nil && v.kind == nodeMap {
		wh.Verify = b.verify(v)
	}
	if v, _ := n.get("max_body"); v != nil {
		if s, ok := sizeOf(v); ok {
			wh.MaxBody = s
		}
	}
	if v, _ := n.get("dedupe"); v != nil && isExprKind(v) {
		wh.Dedupe, _ = b.compileWhole(v, expr.Options{})
		b.atIngest(v, "on.webhook.dedupe", false)
	}
	if v, _ := n.get("respond"); v != nil {
		wh.Respond = v.str()
	}
	if v, _ := n.get("verify_token"); v != nil && v.kind == nodeString {
		wh.VerifyToken, _ = b.compileString(v, expr.Options{})
		b.atLoad(v, "on.webhook.verify_token")
	}
	return wh
}

// verify reads on.webhook.verify.
func (b *builder) verify(n *node) *Verify {
	v := &Verify{Scheme: defaultScheme}
	if s, _ := n.get("scheme"); s.str() != "" {
		v.Scheme = s.str()
	}
	if s, _ := n.get("secret"); s != nil && s.kind == nodeString {
		v.Secret, _ = b.compileString(s, expr.Options{})
		b.atLoad(s, "on.webhook.verify.secret")
	}
	h, hk := n.get("header")
	switch {
	case h.str() != "" && v.Scheme != defaultScheme:
		b.c.errf(hk.pos, "on.webhook.verify.header applies only to scheme %s; %s has its own headers", defaultScheme, v.Scheme)
	case h.str() != "":
		v.Header = h.str()
	case v.Scheme == defaultScheme:
		v.Header = defaultSigHeader
	}
	return v
}

// atIngest reports reads of steps or vars in a value that is evaluated when
// a request arrives, before there is a run.
func (b *builder) atIngest(n *node, what string, templ bool) {
	text, off := n.text, 0
	if !templ {
		if inner, at, ok := unwrapTemplate(text); ok {
			text, off = inner, at
		}
	}
	for _, name := range []string{"steps", "vars"} {
		if at := findIdent(text, name, templ); at >= 0 {
			b.c.errf(n.posAt(off+at), "%s cannot read %s: it is evaluated when the request arrives, before the run", what, name)
		}
	}
}

// atLoad reports reads of anything but env in a value that is evaluated
// once, when the workflow loads (the verify secret and token): there is no
// event, run or step then.
func (b *builder) atLoad(n *node, what string) {
	for _, name := range []string{"event", "steps", "vars", "run"} {
		if at := findIdent(n.text, name, true); at >= 0 {
			b.c.errf(n.posAt(at), "%s cannot read %s: it is evaluated once, when the workflow loads; use env", what, name)
		}
	}
}

// schedule reads one on.schedule entry.
func schedule(n *node) Schedule {
	s := Schedule{Catchup: true, Pos: n.pos}
	if v, _ := n.get("cron"); v != nil {
		s.Cron = strings.TrimSpace(v.str())
	}
	if v, _ := n.get("timezone"); v != nil {
		s.Timezone = v.str()
	}
	if v, _ := n.get("catchup"); v != nil && v.kind == nodeBool {
		s.Catchup = v.value == true
	}
	return s
}

// cronParser reads five-field specs and descriptors (@hourly, @every 30s).
func cronParser() cron.Parser {
	return cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
}

// checkCron checks a cron spec.
func checkCron(n *node) string {
	spec := strings.TrimSpace(n.text)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return fmt.Sprintf("bad cron spec %q: give the time zone with timezone: instead of TZ=", n.text)
	}
	if _, err := cronParser().Parse(spec); err != nil {
		return fmt.Sprintf("bad cron spec %q: %v", n.text, err)
	}
	return ""
}

// checkTimezone checks an IANA time zone name.
func checkTimezone(n *node) string {
	if n.text == "" || strings.EqualFold(n.text, "local") {
		return fmt.Sprintf("unknown timezone %q: name an IANA zone like Europe/Paris, or UTC", n.text)
	}
	if _, err := time.LoadLocation(n.text); err != nil {
		return fmt.Sprintf("unknown timezone %q: name an IANA zone like Europe/Paris, or UTC", n.text)
	}
	return ""
}

var pathRe = regexp.MustCompile(`^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$`)

// checkPath checks on.webhook.path; one leading slash is allowed and
// dropped.
func checkPath(n *node) string {
	p := strings.TrimPrefix(n.text, "/")
	if p == "" {
		return "on.webhook.path must not be empty"
	}
	bad := !pathRe.MatchString(p)
	for _, seg := range strings.Split(p, "/") {
		bad = bad || seg == "." || seg == ".."
	}
	if bad {
		return fmt.Sprintf("on.webhook.path %q is not valid: use letters, digits, . _ ~ - and / between parts", n.text)
	}
	return ""
}
