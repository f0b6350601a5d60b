package actions

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/hookflow/hookflow/engine"
)

// emailDeps allow loopback, where the test SMTP servers listen.
var emailDeps = Deps{AllowPrivateNetworks: "127.0.0.0/8", Version: "test",
	Now: func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC) }}

// runEmail decodes with and runs the email action once with deps, trusting
// the test certificate.
func runEmail(t *testing.T, deps Deps, with map[string]any, deliveryID string, dryRun bool) (*engine.Step, any, error) {
	t.Helper()
	def := Email(deps)
	_, pool := testCert()
	def.Action.(*emailAction).sender.rootCAs = pool
	p, err := def.DecodeParams(with)
	if err != nil {
		t.Fatalf("DecodeParams: %v", err)
	}
	step := &engine.Step{RunID: "run1", StepID: "mail", Attempt: 1, Item: -1, DeliveryID: deliveryID, Params: p, DryRun: dryRun}
	out, err := def.Action.Run(t.Context(), step)
	return step, out, err
}

// readEmail parses a received message into its headers and its body parts
// by media type, decoded.
func readEmail(t *testing.T, data []byte) (mail.Header, map[string]string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, data)
	}
	parts := map[string]string{}
	media, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	if !strings.HasPrefix(media, "multipart/") {
		parts[media] = decodePart(t, m.Header.Get("Content-Transfer-Encoding"), m.Body)
		return m.Header, parts
	}
	parts[media] = ""
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return m.Header, parts
		}
		if err != nil {
			t.Fatal(err)
		}
		pm, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[pm] = decodePart(t, p.Header.Get("Content-Transfer-Encoding"), p)
	}
}

func decodePart(t *testing.T, encoding string, r io.Reader) string {
	t.Helper()
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
}

