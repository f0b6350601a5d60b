package actions

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// MaxRedirects is how many redirects a request that follows them may take.
const MaxRedirects = 10

// ClientOptions tune the one HTTP client that sends every outgoing request.
// The zero value gives sensible defaults.
type ClientOptions struct {
	// Control is called by the dialer for every connection, after DNS
	// resolution, with the address actually about to be dialled (so also
	// after each redirect, and with the proxy's address when a proxy is
	// used). Returning an error that wraps engine.ErrDestinationRefused
	// refuses the connection and fails the step at once.
	//
	// SSRF GUARD HOOK: the outgoing-request policy (private, loopback,
	// link-local, CGNAT, multicast and documentation ranges, SPEC 3.4) is
	// plugged in here by the server. Nil means no check.
	Control func(network, address string, c syscall.RawConn) error
	// Proxy picks the proxy for a request; nil means http.ProxyFromEnvironment
	// (which never proxies loopback destinations).
	Proxy func(*http.Request) (*url.URL, error)
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
	if o.Proxy == nil {
		o.Proxy = http.ProxyFromEnvironment
	}
	return o
}

// NewHTTPClient returns the client for all outgoing requests: one tuned
// transport with keep-alive, HTTP/2 when the server offers it, and bounded
// dial, TLS and response-header waits. Build it once per process and share
// it (Deps.Client).
//
// The client does not follow redirects: a 3xx response is returned as is,
// unless the request's context was made with FollowRedirects, in which case
// up to MaxRedirects are followed. The client sets no overall Timeout; each
// request's context bounds it.
func NewHTTPClient(opts ClientOptions) *http.Client {
	opts = opts.withDefaults()
	dialer := &net.Dialer{
		Timeout:   opts.DialTimeout,
		KeepAlive: 30 * time.Second,
		Control:   opts.Control, // SSRF guard hook, see ClientOptions.Control.
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
