package signature

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
)

// stripe-go's webhook package is the oracle: it must accept what we sign,
// and we must accept what it signs.

func TestSignStripeMatchesStripeGo(t *testing.T) {
	t.Parallel()
	ts := time.Unix(1700000000, 0)
	tests := []struct{ name, secret, body string }{
		{"event", "whsec_test_secret", `{"id":"evt_1","object":"event","type":"charge.succeeded"}`},
		{"empty body", "whsec_x", ""},
		{"binary body", "whsec_\x00\xff", "\x00\x01\x02\xfe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
				Payload: []byte(tc.body), Secret: tc.secret, Timestamp: ts,
			})
			if got := SignStripe(tc.secret, ts, []byte(tc.body)); got != sp.Header {
				t.Errorf("SignStripe = %s, stripe-go = %s", got, sp.Header)
			}
			v := &Verifier{Scheme: Stripe, Secret: tc.secret, Now: clock(ts.Unix())}
			if err := v.Verify(hdr("Stripe-Signature", sp.Header), []byte(tc.body)); err != nil {
				t.Errorf("Verify(stripe-go header) = %v", err)
			}
		})
	}
}

func TestStripeGoAcceptsOurSignature(t *testing.T) {
	t.Parallel()
	const secret = "whsec_2b5a1c"
	body := []byte(`{"id":"evt_2","type":"invoice.paid"}`)
	now := time.Now()
	tests := []struct {
		name   string
		header string
		want   error
	}{
		{"now", SignStripe(secret, now, body), nil},
		{"4m30s ago", SignStripe(secret, now.Add(-4*time.Minute-30*time.Second), body), nil},
		{"rotation", fmt.Sprintf("%s,v1=%s", SignStripe(secret, now, body), strings.Repeat("0", 64)), nil},
		{"wrong secret", SignStripe("whsec_other", now, body), webhook.ErrNoValidSignature},
		{"6m ago", SignStripe(secret, now.Add(-6*time.Minute), body), webhook.ErrTooOld},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.ValidatePayloadWithTolerance(body, tc.header, secret, 5*time.Minute)
			if !errors.Is(err, tc.want) && err != tc.want {
				t.Errorf("stripe-go ValidatePayloadWithTolerance = %v, want %v", err, tc.want)
			}
			// And we agree with stripe-go's verdict.
			v := &Verifier{Scheme: Stripe, Secret: secret}
			if ours := v.Verify(hdr("Stripe-Signature", tc.header), body); (ours == nil) != (err == nil) {
				t.Errorf("Verify = %v, stripe-go = %v", ours, err)
			}
		})
	}
}

