package signature

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The vector published with the Standard Webhooks reference libraries.
const (
	stdSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	stdID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	stdTS     = 1614265330
	stdBody   = `{"test": 2432232314}`
	stdSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignStandard(t *testing.T) {
	t.Parallel()
	got, err := SignStandard(stdSecret, stdID, time.Unix(stdTS, 0), []byte(stdBody))
	if err != nil || got != stdSig {
		t.Errorf("SignStandard = %q, %v; want %q", got, err, stdSig)
	}
}

func TestStandardKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, secret string
		want         []byte
		wantErr      bool
	}{
		{"whsec", "whsec_" + base64.StdEncoding.EncodeToString([]byte("key bytes")), []byte("key bytes"), false},
		{"plain secret is its bytes", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", []byte("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), false},
		{"whsec not base64", "whsec_not*base64", nil, true},
		{"whsec empty", "whsec_", nil, true},
		{"prefix is case-sensitive", "WHSEC_abc", []byte("WHSEC_abc"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := StandardKey(tc.secret)
			if (err != nil) != tc.wantErr || string(got) != string(tc.want) {
				t.Fatalf("StandardKey = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
			if rest := strings.TrimPrefix(tc.secret, "whsec_"); err != nil && rest != "" && strings.Contains(err.Error(), rest) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestVerifyStandard(t *testing.T) {
	t.Parallel()
	v := &Verifier{Scheme: StandardWebhooks, Secret: stdSecret, Now: clock(stdTS)}
	good := hdr("webhook-id", stdID, "webhook-timestamp", strconv.Itoa(stdTS), "webhook-signature", stdSig)
	sig := strings.TrimPrefix(stdSig, "v1,")
	zero := base64.StdEncoding.EncodeToString(make([]byte, 32))
	at := func(name string, d time.Duration, want error, msg string) verifyCase {
		h := mustSign(t, v, stdID, time.Unix(stdTS, 0).Add(d), stdBody)
		return verifyCase{name: name, headers: h, body: stdBody, want: want, msg: msg}
	}
	runVerifyCases(t, v, []verifyCase{
		{name: "published vector", headers: good, body: stdBody},
		{name: "several, one valid", headers: with(good, "webhook-signature", "v1,"+zero+" "+stdSig), body: stdBody},
		{name: "unknown versions ignored", headers: with(good, "webhook-signature", "v1a,"+sig+" v2,"+zero+" "+stdSig), body: stdBody},
		{name: "svix headers", headers: hdr("svix-id", stdID, "svix-timestamp", strconv.Itoa(stdTS), "svix-signature", stdSig), body: stdBody},
		at("4m59s old", -4*time.Minute-59*time.Second, nil, ""),
		at("4m59s ahead", 4*time.Minute+59*time.Second, nil, ""),
		at("5m1s old", -5*time.Minute-time.Second, ErrTimestamp, "timestamp 1614265029 is outside the 5m0s tolerance"),
		at("5m1s ahead", 5*time.Minute+time.Second, ErrTimestamp, "timestamp 1614265631 is outside the 5m0s tolerance"),
		{name: "tampered body", headers: good, body: `{"test": 2432232315}`,
			want: ErrMismatch, msg: "signature does not match"},
		{name: "wrong secret", headers: mustSign(t, &Verifier{Scheme: StandardWebhooks, Secret: "whsec_" + zero},
			stdID, time.Unix(stdTS, 0), stdBody), body: stdBody, want: ErrMismatch},
		{name: "id changed", headers: with(good, "webhook-id", stdID+"x"), body: stdBody, want: ErrMismatch},
		{name: "several, none valid", headers: with(good, "webhook-signature", "v1,"+zero+" v1,"+zero), body: stdBody, want: ErrMismatch},
		{name: "no id", headers: without(good, "webhook-id"), body: stdBody,
			want: ErrMissing, msg: "missing webhook-id header"},
		{name: "no timestamp", headers: without(good, "webhook-timestamp"), body: stdBody,
			want: ErrMissing, msg: "missing webhook-timestamp header"},
		{name: "no signature", headers: without(good, "webhook-signature"), body: stdBody,
			want: ErrMissing, msg: "missing webhook-signature header"},
		{name: "no headers", headers: nil, body: stdBody, want: ErrMissing},
		{name: "empty signature", headers: with(good, "webhook-signature", ""), body: stdBody, want: ErrMissing},
		{name: "v1, only", headers: with(good, "webhook-signature", "v1,"), body: stdBody,
			want: ErrMalformed, msg: "malformed webhook-signature header: no v1,<base64> signature"},
		{name: "only v1a", headers: with(good, "webhook-signature", "v1a,"+sig), body: stdBody, want: ErrMalformed},
		{name: "no comma", headers: with(good, "webhook-signature", "v1="+sig), body: stdBody, want: ErrMalformed},
		{name: "non-base64", headers: with(good, "webhook-signature", "v1,"+strings.Repeat("*", 44)), body: stdBody, want: ErrMalformed},
		{name: "hex signature", headers: with(good, "webhook-signature", "v1,"+strings.Repeat("ab", 32)), body: stdBody, want: ErrMalformed},
		{name: "comma-separated list", headers: with(good, "webhook-signature", "v1,"+zero+","+stdSig), body: stdBody, want: ErrMalformed},
		{name: "timestamp not a number", headers: with(good, "webhook-timestamp", "1614265330.5"), body: stdBody,
			want: ErrMalformed, msg: "malformed webhook-timestamp header: not a Unix timestamp"},
		{name: "svix partial", headers: hdr("svix-id", stdID, "svix-signature", stdSig), body: stdBody,
			want: ErrMissing, msg: "missing svix-timestamp header"},
	})
}

// The Standard Webhooks reference Go library is the oracle: it must accept
// what we sign, and we must accept what it signs. It reads the real clock,
// so these sign at time.Now.
func TestStandardReferenceLibrary(t *testing.T) {
	t.Parallel()
	now := time.Now()
	body := []byte(`{"type":"post.created","data":{"id":7}}`)
	tests := []struct {
		name, secret string
		ref          func() (*standardwebhooks.Webhook, error)
	}{
		{"whsec secret", stdSecret, func() (*standardwebhooks.Webhook, error) {
			return standardwebhooks.NewWebhook(stdSecret)
		}},
		{"plain secret", "a plain shared secret", func() (*standardwebhooks.Webhook, error) {
			return standardwebhooks.NewWebhookRaw([]byte("a plain shared secret"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ref, err := tc.ref()
			if err != nil {
				t.Fatal(err)
			}
			ours, err := Headers(tc.secret, "msg_2K1x", now, body)
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			for k, v := range ours {
				h.Set(k, v)
			}
			if err := ref.Verify(body, h); err != nil {
				t.Errorf("reference Verify(our Headers) = %v", err)
			}
			theirs, err := ref.Sign("msg_2K1x", now, body)
			if err != nil {
				t.Fatal(err)
			}
			if theirs != ours[HeaderWebhookSignature] {
				t.Errorf("reference Sign = %s, ours = %s", theirs, ours[HeaderWebhookSignature])
			}
			v := &Verifier{Scheme: StandardWebhooks, Secret: tc.secret}
			if err := v.Verify(with(h, "webhook-signature", theirs), body); err != nil {
				t.Errorf("Verify(reference signature) = %v", err)
			}
			if err := ref.Verify(append(body, ' '), h); err == nil {
				t.Error("reference Verify accepted a tampered body: the oracle is not checking")
			}
		})
	}
}
