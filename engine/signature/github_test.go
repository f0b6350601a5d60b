package signature

import (
	"strings"
	"testing"
)

func TestSignGitHub(t *testing.T) {
	t.Parallel()
	// The example in GitHub's "Validating webhook deliveries".
	got := SignGitHub("It's a Secret to Everybody", []byte("Hello, World!"))
	want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got != want {
		t.Errorf("SignGitHub = %s, want %s", got, want)
	}
}

func TestVerifyGitHub(t *testing.T) {
	t.Parallel()
	const (
		secret = "It's a Secret to Everybody"
		body   = "Hello, World!"
		good   = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	)
	const name = "X-Hub-Signature-256"
	v := &Verifier{Scheme: GitHub, Secret: secret}
	zero := "sha256=" + strings.Repeat("0", 64)
	runVerifyCases(t, v, []verifyCase{
		{name: "published vector", headers: hdr(name, good), body: body},
		{name: "lower-case header name", headers: hdr("x-hub-signature-256", good), body: body},
		{name: "several, one valid", headers: hdr(name, zero+","+good), body: body},
		{name: "tampered body", headers: hdr(name, good), body: "Hello, World?",
			want: ErrMismatch, msg: "signature does not match"},
		{name: "wrong secret", headers: hdr(name, SignGitHub("it's a secret to everybody", []byte(body))), body: body,
			want: ErrMismatch},
		{name: "no header", headers: hdr("X-Hub-Signature", "sha1=0123"), body: body,
			want: ErrMissing, msg: "missing X-Hub-Signature-256 header"},
		{name: "empty header", headers: hdr(name, ""), body: body, want: ErrMissing},
		{name: "prefix only", headers: hdr(name, "sha256="), body: body,
			want: ErrMalformed, msg: "malformed X-Hub-Signature-256 header: no sha256=<hex> signature"},
		{name: "bare hex without prefix", headers: hdr(name, strings.TrimPrefix(good, "sha256=")), body: body,
			want: ErrMalformed},
		{name: "sha1 prefix", headers: hdr(name, "sha1="+good[7:]), body: body, want: ErrMalformed},
		{name: "non-hex", headers: hdr(name, "sha256="+strings.Repeat("x", 64)), body: body, want: ErrMalformed},
		{name: "truncated", headers: hdr(name, good[:len(good)-1]), body: body, want: ErrMalformed},
	})
}
