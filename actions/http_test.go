package actions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
)

// testDeps shares one client between the tests, as the server does. Its
// guard allows loopback only: the receivers are httptest servers.
var testDeps = Deps{Client: NewHTTPClient(ClientOptions{Allow: loopbackOnly}), Version: "test"}.withDefaults()

// received is one request as the receiver saw it.
type received struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// receiver is a loopback server that records every request and answers
// with reply (200 "ok" when nil).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newReceiver(t *testing.T, reply http.HandlerFunc) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, received{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		rc.mu.Unlock()
		if reply == nil {
			_, _ = io.WriteString(w, "ok")
			return
		}
		reply(w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

// only returns the one request the receiver got.
func (rc *receiver) only(t *testing.T) received {
	t.Helper()
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

// runHTTP decodes with as the executor does and runs the http action once.
func runHTTP(t *testing.T, ctx context.Context, with map[string]any, dryRun bool) (*engine.Step, any, error) {
	t.Helper()
	def := HTTP(testDeps)
	params, err := def.DecodeParams(with)
	if err != nil {
		t.Fatalf("DecodeParams: %v", err)
	}
	step := &engine.Step{RunID: "run1", StepID: "send", Attempt: 1, Item: -1, Params: params, DryRun: dryRun}
	out, err := def.Action.Run(ctx, step)
	return step, out, err
}

func TestHTTPRequestBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		with      map[string]any
		method    string
		body      string
		ctype     string // "" means no Content-Type header
		permanent string // the start of a permanent error; nothing is sent
	}{
		{
			name:   "json map by default",
			with:   map[string]any{"body": map[string]any{"b": "x<y & z", "a": 1, "list": []any{true, nil}}},
			method: "POST", body: `{"a":1,"b":"x<y & z","list":[true,null]}`, ctype: "application/json",
		},
		{
			name:   "json string is sent as it is",
			with:   map[string]any{"body": `{"pre": "encoded"}`},
			method: "POST", body: `{"pre": "encoded"}`, ctype: "application/json",
		},
		{
			name:   "json number",
			with:   map[string]any{"body": 12.5},
			method: "POST", body: `12.5`, ctype: "application/json",
		},
		{
			name:   "json with parameters in the content type",
			with:   map[string]any{"method": "PUT", "content_type": "application/json; charset=utf-8", "body": []any{"a"}},
			method: "PUT", body: `["a"]`, ctype: "application/json; charset=utf-8",
		},
		{
			name: "form",
			with: map[string]any{
				"content_type": "application/x-www-form-urlencoded",
				"body":         map[string]any{"b": "x y&z", "a": 1, "list": []any{"1", 2}, "none": nil, "yes": true},
			},
			method: "POST", body: "a=1&b=x+y%26z&list=1&list=2&none=&yes=true", ctype: "application/x-www-form-urlencoded",
		},
		{
			name:   "form chosen by a Content-Type header",
			with:   map[string]any{"method": "patch", "headers": map[string]any{"content-type": "application/x-www-form-urlencoded"}, "body": map[string]any{"k": "v"}},
			method: "PATCH", body: "k=v", ctype: "application/x-www-form-urlencoded",
		},
		{
			name:   "form string is sent as it is",
			with:   map[string]any{"content_type": "application/x-www-form-urlencoded", "body": "a=1&a=2"},
			method: "POST", body: "a=1&a=2", ctype: "application/x-www-form-urlencoded",
		},
		{
			name:   "text",
			with:   map[string]any{"content_type": "text/plain", "body": "héllo\nworld"},
			method: "POST", body: "héllo\nworld", ctype: "text/plain",
		},
		{
			name:   "text with a map body is JSON",
			with:   map[string]any{"content_type": "text/plain", "body": map[string]any{"a": "b"}},
			method: "POST", body: `{"a":"b"}`, ctype: "text/plain",
		},
		{
			name:   "no body, no content type",
			with:   map[string]any{"method": "GET"},
			method: "GET", body: "",
		},
		{
			name:   "delete",
			with:   map[string]any{"method": "DELETE"},
			method: "DELETE", body: "",
		},
		{
			name:   "head",
			with:   map[string]any{"method": "HEAD"},
			method: "HEAD", body: "",
		},
		{
			name:      "form with a nested map",
			with:      map[string]any{"content_type": "application/x-www-form-urlencoded", "body": map[string]any{"a": map[string]any{"b": 1}}},
			permanent: `body: form field "a" is a map or a nested list`,
		},
		{
			name:      "form with a list body",
			with:      map[string]any{"content_type": "application/x-www-form-urlencoded", "body": []any{1}},
			permanent: "body: form encoding needs a map",
		},
		{
			name:      "bad method",
			with:      map[string]any{"method": "GET POST"},
			permanent: `net/http: invalid method "GET POST"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, nil)
			tt.with["url"] = rc.URL + "/in"
			step, _, err := runHTTP(t, t.Context(), tt.with, false)
			if tt.permanent != "" {
				if !engine.IsPermanent(err) || !strings.HasPrefix(err.Error(), tt.permanent) {
					t.Fatalf("error %v, want a permanent error starting %q", err, tt.permanent)
				}
				if n := len(rc.requests()); n != 0 {
					t.Fatalf("receiver got %d requests, want 0", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := rc.only(t)
			if got.Method != tt.method || string(got.Body) != tt.body || got.Header.Get("Content-Type") != tt.ctype {
				t.Fatalf("receiver got %s %q (Content-Type %q), want %s %q (%q)",
					got.Method, got.Body, got.Header.Get("Content-Type"), tt.method, tt.body, tt.ctype)
			}
			ex := step.Exchanges()
			if len(ex) != 1 || ex[0].Request.Body != tt.body || ex[0].Request.Method != tt.method {
				t.Fatalf("recorded %+v, want the body that was sent", ex)
			}
		})
	}
}

func TestHTTPQueryAndHeaders(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	_, _, err := runHTTP(t, t.Context(), map[string]any{
		"url":     rc.URL + "/path?a=1&b=2",
		"query":   map[string]any{"b": "three", "c": 4, "d": "x y"},
		"headers": map[string]any{"X-Token": "abc", "x-count": 3, "Host": "example.test"},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	got := rc.only(t)
	if got.Path != "/path" || got.RawQuery != "a=1&b=three&c=4&d=x+y" {
		t.Errorf("receiver got %s?%s", got.Path, got.RawQuery)
	}
	for name, want := range map[string]string{"X-Token": "abc", "X-Count": "3", "User-Agent": "hookflow/test"} {
		if v := got.Header.Get(name); v != want {
			t.Errorf("header %s = %q, want %q", name, v, want)
		}
	}

	// A User-Agent among the headers wins.
	rc2 := newReceiver(t, nil)
	if _, _, err := runHTTP(t, t.Context(), map[string]any{"url": rc2.URL, "headers": map[string]any{"user-agent": "mine"}}, false); err != nil {
		t.Fatal(err)
	}
	if ua := rc2.only(t).Header.Get("User-Agent"); ua != "mine" {
		t.Errorf("User-Agent = %q, want mine", ua)
	}
}

func TestHTTPOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		ctype  string
		body   string
		want   any
	}{
		{name: "json", status: 201, ctype: "application/json; charset=utf-8", body: `{"id": 7, "tags": ["a"]}`,
			want: map[string]any{"id": 7.0, "tags": []any{"a"}}},
		{name: "problem json", status: 200, ctype: "application/problem+json", body: `"x"`, want: "x"},
		{name: "empty json", status: 204, ctype: "application/json", body: "", want: nil},
		{name: "text", status: 200, ctype: "text/plain", body: "plain words", want: "plain words"},
		{name: "html that looks like json", status: 200, ctype: "text/html", body: `{"a":1}`, want: `{"a":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				w.Header().Add("X-Reply", "one")
				w.Header().Add("X-Reply", "two")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			_, out, err := runHTTP(t, t.Context(), map[string]any{"url": rc.URL}, false)
			if err != nil {
				t.Fatal(err)
			}
			m := out.(map[string]any)
			if m["status"] != tt.status {
				t.Errorf("status = %v, want %d", m["status"], tt.status)
			}
			h := m["headers"].(map[string]string)
			if h["x-reply"] != "one, two" || h["content-type"] != tt.ctype {
				t.Errorf("headers = %v", h)
			}
			if ms, ok := m["duration_ms"].(int); !ok || ms < 0 {
				t.Errorf("duration_ms = %#v", m["duration_ms"])
			}
			if !equalJSON(m["body"], tt.want) {
				t.Errorf("body = %#v, want %#v", m["body"], tt.want)
			}
			if len(m) != 4 {
				t.Errorf("output has keys %v, want status, headers, body, duration_ms", m)
			}
		})
	}
}

