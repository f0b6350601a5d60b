package engine

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"testing"
	"time"
)

var checkNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// outcome is how the executor will read an error.
type outcome int

const (
	success outcome = iota
	retry           // plain error: retry by policy
	retryAt         // RetryAfter
	fail            // Permanent
)

func (o outcome) String() string {
	return [...]string{"success", "retry", "retry-after", "permanent"}[o]
}

func classify(err error) (outcome, time.Duration) {
	switch {
	case err == nil:
		return success, 0
	case IsPermanent(err):
		return fail, 0
	}
	if d, ok := RetryAfterDelay(err); ok {
		return retryAt, d
	}
	return retry, 0
}

func response(method, rawURL string, status int, header http.Header) *http.Response {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Header: header, Request: &http.Request{Method: method, URL: u}}
}

func TestCheckResponseStatuses(t *testing.T) {
	t.Parallel()
	retryAfters := []struct {
		name  string
		value string
		delay time.Duration // honoured on 429 and 503
		valid bool
	}{
		{name: "none"},
		{name: "seconds", value: "30", delay: 30 * time.Second, valid: true},
		{name: "date", value: checkNow.Add(2 * time.Minute).Format(http.TimeFormat), delay: 2 * time.Minute, valid: true},
		{name: "garbage", value: "soon, promise"},
	}
	statuses := []struct {
		code int
		want outcome
	}{
		{200, success}, {201, success}, {204, success},
		{301, fail}, {400, fail}, {401, fail}, {403, fail}, {404, fail},
		{408, retry}, {409, fail}, {410, fail}, {422, fail}, {429, retry},
		{500, retry}, {502, retry}, {503, retry}, {504, retry},
	}
	for _, st := range statuses {
		for _, ra := range retryAfters {
			t.Run(fmt.Sprintf("%d/%s", st.code, ra.name), func(t *testing.T) {
				t.Parallel()
				h := http.Header{}
				if ra.value != "" {
					h.Set("Retry-After", ra.value)
				}
				want, wantDelay := st.want, time.Duration(0)
				if (st.code == 429 || st.code == 503) && ra.valid {
					want, wantDelay = retryAt, ra.delay
				}
				err := CheckResponse(response("POST", "https://host/path", st.code, h), nil, checkNow)
				got, delay := classify(err)
				if got != want || delay != wantDelay {
					t.Fatalf("CheckResponse(%d, Retry-After %q) = %v %v (%v), want %v %v", st.code, ra.value, got, delay, err, want, wantDelay)
				}
				if err == nil {
					return
				}
				var se *StatusError
				if !errors.As(err, &se) || se.Status != st.code {
					t.Fatalf("error %v is not a *StatusError with status %d", err, st.code)
				}
				prefix := "POST https://host/path: " + strconv.Itoa(st.code) + " " + http.StatusText(st.code)
				if msg := err.Error(); len(msg) < len(prefix) || msg[:len(prefix)] != prefix {
					t.Fatalf("error %q does not start with %q", msg, prefix)
				}
			})
		}
	}
}