func TestEmailSends(t *testing.T) {
	t.Parallel()
	certConf, _ := testCert()
	tests := []struct {
		name    string
		server  smtpOptions
		scheme  string
		query   string
		wantTLS bool
	}{
		{name: "plain text connection", scheme: "smtp", query: "tls=none"},
		{name: "STARTTLS when offered", server: smtpOptions{tls: certConf}, scheme: "smtp", wantTLS: true},
		{name: "STARTTLS required", server: smtpOptions{tls: certConf}, scheme: "smtp", query: "tls=starttls", wantTLS: true},
		{name: "no STARTTLS offered", scheme: "smtp"},
		{name: "implicit TLS", server: smtpOptions{tls: certConf, implicit: true}, scheme: "smtps", wantTLS: true},
		{name: "implicit TLS by option", server: smtpOptions{tls: certConf, implicit: true}, scheme: "smtp", query: "tls=tls", wantTLS: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newSMTPServer(t, tt.server)
			with := map[string]any{
				"smtp":    srv.URL(tt.scheme, tt.query),
				"from":    "Shop <shop@example.com>",
				"to":      "Ana <ana@example.com>, bo@example.com",
				"cc":      []any{"cy@example.com"},
				"bcc":     "hidden@example.com",
				"subject": "Order 12 — paid",
				"text":    "Thanks for order 12.\nTotal: 12.50 €",
				"html":    "<p>Thanks for order <b>12</b>.</p>",
			}
			_, out, err := runEmail(t, emailDeps, with, "msg_0001", false)
			if err != nil {
				t.Fatal(err)
			}
			wantID := "<msg_0001@example.com>"
			if !equalJSON(out, map[string]any{"message_id": wantID}) {
				t.Fatalf("output %v", out)
			}
			msgs := srv.messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages", len(msgs))
			}
			m := msgs[0]
			if m.From != "shop@example.com" || m.User != smtpUser || m.TLS != tt.wantTLS {
				t.Fatalf("envelope from %q, user %q, TLS %v (want TLS %v)", m.From, m.User, m.TLS, tt.wantTLS)
			}
			if want := []string{"ana@example.com", "bo@example.com", "cy@example.com", "hidden@example.com"}; !slices.Equal(sorted(m.Rcpts), want) {
				t.Fatalf("recipients %v, want %v", m.Rcpts, want)
			}
			h, parts := readEmail(t, m.Data)
			subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
			checks := map[string][2]string{
				"Subject":    {subject, "Order 12 — paid"},
				"From":       {h.Get("From"), `"Shop" <shop@example.com>`},
				"To":         {h.Get("To"), `"Ana" <ana@example.com>, <bo@example.com>`},
				"Cc":         {h.Get("Cc"), "<cy@example.com>"},
				"Bcc":        {h.Get("Bcc"), ""},
				"Message-Id": {h.Get("Message-Id"), wantID},
				"Date":       {h.Get("Date"), "Tue, 04 Mar 2025 05:06:07 +0000"},
				"text":       {parts["text/plain"], "Thanks for order 12.\nTotal: 12.50 €"},
				"html":       {parts["text/html"], "<p>Thanks for order <b>12</b>.</p>"},
			}
			for name, c := range checks {
				if c[0] != c[1] {
					t.Errorf("%s = %q, want %q", name, c[0], c[1])
				}
			}
			if _, ok := parts["multipart/alternative"]; !ok {
				t.Errorf("parts %v, want multipart/alternative", parts)
			}
		})
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestEmailBodies checks single-part messages and the defaults for the
// server and the sender.
func TestEmailBodies(t *testing.T) {
	t.Parallel()
	srv := newSMTPServer(t, smtpOptions{})
	deps := emailDeps
	deps.SMTPURL = srv.URL("smtp", "from=alerts@example.org")
	tests := []struct {
		name  string
		deps  Deps
		with  map[string]any
		from  string
		parts map[string]string
	}{
		{name: "html only, from the URL", deps: deps, with: map[string]any{"to": []any{"a@example.com"}, "html": "<b>hi</b>"},
			from: "alerts@example.org", parts: map[string]string{"text/html": "<b>hi</b>"}},
		{name: "text only, from the step", deps: deps, with: map[string]any{"to": "a@example.com", "text": "hi", "from": "me@example.net"},
			from: "me@example.net", parts: map[string]string{"text/plain": "hi"}},
		{name: "server default sender", deps: Deps{AllowPrivateNetworks: "true", SMTPURL: srv.URL("smtp", ""), MailFrom: "Ops <ops@example.com>"},
			with: map[string]any{"to": "a@example.com", "text": "x"}, from: "ops@example.com", parts: map[string]string{"text/plain": "x"}},
	}
	for _, tt := range tests {
		_, out, err := runEmail(t, tt.deps, tt.with, "msg_b", false)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		msgs := srv.messages()
		m := msgs[len(msgs)-1]
		_, parts := readEmail(t, m.Data)
		if m.From != tt.from || !equalJSON(parts, tt.parts) {
			t.Errorf("%s: from %q, parts %v; want %q, %v", tt.name, m.From, parts, tt.from, tt.parts)
		}
		domain := tt.from[strings.Index(tt.from, "@")+1:]
		if !equalJSON(out, map[string]any{"message_id": "<msg_b@" + domain + ">"}) {
			t.Errorf("%s: output %v", tt.name, out)
		}
	}
}