func TestHTTPInvalidJSONResponse(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{oops")
	})
	_, out, err := runHTTP(t, t.Context(), map[string]any{"url": rc.URL + "/x?token=s3cret"}, false)
	want := "response of POST " + rc.URL + "/x: content type application/json but body is not valid JSON: invalid character 'o' looking for beginning of object key string"
	if !engine.IsPermanent(err) || err.Error() != want {
		t.Fatalf("error\n got %v\nwant %s (permanent)", err, want)
	}
	if body := out.(map[string]any)["body"]; body != "{oops" {
		t.Errorf("output body = %#v, want the text", body)
	}

	// With an error status the status decides; the body stays text.
	rc500 := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(500)
		_, _ = io.WriteString(w, "<html>")
	})
	_, _, err = runHTTP(t, t.Context(), map[string]any{"url": rc500.URL}, false)
	if err == nil || engine.IsPermanent(err) || err.Error() != "POST "+rc500.URL+": 500 Internal Server Error" {
		t.Fatalf("error %v, want a retryable 500", err)
	}
}

func TestHTTPStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		retryAfter string
		expect     []any
		want       string // "" for success
		permanent  bool
		delay      time.Duration
		hasDelay   bool
	}{
		{name: "429 with Retry-After", status: 429, retryAfter: "7", want: ": 429 Too Many Requests (retry after 7s)", delay: 7 * time.Second, hasDelay: true},
		{name: "503 with a date", status: 503, retryAfter: time.Now().Add(time.Hour + time.Minute).UTC().Format(http.TimeFormat),
			want: ": 503 Service Unavailable (retry after 1h0m0s)", delay: time.Hour, hasDelay: true},
		{name: "500", status: 500, want: ": 500 Internal Server Error"},
		{name: "408", status: 408, want: ": 408 Request Timeout"},
		{name: "404", status: 404, want: ": 404 Not Found", permanent: true},
		{name: "422", status: 422, want: ": 422 Unprocessable Entity", permanent: true},
		{name: "expected 404", status: 404, expect: []any{200, 404}},
		{name: "unexpected 200", status: 200, expect: []any{201}, want: ": 200 OK (expected 201)", permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, "answer")
			})
			with := map[string]any{"url": rc.URL + "/hook"}
			if tt.expect != nil {
				with["expect"] = tt.expect
			}
			step, out, err := runHTTP(t, t.Context(), with, false)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
			} else if err == nil || err.Error() != "POST "+rc.URL+"/hook"+tt.want {
				t.Fatalf("error %v, want POST %s/hook%s", err, rc.URL, tt.want)
			}
			if engine.IsPermanent(err) != tt.permanent {
				t.Errorf("permanent = %v, want %v", engine.IsPermanent(err), tt.permanent)
			}
			if d, ok := engine.RetryAfterDelay(err); ok != tt.hasDelay || d > tt.delay || d < tt.delay-5*time.Second {
				t.Errorf("retry after = %v %v, want %v %v", d, ok, tt.delay, tt.hasDelay)
			}
			if m, _ := out.(map[string]any); m["status"] != tt.status || m["body"] != "answer" {
				t.Errorf("output = %v, want status and body also on failure", out)
			}
			if ex := step.Exchanges(); len(ex) != 1 || ex[0].Response == nil || ex[0].Response.Status != tt.status {
				t.Errorf("exchanges = %+v", ex)
			}
		})
	}
}

func TestHTTPTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply http.HandlerFunc
		want  string // after "POST <url>" or "response of POST <url>"
	}{
		{
			name:  "no answer",
			reply: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			want:  "POST %s: timed out (context deadline exceeded)",
		},
		{
			name: "body never ends",
			reply: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "partial")
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			want: "response of POST %s: read body: context deadline exceeded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, tt.reply)
			step, _, err := runHTTP(t, t.Context(), map[string]any{"url": rc.URL, "timeout": "50ms"}, false)
			if err == nil || engine.IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %v, want a retryable deadline error", err)
			}
			if want := fmt.Sprintf(tt.want, rc.URL); err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			if ex := step.Exchanges(); len(ex) != 1 {
				t.Errorf("exchanges = %+v, want the request", ex)
			}
		})
	}
}

func TestHTTPCallerCancellation(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	_, _, err := runHTTP(t, ctx, map[string]any{"url": rc.URL}, false)
	if !errors.Is(err, context.Canceled) || engine.IsPermanent(err) {
		t.Fatalf("error %v, want the cancellation passed through", err)
	}
}

func TestHTTPUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	step, _, err := runHTTP(t, t.Context(), map[string]any{"url": "http://" + addr + "/x?k=v"}, false)
	if err == nil || engine.IsPermanent(err) {
		t.Fatalf("error %v, want a retryable error", err)
	}
	if _, ok := engine.RetryAfterDelay(err); ok {
		t.Fatalf("error %v carries a Retry-After", err)
	}
	if prefix := "POST http://" + addr + "/x: dial tcp " + addr + ": "; !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("error %q, want %q… connection refused", err, prefix)
	}
	if ex := step.Exchanges(); len(ex) != 1 || ex[0].Request.URL != "http://"+addr+"/x?k=v" {
		t.Errorf("exchanges = %+v", ex)
	}
}