func TestCheckResponseSentences(t *testing.T) {
	t.Parallel()
	redirect := http.Header{"Location": {"https://other.example/next?sig=abc"}}
	tests := []struct {
		name   string
		resp   *http.Response
		expect []int
		want   string
		kind   outcome
		delay  time.Duration
	}{
		{
			name: "5xx",
			resp: response("POST", "https://host/path", 503, nil),
			want: "POST https://host/path: 503 Service Unavailable", kind: retry,
		},
		{
			name: "credentials and query are not shown",
			resp: response("PUT", "https://user:pw@host/path?token=s3cret#frag", 404, nil),
			want: "PUT https://host/path: 404 Not Found", kind: fail,
		},
		{
			name: "retry after in seconds",
			resp: response("POST", "http://host/", 429, http.Header{"Retry-After": {"7"}}),
			want: "POST http://host/: 429 Too Many Requests (retry after 7s)", kind: retryAt, delay: 7 * time.Second,
		},
		{
			name: "negative retry after",
			resp: response("POST", "http://host/", 429, http.Header{"Retry-After": {"-5"}}),
			want: "POST http://host/: 429 Too Many Requests (retry after 0s)", kind: retryAt,
		},
		{
			name: "retry after capped at an hour",
			resp: response("POST", "http://host/", 503, http.Header{"Retry-After": {"999999999999999999"}}),
			want: "POST http://host/: 503 Service Unavailable (retry after 1h0m0s)", kind: retryAt, delay: time.Hour,
		},
		{
			name: "date in the past",
			resp: response("POST", "http://host/", 503, http.Header{"Retry-After": {checkNow.Add(-time.Hour).Format(http.TimeFormat)}}),
			want: "POST http://host/: 503 Service Unavailable (retry after 0s)", kind: retryAt,
		},
		{
			name: "date far ahead",
			resp: response("POST", "http://host/", 503, http.Header{"Retry-After": {checkNow.Add(48 * time.Hour).Format(http.TimeFormat)}}),
			want: "POST http://host/: 503 Service Unavailable (retry after 1h0m0s)", kind: retryAt, delay: time.Hour,
		},
		{
			name: "retry after ignored on 500",
			resp: response("POST", "http://host/", 500, http.Header{"Retry-After": {"7"}}),
			want: "POST http://host/: 500 Internal Server Error", kind: retry,
		},
		{
			name: "redirect not followed",
			resp: response("POST", "https://host/old", 301, redirect),
			want: "POST https://host/old: 301 Moved Permanently (redirect to https://other.example/next not followed)", kind: fail,
		},
		{
			name:   "2xx outside expect",
			resp:   response("POST", "https://host/path", 201, nil),
			expect: []int{200, 202},
			want:   "POST https://host/path: 201 Created (expected 200, 202)", kind: fail,
		},
		{
			name:   "4xx in expect",
			resp:   response("DELETE", "https://host/path", 404, nil),
			expect: []int{200, 404},
			kind:   success,
		},
		{
			name:   "5xx in expect",
			resp:   response("GET", "https://host/path", 503, nil),
			expect: []int{503},
			kind:   success,
		},
		{
			name:   "5xx outside expect is still retried",
			resp:   response("GET", "https://host/path", 502, nil),
			expect: []int{200},
			want:   "GET https://host/path: 502 Bad Gateway (expected 200)", kind: retry,
		},
		{
			name: "unknown code",
			resp: response("POST", "https://host/path", 599, nil),
			want: "POST https://host/path: 599", kind: retry,
		},
		{
			name: "no request",
			resp: &http.Response{StatusCode: 400, Header: http.Header{}},
			want: "GET : 400 Bad Request", kind: fail,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckResponse(tt.resp, tt.expect, checkNow)
			kind, delay := classify(err)
			if kind != tt.kind || delay != tt.delay {
				t.Fatalf("got %v %v (%v), want %v %v", kind, delay, err, tt.kind, tt.delay)
			}
			if err != nil && err.Error() != tt.want {
				t.Fatalf("error\n got %q\nwant %q", err.Error(), tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"  ", 0, false},
		{"0", 0, true},
		{" 120 ", 2 * time.Minute, true},
		{"3600", time.Hour, true},
		{"3601", time.Hour, true},
		{"-1", 0, true},
		{"1.5", 0, false},
		{"tomorrow", 0, false},
		{checkNow.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{checkNow.Add(90 * time.Second).Format(time.RFC850), 90 * time.Second, true},
	}
	for _, tt := range tests {
		d, ok := ParseRetryAfter(tt.value, checkNow)
		if d != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.value, d, ok, tt.want, tt.ok)
		}
	}
}

func TestCheckTransportError(t *testing.T) {
	t.Parallel()
	urlErr := func(inner error) error {
		return &url.Error{Op: "Post", URL: "https://user:pw@host/path?token=s3cret", Err: inner}
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		kind outcome
		want string
	}{
		{name: "nil", err: nil, kind: success},
		{
			name: "connection refused", err: urlErr(refused), kind: retry,
			want: "POST https://host/path: dial tcp: connection refused",
		},
		{
			name: "dns", err: urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "host"}}), kind: retry,
			want: "POST https://host/path: dial tcp: lookup host: no such host",
		},
		{
			name: "deadline", err: urlErr(context.DeadlineExceeded), kind: retry,
			want: "POST https://host/path: timed out (context deadline exceeded)",
		},
		{
			name: "net timeout", err: urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}), kind: retry,
			want: "POST https://host/path: timed out (dial tcp: i/o timeout)",
		},
		{
			name: "refused by policy", err: urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("10.0.0.1: %w", ErrDestinationRefused)}), kind: fail,
			want: "POST https://host/path: dial tcp: 10.0.0.1: destination refused by policy",
		},
		{
			name: "unknown authority", err: urlErr(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), kind: fail,
			want: "POST https://host/path: tls: failed to verify certificate: x509: certificate signed by unknown authority",
		},
		{name: "bare hostname error", err: urlErr(x509.HostnameError{Certificate: &x509.Certificate{}, Host: "host"}), kind: fail},
		{name: "not TLS", err: urlErr(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), kind: fail},
		{name: "already permanent", err: urlErr(Permanent(errors.New("stopped after 10 redirects"))), kind: fail,
			want: "POST https://host/path: stopped after 10 redirects"},
		{name: "not a url error", err: errors.New("read: connection reset by peer"), kind: retry,
			want: "read: connection reset by peer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckTransportError(nil, tt.err)
			if kind, _ := classify(err); kind != tt.kind {
				t.Fatalf("CheckTransportError(%v) is %v (%v), want %v", tt.err, kind, err, tt.kind)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Fatalf("%v does not wrap %v", err, tt.err)
			}
			if tt.want != "" && err.Error() != tt.want {
				t.Fatalf("error\n got %q\nwant %q", err.Error(), tt.want)
			}
		})
	}
}

