package actions

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// Deps is what actions need from the server. Build it once per process; the
// zero value works (tests use it) and gets the defaults described on each
// field. Call Validate at start-up to report a bad setting at once.
type Deps struct {
	// Client sends every outgoing HTTP request. Nil: NewHTTPClient guarded
	// by AllowPrivateNetworks, built once by Registry. A Client given here
	// is used as it is, with whatever guard it was built with.
	Client *http.Client
	// Dial opens every other outgoing connection (SMTP, databases over
	// TCP). Nil: the guarded dialer of AllowPrivateNetworks (NewDialer).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// AllowPrivateNetworks is --allow-private-networks: "" refuses
	// connections to private, loopback, link-local, CGNAT, multicast,
	// documentation and the other special-purpose addresses (SPEC 3.4);
	// "true" allows every destination; a comma-separated CIDR list allows
	// those prefixes. It guards the default Client and Dial. An invalid
	// value refuses every special-purpose address (Validate reports it).
	AllowPrivateNetworks string
	// SMTPURL is the email action's server, --smtp / HOOKFLOW_SMTP_URL:
	// smtp://user:pass@host:port (STARTTLS when offered, port 587 by
	// default), smtps://… for implicit TLS (port 465), and the query
	// options tls=none|starttls|tls, from=<address> and
	// auth=plain|login|cram-md5|scram-sha-1|scram-sha-256|xoauth2.
	// Empty: each email step must set smtp.
	SMTPURL string
	// MailFrom is the email action's From address when neither the step
	// nor the SMTP URL's from= sets one.
	MailFrom string
	// Connections are the sql action's named databases, the connections
	// of hookflow.yaml: name → DSN (sqlite:///abs/path.db,
	// sqlite://relative.db, postgres://…, postgresql://…, mysql://…). A
	// step's connection that is not a DSN is looked up here. Nil: steps
	// must give DSNs.
	Connections map[string]string
	// Logger receives the actions' own logs, and the log action's lines
	// when a step has no Log. Nil: logs are discarded.
	Logger *slog.Logger
	// Version is sent as User-Agent: hookflow/<Version>. Empty: "dev".
	Version string
	// Now is the clock, used for Retry-After dates and durations. Nil:
	// time.Now.
	Now func() time.Time
	// Responder delivers the respond action's answer to the webhook
	// request waiting for the run (the webhook trigger's Waiters). Nil:
	// the respond action answers nobody.
	Responder engine.Responder
	// Publisher publishes the emit action's events. Nil: emit fails with a
	// sentence saying publishing is not available.
	Publisher engine.Publisher
	// KV is the key-value state of the store action (the server's store).
	// Nil: the store action fails with a sentence saying so.
	KV KV
}

// Validate reports a bad AllowPrivateNetworks or SMTPURL, so that the
// server can stop at start-up (exit code 2) instead of failing steps. The
// errors never quote the SMTP password.
func (d Deps) Validate() error {
	if _, err := ParseAllowList(d.AllowPrivateNetworks); err != nil {
		return err
	}
	if d.SMTPURL != "" {
		if _, err := parseSMTPURL(d.SMTPURL); err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
	}
	return nil
}

func (d Deps) withDefaults() Deps {
	if d.Client == nil || d.Dial == nil {
		// An invalid value fails closed: the zero AllowList refuses every
		// special-purpose address.
		allow, _ := ParseAllowList(d.AllowPrivateNetworks)
		if d.Client == nil {
			d.Client = NewHTTPClient(ClientOptions{Allow: allow})
		}
		if d.Dial == nil {
			d.Dial = allow.Dialer().DialContext
		}
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.Version == "" {
		d.Version = "dev"
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return d
}

// Registry returns the registry of every built-in action, sharing deps.
// Adding an action is one file with its test and one line here.
func Registry(deps Deps) *engine.Registry {
	deps = deps.withDefaults()
	r := engine.NewRegistry()
	r.Add(HTTP(deps))
	r.Add(Transform(deps))
	r.Add(Log(deps))
	r.Add(SQL(deps))
	r.Add(Respond(deps))
	r.Add(Email(deps))
	r.Add(Slack(deps))
	r.Add(Discord(deps))
	r.Add(Teams(deps))
	r.Add(Delay(deps))
	r.Add(Emit(deps))
	r.Add(Store(deps))
	return r
}

// paramsOf returns the step's decoded parameters as a *T. Any other type is
// a bug in the caller, reported as a permanent error.
func paramsOf[T any](action string, step *engine.Step) (*T, error) {
	p, ok := step.Params.(*T)
	if !ok || p == nil {
		return nil, engine.Permanent(fmt.Errorf("%s: params are %T, want %T", action, step.Params, p))
	}
	return p, nil
}

// clockOf returns deps.Now, or time.Now when it is nil.
func clockOf(deps Deps) func() time.Time {
	if deps.Now != nil {
		return deps.Now
	}
	return time.Now
}