func TestHTTPRedirects(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new?x=1", http.StatusFound) })
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "arrived") })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tests := []struct {
		name      string
		with      map[string]any
		status    int
		want      string
		permanent bool
	}{
		{name: "not followed", with: map[string]any{"url": srv.URL + "/old"}, status: 302,
			want: "POST " + srv.URL + "/old: 302 Found (redirect to " + srv.URL + "/new not followed)", permanent: true},
		{name: "expected", with: map[string]any{"url": srv.URL + "/old", "expect": []any{302}}, status: 302},
		{name: "followed", with: map[string]any{"url": srv.URL + "/old", "follow_redirects": true}, status: 200},
		{name: "loop", with: map[string]any{"url": srv.URL + "/loop", "follow_redirects": true},
			want: "POST " + srv.URL + "/loop: stopped after 10 redirects", permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, out, err := runHTTP(t, t.Context(), tt.with, false)
			if tt.want != "" {
				if err == nil || err.Error() != tt.want || engine.IsPermanent(err) != tt.permanent {
					t.Fatalf("error %v, want %q (permanent %v)", err, tt.want, tt.permanent)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tt.status != 0 && out.(map[string]any)["status"] != tt.status {
				t.Fatalf("output %v, want status %d", out, tt.status)
			}
			if tt.status == 200 && out.(map[string]any)["body"] != "arrived" {
				t.Fatalf("output %v", out)
			}
		})
	}
}