// TestEmailFailures checks the classification of failed sends and that
// the password appears in no error.
func TestEmailFailures(t *testing.T) {
	t.Parallel()
	certConf, _ := testCert()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name      string
		server    *smtpOptions // nil: no server (closedAddr)
		strict    bool         // the guard allows nothing, not loopback
		url       func(s *smtpServer) string
		untrusted bool   // the test certificate is not trusted
		want      string // the error after "send email via smtp://<addr>: "
		permanent bool
	}{
		{name: "recipient rejected", server: &smtpOptions{rcptError: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}},
			want: `send failed: sending SMTP RCPT TO command: 550 "5.1.1 No such user", affected recipient(s): <a@example.com>`, permanent: true},
		{name: "recipient greylisted", server: &smtpOptions{rcptError: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Try again later"}},
			want: `send failed: sending SMTP RCPT TO command: 451 "4.7.1 Try again later"`},
		{name: "data refused for now", server: &smtpOptions{dataError: &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "Insufficient storage"}},
			want: `send failed: closing SMTP DATA writer: 452 "4.3.1 Insufficient storage"`},
		{name: "data rejected", server: &smtpOptions{dataError: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Spam"}},
			want: `send failed: closing SMTP DATA writer: 554 "5.7.1 Spam"`, permanent: true},
		{name: "wrong password", server: &smtpOptions{},
			url: func(s *smtpServer) string {
				return "smtp://" + smtpUser + ":wrong-" + smtpPassword[:4] + "@" + s.Addr + "?tls=none"
			},
			want: `dial failed: SMTP AUTH failed: 535 "5.7.8 Authentication credentials invalid"`, permanent: true},
		{name: "STARTTLS required, not offered", server: &smtpOptions{},
			url:  func(s *smtpServer) string { return s.URL("smtp", "tls=starttls") },
			want: `dial failed: STARTTLS mode set to: "TLSMandatory", but target host does not support STARTTLS`, permanent: true},
		{name: "untrusted certificate", server: &smtpOptions{tls: certConf, implicit: true}, untrusted: true,
			url: func(s *smtpServer) string { return s.URL("smtps", "") }, want: "dial failed: tls: failed to verify certificate", permanent: true},
		{name: "nobody listening", want: "dial failed: dial tcp " + closedAddr + ": connect: connection refused"},
		{name: "refused by the guard", server: &smtpOptions{}, strict: true,
			want: "refused to connect to 127.0.0.1 (loopback)" + refusalHint, permanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr, target := closedAddr, (&smtpServer{Addr: closedAddr}).URL("smtp", "tls=none")
			if tt.server != nil {
				srv := newSMTPServer(t, *tt.server)
				addr, target = srv.Addr, srv.URL("smtp", "tls=none")
				if tt.url != nil {
					target = tt.url(srv)
				}
			}
			deps := emailDeps
			if tt.strict {
				deps = Deps{}
			}
			def := Email(deps)
			if !tt.untrusted {
				_, pool := testCert()
				def.Action.(*emailAction).sender.rootCAs = pool
			}
			p, _ := def.DecodeParams(map[string]any{"smtp": target, "from": "shop@example.com", "to": "a@example.com", "text": "x"})
			step := &engine.Step{Item: -1, Attempt: 1, DeliveryID: "msg_f", Params: p}
			_, err := def.Action.Run(t.Context(), step)
			scheme, _, _ := strings.Cut(target, ":")
			prefix := "send email via " + scheme + "://" + addr + ": "
			if err == nil || !strings.HasPrefix(err.Error(), prefix+tt.want) {
				t.Fatalf("error\n got %v\nwant %s%s…", err, prefix, tt.want)
			}
			if engine.IsPermanent(err) != tt.permanent {
				t.Errorf("permanent = %v, want %v", engine.IsPermanent(err), tt.permanent)
			}
			if strings.Contains(err.Error(), smtpPassword) || strings.Contains(err.Error(), smtpPassword[:4]) {
				t.Errorf("error shows the password: %v", err)
			}
			if ex := step.Exchanges(); len(ex) != 1 || ex[0].Response != nil || strings.Contains(ex[0].Request.URL, smtpPassword) {
				t.Errorf("exchanges %+v", ex)
			}
		})
	}
}