func TestVerifyStripe(t *testing.T) {
	t.Parallel()
	const (
		secret = "whsec_test_secret"
		body   = `{"id":"evt_1","type":"charge.succeeded"}`
		name   = "Stripe-Signature"
		unix   = 1700000000
	)
	now := time.Unix(unix, 0)
	v := &Verifier{Scheme: Stripe, Secret: secret, Now: clock(unix)}
	signAt := func(d time.Duration) string { return SignStripe(secret, now.Add(d), []byte(body)) }
	good := signAt(0)
	sig := strings.TrimPrefix(good, "t=1700000000,v1=")
	zero := strings.Repeat("0", 64)
	runVerifyCases(t, v, []verifyCase{
		{name: "valid", headers: hdr(name, good), body: body},
		{name: "stripe-go test header", headers: hdr(name, webhook.GenerateTestSignedPayload(
			&webhook.UnsignedPayload{Payload: []byte(body), Secret: secret, Timestamp: now}).Header), body: body},
		{name: "several v1, one valid", headers: hdr(name, "t=1700000000,v1="+zero+",v1="+sig), body: body},
		{name: "v0 and unknown keys ignored", headers: hdr(name, "t=1700000000,v0="+zero+",v1="+sig+",x=y,junk"), body: body},
		{name: "spaces around elements", headers: hdr(name, " t=1700000000 , v1="+sig+" "), body: body},
		{name: "v1 before t", headers: hdr(name, "v1="+sig+",t=1700000000"), body: body},
		{name: "4m59s old", headers: hdr(name, signAt(-4*time.Minute-59*time.Second)), body: body},
		{name: "4m59s ahead", headers: hdr(name, signAt(4*time.Minute+59*time.Second)), body: body},
		{name: "5m0s old", headers: hdr(name, signAt(-5*time.Minute)), body: body},
		{name: "5m1s old", headers: hdr(name, signAt(-5*time.Minute-time.Second)), body: body,
			want: ErrTimestamp, msg: "timestamp 1699999699 is outside the 5m0s tolerance"},
		{name: "5m1s ahead", headers: hdr(name, signAt(5*time.Minute+time.Second)), body: body,
			want: ErrTimestamp, msg: "timestamp 1700000301 is outside the 5m0s tolerance"},
		{name: "tampered body", headers: hdr(name, good), body: body + " ",
			want: ErrMismatch, msg: "signature does not match"},
		{name: "wrong secret", headers: hdr(name, SignStripe("whsec_wrong", now, []byte(body))), body: body, want: ErrMismatch},
		{name: "timestamp changed", headers: hdr(name, "t=1700000001,v1="+sig), body: body, want: ErrMismatch},
		{name: "timestamp with leading zero", headers: hdr(name, "t=01700000000,v1="+sig), body: body, want: ErrMismatch},
		{name: "no header", headers: hdr(), body: body,
			want: ErrMissing, msg: "missing Stripe-Signature header"},
		{name: "empty header", headers: hdr(name, ""), body: body, want: ErrMissing},
		{name: "t only", headers: hdr(name, "t=123"), body: body,
			want: ErrMalformed, msg: "malformed Stripe-Signature header: no v1=<hex> signature"},
		{name: "v1 only", headers: hdr(name, "v1="+sig), body: body,
			want: ErrMalformed, msg: "malformed Stripe-Signature header: no t= timestamp"},
		{name: "t not a number", headers: hdr(name, "t=abc,v1="+sig), body: body,
			want: ErrMalformed, msg: "malformed Stripe-Signature header: t= is not a Unix timestamp"},
		{name: "negative t", headers: hdr(name, "t=-1,v1="+sig), body: body, want: ErrMalformed},
		{name: "two t", headers: hdr(name, "t=1700000000,t=1700000000,v1="+sig), body: body,
			want: ErrMalformed, msg: "malformed Stripe-Signature header: more than one t= timestamp"},
		{name: "v1 not hex", headers: hdr(name, "t=1700000000,v1="+strings.Repeat("z", 64)), body: body, want: ErrMalformed},
		{name: "v1 empty", headers: hdr(name, "t=1700000000,v1="), body: body, want: ErrMalformed},
		{name: "only v0", headers: hdr(name, "t=1700000000,v0="+sig), body: body, want: ErrMalformed},
		{name: "hmac-sha256 value", headers: hdr(name, sig), body: body, want: ErrMalformed},
	})
}

func TestParseStripeHeader(t *testing.T) {
	t.Parallel()
	sig := strings.Repeat("ab", 32)
	tests := []struct {
		name, value string
		wantTS      string
		wantSigs    int
		wantErr     bool
	}{
		{"one", "t=1,v1=" + sig, "1", 1, false},
		{"two", "t=1,v1=" + sig + ",v1=" + sig, "1", 2, false},
		{"trailing comma", "t=1,v1=" + sig + ",", "1", 1, false},
		{"equals in value", "t=1,v1=" + sig + "=", "", 0, true},
		{"empty", "", "", 0, true},
		{"huge t", "t=99999999999999999999,v1=" + sig, "", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := parseStripeHeader(tc.value)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parseStripeHeader(%q) error = %v, want error %v", tc.value, err, tc.wantErr)
			}
			if h.timestamp != tc.wantTS || len(h.sigs) != tc.wantSigs {
				t.Errorf("parseStripeHeader(%q) = t %q, %d sigs; want t %q, %d sigs",
					tc.value, h.timestamp, len(h.sigs), tc.wantTS, tc.wantSigs)
			}
		})
	}
}
