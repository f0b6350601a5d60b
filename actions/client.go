package actions

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// MaxRedirects is how many redirects a request that follows them may take.
const MaxRedirects = 10

// ClientOptions tune the one HTTP client that sends every outgoing request.
// The zero value gives sensible defaults, the SSRF guard included.
type ClientOptions struct {
	// Allow is the outgoing-connection policy (SPEC 3.4), checked by the
	// dialer on the address actually dialled: after DNS resolution, after
	// each redirect, and on the proxy's address when a proxy is used. The
	// zero value refuses every private and special-purpose address; parse
	// --allow-private-networks with ParseAllowList.
	Allow AllowList
	// Control, when set, is called by the dialer for every connection that
	// the Allow policy let through, with the address about to be dialled.
	// Returning an error that wraps engine.ErrDestinationRefused refuses
	// the connection and fails the step at once.
	Control func(network, address string, c syscall.RawConn) error
	// Proxy picks the proxy for a request. Nil means no proxy while the
	// guard is on (Allow is not "true"): the environment's HTTP_PROXY would
	// otherwise dial the proxy instead of the destination, and the
	// destination would go unchecked. With Allow "true", nil means
	// http.ProxyFromEnvironment. A Proxy given together with the guard is
	// used, and each request's destination is then resolved and checked
	// before the proxy is asked (the proxy's own address must be allowed
	// too, as it is what the dialer dials).
	Proxy func(*http.Request) (*url.URL, error)
	// Resolver looks up host names for the dialer (and for the destination
	// check behind a Proxy); nil means the system's resolver. Tests set one
	// that answers from a table.
	Resolver *net.Resolver
	// DialTimeout bounds connecting; default 10s.
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake; default 10s.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for response headers once the
	// request is written; default 5m. It is a safety net only: each step's
	// timeout already bounds every attempt through its context.
	ResponseHeaderTimeout time.Duration
	// IdleConnTimeout closes keep-alive connections idle that long; default 90s.
	IdleConnTimeout time.Duration
	// MaxIdleConnsPerHost keeps that many idle connections per host for
	// fan-out to one receiver; default 256.
	MaxIdleConnsPerHost int
	// MaxIdleConns bounds idle connections over all hosts; default 1024.
	MaxIdleConns int
}

func (o ClientOptions) withDefaults() ClientOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.DialTimeout, 10*time.Second)
	def(&o.TLSHandshakeTimeout, 10*time.Second)
	def(&o.ResponseHeaderTimeout, 5*time.Minute)
	def(&o.IdleConnTimeout, 90*time.Second)
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = 256
	}
	if o.MaxIdleConns <= 0 {
		o.MaxIdleConns = 1024
	}
	switch {
	case o.Allow.AllowsAll() && o.Proxy == nil:
		o.Proxy = http.ProxyFromEnvironment
	case !o.Allow.AllowsAll() && o.Proxy != nil:
		o.Proxy = checkedProxy(o.Allow, o.Resolver, o.Proxy)
	}
	return o
}

// NewHTTPClient returns the client for all outgoing requests: one tuned
// transport with keep-alive, HTTP/2 when the server offers it, bounded
// dial, TLS and response-header waits, and the SSRF guard of opts.Allow on
// every connection it dials. Build it once per process and share it
// (Deps.Client).
//
// The client does not follow redirects: a 3xx response is returned as is,
// unless the request's context was made with FollowRedirects, in which case
// up to MaxRedirects are followed (each hop dials, so each is checked). The
// client sets no overall Timeout; each request's context bounds it.
func NewHTTPClient(opts ClientOptions) *http.Client {
	opts = opts.withDefaults()
	dialer := opts.Allow.Dialer()
	dialer.Timeout = opts.DialTimeout
	dialer.Resolver = opts.Resolver
	if extra := opts.Control; extra != nil {
		guard := dialer.Control
		dialer.Control = func(network, address string, c syscall.RawConn) error {
			if err := guard(network, address, c); err != nil {
				return err
			}
			return extra(network, address, c)
		}
	}
	transport := &http.Transport{
		Proxy:                 opts.Proxy,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   opts.TLSHandshakeTimeout,
		ResponseHeaderTimeout: opts.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       opts.IdleConnTimeout,
		MaxIdleConns:          opts.MaxIdleConns,
		MaxIdleConnsPerHost:   opts.MaxIdleConnsPerHost,
	}
	return &http.Client{Transport: transport, CheckRedirect: checkRedirect}
}

// checkedProxy wraps a proxy function so that the destination, which the
// dialer never sees behind a proxy, is resolved and checked first.
func checkedProxy(allow AllowList, r *net.Resolver, proxy func(*http.Request) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(req *http.Request) (*url.URL, error) {
		if err := allow.CheckHost(req.Context(), r, req.URL.Hostname()); err != nil {
			return nil, err
		}
		return proxy(req)
	}
}

// checkTransport classifies a client error like engine.CheckTransportError,
// naming the request as "METHOD target". A connection the guard refused
// reads "POST http://host/x: refused to connect to 127.0.0.1 (loopback):
// …" and is permanent. target is how the URL may be shown: the http
// action passes engine.RedactURL(req.URL), the chat actions a URL whose
// secret path is hidden.
func checkTransport(req *http.Request, target string, err error) error {
	if err == nil {
		return nil
	}
	if r, ok := refusal(err); ok {
		return engine.Permanent(&wrapped{msg: req.Method + " " + target + ": " + r.Error(), err: err})
	}
	if errors.Is(err, context.Canceled) {
		// Still a cancellation for errors.Is, but worded without the
		// *url.Error's own text, which quotes the whole URL.
		cause := err.Error()
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			cause = ue.Err.Error()
		}
		return &wrapped{msg: req.Method + " " + target + ": " + cause, err: err}
	}
	shown := &http.Request{Method: req.Method, URL: &url.URL{Opaque: target}}
	if u, perr := url.Parse(target); perr == nil {
		shown.URL = u
	}
	return engine.CheckTransportError(shown, err)
}

// wrapped is an error with its own text that still unwraps to err, so
// errors.Is, errors.As, engine.IsPermanent and engine.RetryAfterDelay see
// through it.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// scrub returns err with every secret of at least 4 bytes in its text shown
// as *** (shorter ones, such as a path "/", would mangle the message and
// the executor ignores them too); it still unwraps to err. It is the last
// line of defence for errors that may quote a credential (a webhook URL,
// an SMTP password).
func scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := scrubText(err.Error(), secrets...)
	if msg == err.Error() {
		return err
	}
	return &wrapped{msg: msg, err: err}
}

// scrubText shows every secret of at least 4 bytes in s as ***.
func scrubText(s string, secrets ...string) string {
	for _, secret := range secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

// checkRedirect stops at the first redirect unless the request asked to
// follow them, and then after MaxRedirects.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if !followsRedirects(req.Context()) {
		return http.ErrUseLastResponse
	}
	if len(via) >= MaxRedirects {
		return engine.Permanent(fmt.Errorf("stopped after %d redirects", MaxRedirects))
	}
	return nil
}

type followRedirectsKey struct{}

// FollowRedirects returns a context under which the client from
// NewHTTPClient follows up to MaxRedirects redirects.
func FollowRedirects(ctx context.Context) context.Context {
	return context.WithValue(ctx, followRedirectsKey{}, true)
}

func followsRedirects(ctx context.Context) bool {
	follow, _ := ctx.Value(followRedirectsKey{}).(bool)
	return follow
}