func TestHTTPDryRun(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	step, out, err := runHTTP(t, t.Context(), map[string]any{
		"url": strings.Replace(rc.URL, "://", "://ana:pw@", 1) + "/dry", "method": "PUT", "query": map[string]any{"q": 1},
		"headers": map[string]any{"Authorization": "Bearer s3cret"}, "body": map[string]any{"a": 1},
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("dry run sent %d requests", n)
	}
	want := map[string]any{"status": 200, "headers": map[string]string{}, "body": nil, "duration_ms": 0, "dry_run": true}
	if !equalJSON(out, want) {
		t.Fatalf("output %#v, want %#v", out, want)
	}
	ex := step.Exchanges()
	if len(ex) != 1 || ex[0].Response != nil {
		t.Fatalf("exchanges = %+v", ex)
	}
	r := ex[0].Request
	if r.Method != "PUT" || r.URL != strings.Replace(rc.URL, "://", "://ana:***@", 1)+"/dry?q=1" || r.Body != `{"a":1}` ||
		r.Headers["content-type"] != "application/json" || r.Headers["user-agent"] != "hookflow/test" ||
		r.Headers["authorization"] != "***" {
		t.Fatalf("recorded request %+v", r)
	}
}

func TestHTTPRecordsAreCapped(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("é", 50<<10) // 100 KiB of two-byte runes
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, big)
	})
	step, out, err := runHTTP(t, t.Context(), map[string]any{"url": rc.URL, "content_type": "text/plain", "body": big}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := rc.only(t).Body; string(got) != big {
		t.Fatalf("receiver got %d bytes, want all %d", len(got), len(big))
	}
	if body := out.(map[string]any)["body"]; body != big {
		t.Fatalf("output body is cut")
	}
	ex := step.Exchanges()
	for _, s := range []string{ex[0].Request.Body, ex[0].Response.Body} {
		if len(s) != MaxRecordedBody || !strings.HasPrefix(big, s) {
			t.Fatalf("recorded body of %d bytes, want the first %d", len(s), MaxRecordedBody)
		}
	}
	// A cut inside a rune backs off to the rune's start.
	if s := capText([]byte("aé"), 2); s != "a" {
		t.Fatalf("capText cut a rune: %q", s)
	}
}

func TestHTTPResponseTooLarge(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, MaxResponseBody+1))
	})
	_, _, err := runHTTP(t, t.Context(), map[string]any{"url": rc.URL + "/big", "method": "GET"}, false)
	want := "response of GET " + rc.URL + "/big: body larger than 10 MiB"
	if !engine.IsPermanent(err) || err.Error() != want {
		t.Fatalf("error %v, want %q (permanent)", err, want)
	}
}

func TestHTTPUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, _, err := runHTTP(t, t.Context(), map[string]any{"url": srv.URL}, false)
	if !engine.IsPermanent(err) || !strings.HasPrefix(err.Error(), "POST "+srv.URL+": tls: failed to verify certificate") {
		t.Fatalf("error %v, want a permanent certificate error", err)
	}
}

func TestHTTPBadURL(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"ftp://host/file":      "url ftp://host/file: the scheme must be http or https",
		"http:///no-host":      "url http:///no-host: the host is missing",
		"host.example/no-http": "url host.example/no-http: the scheme must be http or https",
		"http://a b":           `url is not valid: parse "http://a b": invalid character " " in host name`,
	}
	for raw, want := range tests {
		_, _, err := runHTTP(t, t.Context(), map[string]any{"url": raw}, false)
		if !engine.IsPermanent(err) || err.Error() != want {
			t.Errorf("url %q: error %v, want %q (permanent)", raw, err, want)
		}
	}
}

func TestHTTPEveryAttemptObserves(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) })
	def := HTTP(testDeps)
	params, _ := def.DecodeParams(map[string]any{"url": rc.URL, "body": "same"})
	for attempt := 1; attempt <= 3; attempt++ {
		step := &engine.Step{Attempt: attempt, Item: -1, Params: params}
		if _, err := def.Action.Run(t.Context(), step); err == nil {
			t.Fatal("502 did not fail")
		}
		if ex := step.Exchanges(); len(ex) != 1 || ex[0].Request.Body != "same" || ex[0].Response.Status != 502 {
			t.Fatalf("attempt %d recorded %+v", attempt, ex)
		}
	}
	if n := len(rc.requests()); n != 3 {
		t.Fatalf("receiver got %d requests, want 3", n)
	}
}