// TestEmailConfig checks what is refused before connecting.
func TestEmailConfig(t *testing.T) {
	t.Parallel()
	const pw = "hunter2-secret"
	tests := []struct {
		name string
		deps Deps
		with map[string]any
		want string
	}{
		{name: "no server", with: map[string]any{"to": "a@example.com"},
			want: "email: no SMTP server: start the server with --smtp (HOOKFLOW_SMTP_URL) or set the step's smtp"},
		{name: "no sender", deps: Deps{SMTPURL: "smtp://mail.example.com"}, with: map[string]any{"to": "a@example.com"},
			want: "email: no sender: set from, from= in the SMTP URL, or the server's default sender"},
		{name: "no recipient", with: map[string]any{"smtp": "smtp://mail.example.com?from=a@example.com", "to": []any{}},
			want: "email: to is required"},
		{name: "bad recipient", with: map[string]any{"smtp": "smtp://mail.example.com?from=a@example.com", "to": "not an address"},
			want: `email: to: "not an address" is not an email address (or a list of them separated by commas)`},
		{name: "bad cc", with: map[string]any{"smtp": "smtp://mail.example.com?from=a@example.com", "to": "a@example.com", "cc": []any{"x@"}},
			want: `email: cc: "x@" is not an email address (or a list of them separated by commas)`},
		{name: "bad sender", with: map[string]any{"smtp": "smtp://mail.example.com", "from": "nobody", "to": "a@example.com"},
			want: `email: from "nobody" is not an email address`},
		{name: "bad scheme", with: map[string]any{"smtp": "http://u:" + pw + "@mail.example.com", "to": "a@example.com"},
			want: "email: SMTP URL must start with smtp:// or smtps://"},
		{name: "unparsable URL", with: map[string]any{"smtp": "smtp://u:" + pw + "/x@mail.example.com", "to": "a@example.com"},
			want: "email: SMTP URL is not valid: want smtp://user:pass@host:port (percent-encode / ? # @ : in the user name and password)"},
		{name: "unknown option", with: map[string]any{"smtp": "smtp://u:" + pw + "@mail.example.com?tls=none&port=1", "to": "a@example.com"},
			want: `email: SMTP URL option "port" is unknown: want tls, from or auth`},
		{name: "bad tls", with: map[string]any{"smtp": "smtp://mail.example.com?tls=maybe", "to": "a@example.com"},
			want: "email: SMTP URL option tls=maybe is unknown: want none, starttls or tls"},
		{name: "smtps with tls=none", with: map[string]any{"smtp": "smtps://mail.example.com?tls=none", "to": "a@example.com"},
			want: "email: SMTP URL: smtps:// is TLS from the start, so tls=none does not apply"},
		{name: "bad auth", with: map[string]any{"smtp": "smtp://mail.example.com?auth=magic", "to": "a@example.com"},
			want: "email: SMTP URL option auth=magic is unknown: want plain, login, cram-md5, scram-sha-1, scram-sha-256 or xoauth2"},
		{name: "no host", with: map[string]any{"smtp": "smtp://u:" + pw + "@:25", "to": "a@example.com"},
			want: "email: SMTP URL has no host"},
	}
	for _, tt := range tests {
		_, _, err := runEmail(t, tt.deps, tt.with, "msg_c", false)
		if !engine.IsPermanent(err) || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q (permanent)", tt.name, err, tt.want)
		}
	}
	if err := (Deps{SMTPURL: "smtp://u:" + pw + "/x@host"}).Validate(); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Validate of a bad SMTP URL: %v", err)
	}
	if err := (Deps{SMTPURL: "smtps://u:p@mail.example.com:465?from=a@example.com&auth=login"}).Validate(); err != nil {
		t.Errorf("Validate of a good SMTP URL: %v", err)
	}
}

func TestEmailDryRun(t *testing.T) {
	t.Parallel()
	srv := newSMTPServer(t, smtpOptions{})
	step, out, err := runEmail(t, emailDeps, map[string]any{
		"smtp": srv.URL("smtp", ""), "from": "shop@example.com", "to": "a@example.com", "bcc": "b@example.com",
		"subject": "Hello", "text": "body text",
	}, "msg_dry", true)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.messages()); n != 0 {
		t.Fatalf("dry run sent %d messages", n)
	}
	if !equalJSON(out, map[string]any{"dry_run": true, "message_id": "<msg_dry@example.com>"}) {
		t.Fatalf("output %v", out)
	}
	ex := step.Exchanges()
	if len(ex) != 1 || ex[0].Response != nil {
		t.Fatalf("exchanges %+v", ex)
	}
	r := ex[0].Request
	want := map[string]string{"from": "shop@example.com", "to": "<a@example.com>", "bcc": "<b@example.com>"}
	if r.Method != "SMTP" || r.URL != "smtp://"+srv.Addr || !equalJSON(r.Headers, want) ||
		!strings.Contains(r.Body, "Subject: Hello") || !strings.Contains(r.Body, "body text") || strings.Contains(r.Body, "Bcc") {
		t.Fatalf("record %+v", r)
	}
}

// TestEmailMessageIDPerDelivery checks that attempts of one delivery send
// the same Message-ID and different deliveries different ones.
func TestEmailMessageIDPerDelivery(t *testing.T) {
	t.Parallel()
	srv := newSMTPServer(t, smtpOptions{})
	with := map[string]any{"smtp": srv.URL("smtp", "tls=none&from=x@example.com"), "to": "a@example.com", "text": "x"}
	var ids []string
	for _, delivery := range []string{"msg_one", "msg_one", "msg_two", ""} {
		_, out, err := runEmail(t, emailDeps, with, delivery, false)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.(map[string]any)["message_id"].(string))
	}
	if ids[0] != "<msg_one@example.com>" || ids[1] != ids[0] || ids[2] != "<msg_two@example.com>" ||
		!strings.HasPrefix(ids[3], "<msg_") || ids[3] == ids[0] {
		t.Fatalf("message ids %v", ids)
	}
}