func TestCheckTransportErrorNamesTheRequest(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://host/start?sig=1")
	req := &http.Request{Method: http.MethodPut, URL: u}
	// After a redirect the client's *url.Error holds the Location as written.
	err := CheckTransportError(req, &url.Error{Op: "Put", URL: "/loop", Err: Permanent(errors.New("stopped after 10 redirects"))})
	if want := "PUT https://host/start: stopped after 10 redirects"; err.Error() != want || !IsPermanent(err) {
		t.Fatalf("error %q, want %q (permanent)", err, want)
	}
}

func TestCheckTransportErrorPassesCancellationThrough(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		context.Canceled,
		&url.Error{Op: "Post", URL: "http://host/", Err: context.Canceled},
	} {
		if got := CheckTransportError(nil, err); got != err {
			t.Errorf("CheckTransportError(%v) = %v, want it unchanged", err, got)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestRedactURL(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://user:pw@host:8443/a/b?x=1#f")
	if got := RedactURL(u); got != "https://host:8443/a/b" {
		t.Fatalf("RedactURL = %q", got)
	}
	if got := RedactURL(nil); got != "" {
		t.Fatalf("RedactURL(nil) = %q", got)
	}
}

func ExampleCheckResponse() {
	u, _ := url.Parse("https://api.example.com/orders?key=s3cret")
	resp := &http.Response{
		StatusCode: http.StatusTooManyRequests,
		Header:     http.Header{"Retry-After": {"30"}},
		Request:    &http.Request{Method: http.MethodPost, URL: u},
	}
	err := CheckResponse(resp, nil, time.Now())
	d, _ := RetryAfterDelay(err)
	fmt.Println(err)
	fmt.Println(d, IsPermanent(err))
	// Output:
	// POST https://api.example.com/orders: 429 Too Many Requests (retry after 30s)
	// 30s false
}
