package signature

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// verifyCase is one request for Verifier.Verify and the outcome wanted.
type verifyCase struct {
	name    string
	headers http.Header
	body    string
	// want is nil for an accepted request, else the Reason.
	want error
	// msg, when set, is the exact error sentence.
	msg string
}

// runVerifyCases runs each case in parallel against v. Every error must
// carry the wanted Reason and must not contain the secret nor any
// signature that v would compute for the case's body.
func runVerifyCases(t *testing.T, v *Verifier, cases []verifyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := v.Verify(tc.headers, []byte(tc.body))
			checkErr(t, err, tc.want, tc.msg)
			if err != nil {
				assertNoSecret(t, v, tc.body, err)
			}
		})
	}
}

func checkErr(t *testing.T, err, want error, msg string) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("Verify = %q, want nil", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("Verify = %v, want reason %q", err, want)
	case msg != "" && (err == nil || err.Error() != msg):
		t.Fatalf("Verify = %v, want %q", err, msg)
	}
	var e *Error
	if want != nil && !errors.As(err, &e) {
		t.Fatalf("Verify = %T, want *Error", err)
	}
}

// assertNoSecret fails when err's text holds the secret, the key, or a
// signature that v computes for body at v's clock.
func assertNoSecret(t *testing.T, v *Verifier, body string, err error) {
	t.Helper()
	forbidden := []string{v.Secret}
	if key, kerr := StandardKey(v.Secret); kerr == nil && string(key) != v.Secret {
		forbidden = append(forbidden, strings.TrimPrefix(v.Secret, standardPrefix))
	}
	h, serr := v.Sign("msg_1", v.window().now, []byte(body))
	if serr != nil {
		t.Fatalf("Sign: %v", serr)
	}
	for _, vals := range h {
		for _, val := range vals {
			if len(val) >= 20 {
				forbidden = append(forbidden, val, lastField(val))
			}
		}
	}
	for _, f := range forbidden {
		if f != "" && strings.Contains(err.Error(), f) {
			t.Fatalf("error %q contains the secret or a signature %q", err, f)
		}
	}
}

// lastField returns the signature part of "v1,…", "v0=…", "t=…,v1=…".
func lastField(s string) string {
	if i := strings.LastIndexAny(s, ",="); i >= 0 {
		return s[i+1:]
	}
	return s
}

// clock returns a Now func fixed at the Unix second sec.
func clock(sec int64) func() time.Time {
	return func() time.Time { return time.Unix(sec, 0) }
}

// hdr builds an http.Header from name, value pairs.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// mustSign signs body with v at ts and fails the test on error.
func mustSign(t testing.TB, v *Verifier, id string, ts time.Time, body string) http.Header {
	t.Helper()
	h, err := v.Sign(id, ts, []byte(body))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return h
}

// with returns a copy of h with name set to value, even "".
func with(h http.Header, name, value string) http.Header {
	c := h.Clone()
	c.Set(name, value)
	return c
}

// without returns a copy of h without name.
func without(h http.Header, name string) http.Header {
	c := h.Clone()
	c.Del(name)
	return c
}
