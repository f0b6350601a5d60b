package signature

import (
	"strings"
	"testing"
)

func TestSignHex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, secret, body, want string
	}{
		// PHP: hash_hmac('sha256', 'The quick brown fox jumps over the lazy dog', 'key')
		{"php", "key", "The quick brown fox jumps over the lazy dog",
			"f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"},
		// RFC 4231 test case 2.
		{"rfc4231", "Jefe", "what do ya want for nothing?",
			"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		// hash_hmac('sha256', '', '') : empty body and key.
		{"empty", "", "",
			"b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := SignHex(tc.secret, []byte(tc.body)); got != tc.want {
				t.Errorf("SignHex = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestVerifyHMAC(t *testing.T) {
	t.Parallel()
	const (
		secret = "key"
		body   = "The quick brown fox jumps over the lazy dog"
		good   = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
		other  = "0000000000000000000000000000000000000000000000000000000000000000"
	)
	v := &Verifier{Scheme: HMACSHA256, Secret: secret}
	wrong := SignHex("not the key", []byte(body))
	runVerifyCases(t, v, []verifyCase{
		{name: "valid", headers: hdr("X-Signature", good), body: body},
		{name: "uppercase hex", headers: hdr("X-Signature", strings.ToUpper(good)), body: body},
		{name: "sha256 prefix", headers: hdr("X-Signature", "sha256="+good), body: body},
		{name: "SHA256 prefix", headers: hdr("X-Signature", "SHA256="+good), body: body},
		{name: "lower-case header name", headers: hdr("x-signature", good), body: body},
		{name: "several, last valid", headers: hdr("X-Signature", other+","+good), body: body},
		{name: "several with spaces", headers: hdr("X-Signature", "sha256="+other+", sha256="+good), body: body},
		{name: "several, one malformed", headers: hdr("X-Signature", "zz, "+good), body: body},
		{name: "tampered body", headers: hdr("X-Signature", good), body: body + ".",
			want: ErrMismatch, msg: "signature does not match"},
		{name: "empty body", headers: hdr("X-Signature", good), body: "", want: ErrMismatch},
		{name: "wrong secret", headers: hdr("X-Signature", wrong), body: body, want: ErrMismatch},
		{name: "several, none valid", headers: hdr("X-Signature", other+","+wrong), body: body, want: ErrMismatch},
		{name: "no header", headers: hdr(), body: body,
			want: ErrMissing, msg: "missing X-Signature header"},
		{name: "empty header", headers: hdr("X-Signature", ""), body: body, want: ErrMissing},
		{name: "blank header", headers: hdr("X-Signature", "  "), body: body, want: ErrMissing},
		{name: "prefix only", headers: hdr("X-Signature", "sha256="), body: body,
			want: ErrMalformed, msg: "malformed X-Signature header: no hex signature"},
		{name: "non-hex", headers: hdr("X-Signature", strings.Repeat("g", 64)), body: body, want: ErrMalformed},
		{name: "short hex", headers: hdr("X-Signature", good[:62]), body: body, want: ErrMalformed},
		{name: "long hex", headers: hdr("X-Signature", good+"00"), body: body, want: ErrMalformed},
		{name: "base64 instead of hex", headers: hdr("X-Signature", SignShopify(secret, []byte(body))), body: body, want: ErrMalformed},
		{name: "commas only", headers: hdr("X-Signature", ",,,"), body: body, want: ErrMalformed},
	})
}

func TestVerifyHMACCustomHeader(t *testing.T) {
	t.Parallel()
	v := &Verifier{Secret: "s3cr3t-value", Header: "X-Orders-Signature"}
	body := `{"order":1}`
	sig := SignHex(v.Secret, []byte(body))
	runVerifyCases(t, v, []verifyCase{
		{name: "custom header", headers: hdr("X-Orders-Signature", sig), body: body},
		{name: "default header ignored", headers: hdr("X-Signature", sig), body: body,
			want: ErrMissing, msg: "missing X-Orders-Signature header"},
	})
	if h := mustSign(t, v, "", v.window().now, body); h.Get("X-Orders-Signature") != sig {
		t.Errorf("Sign = %v, want X-Orders-Signature: %s", h, sig)
	}
}

func TestParseHexList(t *testing.T) {
	t.Parallel()
	a := strings.Repeat("ab", 32)
	b := strings.Repeat("CD", 32)
	tests := []struct {
		name, value string
		required    bool
		want        int
	}{
		{"one", a, false, 1},
		{"prefixed", "sha256=" + a, false, 1},
		{"required missing prefix", a, true, 0},
		{"required prefixed", "sha256=" + a + ",sha256=" + b, true, 2},
		{"mixed separators", a + " ,\t" + b + "\n", false, 2},
		{"sha1 entry skipped", "sha1=" + a[:40] + ",sha256=" + b, true, 1},
		{"empty", "", false, 0},
		{"prefix only", "sha256=", true, 0},
		{"odd", a[:63], false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := parseHexList(nil, tc.value, "sha256=", tc.required)
			if len(got) != tc.want {
				t.Errorf("parseHexList(%q) found %d signatures, want %d", tc.value, len(got), tc.want)
			}
		})
	}
}
