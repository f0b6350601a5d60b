package engine

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file is the one place that decides what an HTTP outcome means for
// every HTTP-based sender (the http action, the chat notifiers, subscription
// deliveries): success, retry by policy, retry at a time the receiver asked
// for, or fail at once. Senders call CheckTransportError when the client
// returned an error and CheckResponse when a response came back.

// MaxRetryAfter bounds the delay that a Retry-After header can ask for. The
// executor further caps it at the step's max_delay.
const MaxRetryAfter = time.Hour

// ErrDestinationRefused is wrapped by the error of a dial that the outgoing
// request policy refused (a private or loopback address, say). Retrying
// cannot help, so CheckTransportError makes such errors permanent.
var ErrDestinationRefused = errors.New("destination refused by policy")

// StatusError is the error CheckResponse returns for a status that was not
// expected. Match it with errors.As to read the status.
type StatusError struct {
	// Method and URL name the request; URL is redacted with RedactURL.
	Method string
	URL    string
	// Status is the response's status code.
	Status int
	// Expect is the list of expected statuses; empty means any 2xx.
	Expect []int
	// Location is the redacted Location header of a 3xx response.
	Location string
	// RetryAfter is the delay the receiver asked for, when it did.
	RetryAfter time.Duration
	// HasRetryAfter is true when a valid Retry-After header was honoured.
	HasRetryAfter bool
}

// Error says what happened, for example
// "POST https://host/path: 503 Service Unavailable (retry after 30s)".
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s", e.Method, e.URL, StatusText(e.Status))
	var notes []string
	if len(e.Expect) > 0 {
		codes := make([]string, len(e.Expect))
		for i, c := range e.Expect {
			codes[i] = strconv.Itoa(c)
		}
		notes = append(notes, "expected "+strings.Join(codes, ", "))
	}
	if e.Location != "" {
		notes = append(notes, "redirect to "+e.Location+" not followed")
	}
	if e.HasRetryAfter {
		notes = append(notes, "retry after "+e.RetryAfter.String())
	}
	if len(notes) > 0 {
		b.WriteString(" (" + strings.Join(notes, "; ") + ")")
	}
	return b.String()
}

// StatusText returns "503 Service Unavailable", or just "599" for a code
// without a standard name.
func StatusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// RetryableStatus reports whether a status is worth retrying by policy: 408, 429
// and every 5xx.
func RetryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests ||
		(status >= 500 && status <= 599)
}

// CheckResponse classifies a response that came back:
//
//   - nil when its status is in expect, or is 2xx when expect is empty;
//   - a plain error (retried by the step's policy) for 408, 429 and 5xx;
//   - RetryAfter(d, err) for 429 and 503 carrying a Retry-After header in
//     seconds or as an HTTP date, d counted from now and bounded to
//     [0, MaxRetryAfter]; a header that does not parse is ignored;
//   - Permanent(err) for any other status.
//
// The error is a *StatusError whose text names the method, the redacted URL
// and the status. CheckResponse reads neither the body nor anything but
// resp.StatusCode, resp.Header and resp.Request.
func CheckResponse(resp *http.Response, expect []int, now time.Time) error {
	if expected(resp.StatusCode, expect) {
		return nil
	}
	e := &StatusError{Status: resp.StatusCode, Expect: expect}
	if req := resp.Request; req != nil {
		e.Method = req.Method
		e.URL = RedactURL(req.URL)
	}
	if e.Method == "" {
		e.Method = http.MethodGet
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		if loc, err := resp.Location(); err == nil {
			e.Location = RedactURL(loc)
		}
	}
	if !RetryableStatus(resp.StatusCode) {
		return Permanent(e)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			e.RetryAfter, e.HasRetryAfter = d, true
			return RetryAfter(d, e)
		}
	}
	return e
}

func expected(status int, expect []int) bool {
	if len(expect) == 0 {
		return status >= 200 && status <= 299
	}
	return slices.Contains(expect, status)
}

// ParseRetryAfter reads a Retry-After value: a number of seconds or an HTTP
// date (counted from now). The delay is bounded to [0, MaxRetryAfter]; ok is
// false when the value is empty or does not parse.
func ParseRetryAfter(value string, now time.Time) (d time.Duration, ok bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(value, 10, 64); err == nil {
		if n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return max(time.Duration(n)*time.Second, 0), true
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), MaxRetryAfter), true
}

// transportError rewords a client error as "POST https://host/path: …"
// while keeping the original error for errors.Is and errors.As.
type transportError struct {
	msg string
	err error
}

func (e *transportError) Error() string { return e.msg }
func (e *transportError) Unwrap() error { return e.err }

// CheckTransportError classifies an error that an HTTP client returned for
// req (no response came back):
//
//   - nil stays nil;
//   - an error caused by the caller cancelling ctx (context.Canceled) is
//     returned unchanged, so the executor sees the cancellation as such;
//   - a destination refused by policy (ErrDestinationRefused), a TLS
//     certificate that does not verify, a server that does not speak TLS,
//     and errors already marked Permanent are permanent;
//   - everything else (connection refused or reset, timeouts including the
//     context's deadline, DNS failures) is a plain, retryable error.
//
// A *url.Error is reworded as "POST https://host/path: <cause>", naming
// req's method and URL (redacted by RedactURL; the URL asked for, also when
// a redirect failed); a timeout reads "POST …: timed out (<cause>)". The
// original error stays reachable with errors.Is and errors.As. req may be
// nil; the *url.Error's own operation and URL are used then.
func CheckTransportError(req *http.Request, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	out := reword(req, err)
	if permanentTransport(err) {
		return Permanent(out)
	}
	return out
}

func reword(req *http.Request, err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	method, target := strings.ToUpper(ue.Op), ue.URL
	if u, perr := url.Parse(ue.URL); perr == nil {
		target = RedactURL(u)
	}
	if req != nil && req.URL != nil {
		method, target = cmp.Or(req.Method, http.MethodGet), RedactURL(req.URL)
	}
	cause := ue.Err.Error()
	if errors.Is(err, context.DeadlineExceeded) || ue.Timeout() {
		cause = "timed out (" + cause + ")"
	}
	return &transportError{msg: method + " " + target + ": " + cause, err: err}
}

func permanentTransport(err error) bool {
	var (
		verify    *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
	)
	return IsPermanent(err) || errors.Is(err, ErrDestinationRefused) ||
		errors.As(err, &verify) || errors.As(err, &unknownCA) ||
		errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &record)
}

// RedactURL returns u as text for errors and logs: without user info, query
// or fragment, which is where credentials in URLs usually live. The run
// record keeps the full URL (with the executor's redaction of secrets).
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User, c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = nil, "", false, "", ""
	return c.String()
}
