package signature

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseScheme(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Scheme
		wantErr bool
	}{
		{"", HMACSHA256, false},
		{"hmac-sha256", HMACSHA256, false},
		{"github", GitHub, false},
		{"stripe", Stripe, false},
		{"shopify", Shopify, false},
		{"slack", Slack, false},
		{"standard-webhooks", StandardWebhooks, false},
		{"GitHub", "", true},
		{"hmac", "", true},
		{"svix", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseScheme(tc.in)
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Fatalf("ParseScheme(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
			var s Scheme
			if err := s.UnmarshalText([]byte(tc.in)); s != tc.want || (err != nil) != tc.wantErr {
				t.Fatalf("UnmarshalText(%q) = %q, %v", tc.in, s, err)
			}
		})
	}
	for _, s := range Schemes() {
		if got, err := ParseScheme(s.String()); got != s || err != nil {
			t.Errorf("ParseScheme(%q) = %q, %v", s, got, err)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	const secret = "whsec_c2VjcmV0IGtleSB0aGF0IG11c3Qgbm90IGxlYWs="
	tests := []struct {
		name string
		v    Verifier
		msg  string // "" for valid
	}{
		{"zero scheme is hmac-sha256", Verifier{Secret: "s"}, ""},
		{"every field", Verifier{Scheme: Stripe, Secret: "s", Tolerance: time.Minute, Now: time.Now}, ""},
		{"whsec for standard", Verifier{Scheme: StandardWebhooks, Secret: secret}, ""},
		{"whsec is bytes elsewhere", Verifier{Scheme: GitHub, Secret: "whsec_!!"}, ""},
		{"header ignored elsewhere", Verifier{Scheme: GitHub, Secret: "s", Header: "bad header"}, ""},
		{"unknown scheme", Verifier{Scheme: "svix", Secret: "s"},
			`unknown signature scheme "svix": want one of hmac-sha256, github, stripe, shopify, slack, standard-webhooks`},
		{"empty secret", Verifier{Scheme: GitHub}, "empty signature secret"},
		{"negative tolerance", Verifier{Scheme: Slack, Secret: "s", Tolerance: -time.Second}, "negative signature tolerance -1s"},
		{"bad header name", Verifier{Secret: "s", Header: "X Signature"}, `invalid signature header name "X Signature"`},
		{"whsec not base64", Verifier{Scheme: StandardWebhooks, Secret: secret + "!"},
			"signature secret starts with whsec_ but is not base64 after it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.v.Validate()
			if (err == nil) != (tc.msg == "") || (err != nil && err.Error() != tc.msg) {
				t.Fatalf("Validate = %v, want %q", err, tc.msg)
			}
			if tc.msg == "" {
				return
			}
			// An invalid Verifier fails closed, even on a correctly signed request.
			signer := &Verifier{Scheme: tc.v.Scheme, Secret: "s"}
			if !signer.Scheme.valid() {
				signer.Scheme = HMACSHA256
			}
			h := mustSign(t, signer, "id", time.Now(), "body")
			if err := tc.v.Verify(h, []byte("body")); err == nil || err.Error() != tc.msg {
				t.Errorf("Verify = %v, want %q", err, tc.msg)
			}
			if _, err := tc.v.Sign("id", time.Now(), nil); err == nil {
				t.Error("Sign succeeded on an invalid Verifier")
			}
		})
	}
}

func TestZeroVerifierRefuses(t *testing.T) {
	t.Parallel()
	var v Verifier
	// An empty secret must never turn into "anyone can sign".
	h := hdr("X-Signature", SignHex("", []byte("x")))
	if err := v.Verify(h, []byte("x")); err == nil {
		t.Fatal("zero Verifier accepted a request signed with the empty key")
	}
}

// TestTolerance checks the window of every timestamped scheme at its edges,
// in the past and the future, with the default and a custom tolerance.
func TestTolerance(t *testing.T) {
	t.Parallel()
	const now = 1700000000
	tests := []struct {
		offset    time.Duration
		tolerance time.Duration
		ok        bool
	}{
		{0, 0, true},
		{-4*time.Minute - 59*time.Second, 0, true},
		{4*time.Minute + 59*time.Second, 0, true},
		{-5 * time.Minute, 0, true},
		{5 * time.Minute, 0, true},
		{-5*time.Minute - time.Second, 0, false},
		{5*time.Minute + time.Second, 0, false},
		{-24 * time.Hour, 0, false},
		{-time.Minute, time.Minute, true},
		{-61 * time.Second, time.Minute, false},
		{61 * time.Second, time.Minute, false},
		{-9 * time.Minute, 10 * time.Minute, true},
	}
	for _, scheme := range []Scheme{Stripe, Slack, StandardWebhooks} {
		for _, tc := range tests {
			name := string(scheme) + "/" + tc.offset.String() + "/" + tc.tolerance.String()
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				v := &Verifier{Scheme: scheme, Secret: "tolerance-secret", Tolerance: tc.tolerance, Now: clock(now)}
				h := mustSign(t, v, "msg_1", time.Unix(now, 0).Add(tc.offset), "{}")
				err := v.Verify(h, []byte("{}"))
				if tc.ok && err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				if !tc.ok && !errors.Is(err, ErrTimestamp) {
					t.Fatalf("Verify = %v, want ErrTimestamp", err)
				}
			})
		}
	}
}

