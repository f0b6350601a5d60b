package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func TestSignShopify(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, secret, body, want string }{
		// The RFC 4231 case 2 MAC, base64-encoded.
		{"rfc4231", "Jefe", "what do ya want for nothing?", "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="},
		// Independently computed with crypto/hmac below.
		{"json", "hush", `{"id":820982911946154508,"email":"jon@doe.ca"}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := tc.want
			if want == "" {
				m := hmac.New(sha256.New, []byte(tc.secret))
				m.Write([]byte(tc.body))
				want = base64.StdEncoding.EncodeToString(m.Sum(nil))
			}
			if got := SignShopify(tc.secret, []byte(tc.body)); got != want {
				t.Errorf("SignShopify = %s, want %s", got, want)
			}
		})
	}
}

func TestVerifyShopify(t *testing.T) {
	t.Parallel()
	const (
		secret = "Jefe"
		body   = "what do ya want for nothing?"
		good   = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="
		name   = "X-Shopify-Hmac-Sha256"
	)
	v := &Verifier{Scheme: Shopify, Secret: secret}
	zero := base64.StdEncoding.EncodeToString(make([]byte, 32))
	runVerifyCases(t, v, []verifyCase{
		{name: "valid", headers: hdr(name, good), body: body},
		{name: "lower-case header name", headers: hdr("x-shopify-hmac-sha256", good), body: body},
		{name: "several, one valid", headers: hdr(name, zero+", "+good), body: body},
		{name: "tampered body", headers: hdr(name, good), body: body + " ",
			want: ErrMismatch, msg: "signature does not match"},
		{name: "wrong secret", headers: hdr(name, SignShopify("jefe", []byte(body))), body: body, want: ErrMismatch},
		{name: "no header", headers: hdr(), body: body,
			want: ErrMissing, msg: "missing X-Shopify-Hmac-Sha256 header"},
		{name: "empty header", headers: hdr(name, ""), body: body, want: ErrMissing},
		{name: "hex instead of base64", headers: hdr(name, SignHex(secret, []byte(body))), body: body,
			want: ErrMalformed, msg: "malformed X-Shopify-Hmac-Sha256 header: no base64 signature"},
		{name: "non-base64", headers: hdr(name, strings.Repeat("!", 44)), body: body, want: ErrMalformed},
		{name: "unpadded", headers: hdr(name, strings.TrimRight(good, "=")), body: body, want: ErrMalformed},
		{name: "url alphabet", headers: hdr(name, strings.Repeat("-", 43)+"="), body: body, want: ErrMalformed},
		{name: "truncated", headers: hdr(name, good[:40]), body: body, want: ErrMalformed},
	})
}