// TestSignVerifyRoundTrip: every scheme accepts what it signs, and nothing
// signed for another scheme.
func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	const now = 1700000000
	bodies := []string{"", "{}", `{"a":[1,2,3]}`, "\x00\xff binary", strings.Repeat("x", 70000)}
	for _, scheme := range Schemes() {
		for i, body := range bodies {
			t.Run(string(scheme)+"/"+string(rune('a'+i)), func(t *testing.T) {
				t.Parallel()
				v := &Verifier{Scheme: scheme, Secret: "round-trip secret", Now: clock(now)}
				h := mustSign(t, v, "msg_rt", time.Unix(now, 0), body)
				if err := v.Verify(h, []byte(body)); err != nil {
					t.Fatalf("Verify(Sign) = %v", err)
				}
				if err := v.Verify(h, []byte(body+"!")); !errors.Is(err, ErrMismatch) {
					t.Fatalf("Verify(Sign, other body) = %v, want ErrMismatch", err)
				}
				for _, other := range Schemes() {
					if other == scheme {
						continue
					}
					o := &Verifier{Scheme: other, Secret: v.Secret, Now: v.Now}
					if err := o.Verify(h, []byte(body)); err == nil {
						t.Errorf("%s accepted headers signed for %s", other, scheme)
					}
				}
			})
		}
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	got, err := Headers(stdSecret, stdID, time.Unix(stdTS, 0), []byte(stdBody))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"X-Signature":       SignHex(stdSecret, []byte(stdBody)),
		"webhook-id":        stdID,
		"webhook-timestamp": "1614265330",
		"webhook-signature": stdSig,
	}
	if len(got) != len(want) {
		t.Errorf("Headers = %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("Headers[%s] = %q, want %q", k, got[k], w)
		}
	}
	// What we send, our own verifiers accept.
	h := http.Header{}
	for k, v := range got {
		h.Set(k, v)
	}
	for _, scheme := range []Scheme{HMACSHA256, StandardWebhooks} {
		v := &Verifier{Scheme: scheme, Secret: stdSecret, Now: clock(stdTS)}
		if err := v.Verify(h, []byte(stdBody)); err != nil {
			t.Errorf("%s: Verify(Headers) = %v", scheme, err)
		}
	}
}

func TestHeadersErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, secret, id, msg string }{
		{"empty secret", "", "msg_1", "empty signature secret"},
		{"empty id", "s", "", "empty webhook message id"},
		{"bad whsec", "whsec_%%%%", "msg_1", "signature secret starts with whsec_ but is not base64 after it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Headers(tc.secret, tc.id, time.Now(), nil)
			if err == nil || err.Error() != tc.msg {
				t.Fatalf("Headers = %v, want %q", err, tc.msg)
			}
		})
	}
}

func TestHeaderFunc(t *testing.T) {
	t.Parallel()
	// Headers as an event stores them: lower-case names.
	stored := map[string]string{
		"x-slack-signature":         slackSig,
		"x-slack-request-timestamp": "1531420618",
	}
	get := HeaderFunc(func(name string) string { return stored[strings.ToLower(name)] })
	v := &Verifier{Scheme: Slack, Secret: slackSecret, Now: clock(slackTS)}
	if err := v.Verify(get, []byte(slackBody)); err != nil {
		t.Fatalf("Verify(HeaderFunc) = %v", err)
	}
}

func TestErrorReasons(t *testing.T) {
	t.Parallel()
	for _, r := range []Reason{ErrMissing, ErrMalformed, ErrTimestamp, ErrMismatch} {
		err := error(&Error{Reason: r, msg: "x"})
		if !errors.Is(err, r) {
			t.Errorf("errors.Is(*Error{%v}, %v) = false", r, r)
		}
		for _, o := range []Reason{ErrMissing, ErrMalformed, ErrTimestamp, ErrMismatch} {
			if o != r && errors.Is(err, o) {
				t.Errorf("errors.Is(*Error{%v}, %v) = true", r, o)
			}
		}
		if r.Error() == "" || strings.ToLower(r.Error()) != r.Error() {
			t.Errorf("Reason %d has message %q", r, r.Error())
		}
	}
}
