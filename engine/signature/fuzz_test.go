package signature

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The parsers read attacker-controlled headers: none may panic, and what
// they return must respect their contracts.

func FuzzParseStripe(f *testing.F) {
	sig := strings.Repeat("ab", 32)
	for _, s := range []string{
		"", "t=123", "v1=" + sig, "t=1700000000,v1=" + sig, "t=1,v1=" + sig + ",v1=" + sig + ",v0=00",
		"t=,v1=", "=,=,=", "t=1,t=2", "t=99999999999999999999", ",,,", "t=1 , v1=" + sig, "v1=\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		h, err := parseStripeHeader(value)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("parseStripeHeader error %v is not ErrMalformed", err)
			}
			return
		}
		if len(h.sigs) == 0 || h.timestamp == "" || !strings.Contains(value, "t="+h.timestamp) {
			t.Fatalf("parseStripeHeader(%q) = %+v", value, h)
		}
	})
}

func FuzzParseStandard(f *testing.F) {
	for _, s := range []string{
		"", "v1,", "v1," + strings.TrimPrefix(stdSig, "v1,"), stdSig + " " + stdSig, "v1a,abc v1,", ",", "v1,,,",
		"v1," + strings.Repeat("=", 44), "\tv1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, s := range parseStandardSignatures(value) {
			if !strings.Contains(value, "v1,") {
				t.Fatalf("parseStandardSignatures(%q) found %x without a v1 entry", value, s)
			}
		}
	})
}

func FuzzParseHexList(f *testing.F) {
	for _, s := range []string{"", "sha256=", strings.Repeat("a", 64), "sha256=" + strings.Repeat("F", 64) + ",x", "SHA256=,,"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, value string, required bool) {
		if n := len(parseHexList(nil, value, "sha256=", required)); n > len(value)/64 {
			t.Fatalf("parseHexList(%q) found %d signatures in %d bytes", value, n, len(value))
		}
	})
}

func FuzzParseBase64List(f *testing.F) {
	for _, s := range []string{"", "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=", "====", strings.Repeat("A", 44) + "," + strings.Repeat("/", 44)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		if n := len(parseBase64List(nil, value)); n > len(value)/44 {
			t.Fatalf("parseBase64List(%q) found %d signatures", value, n)
		}
	})
}

func FuzzParseSlack(f *testing.F) {
	f.Add(slackSig, "1531420618")
	f.Add("v0=", "")
	f.Add("v0="+strings.Repeat("Z", 64), "-1")
	f.Add(" v0="+strings.Repeat("0", 64)+" ", "0001531420618")
	f.Fuzz(func(t *testing.T, sig, ts string) {
		if _, err := parseSlackSignature(sig); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("parseSlackSignature error %v is not ErrMalformed", err)
		}
		if stamp, unix, err := parseSlackTimestamp(ts); err == nil && (unix < 0 || !strings.Contains(ts, stamp)) {
			t.Fatalf("parseSlackTimestamp(%q) = %q, %d", ts, stamp, unix)
		}
	})
}

// fuzzVerify checks, for arbitrary header values and bodies, that Verify
// does not panic, that every failure is an *Error, and that what the
// scheme signs for the fuzzed body and secret verifies.
func fuzzVerify(t *testing.T, scheme Scheme, secret string, body []byte, headers ...string) {
	if secret == "" {
		secret = "x"
	}
	v := &Verifier{Scheme: scheme, Secret: secret, Now: clock(1700000000)}
	if v.Validate() != nil {
		return
	}
	err := v.Verify(hdr(headers...), body)
	var e *Error
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("Verify error %v is not an *Error", err)
	}
	h, err := v.Sign("msg_fuzz", time.Unix(1700000000, 0), body)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if err := v.Verify(h, body); err != nil {
		t.Fatalf("Verify(Sign) = %v", err)
	}
}

func FuzzVerifyHMAC(f *testing.F) {
	f.Add("key", []byte("The quick brown fox jumps over the lazy dog"), "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
	f.Add("k", []byte{}, "sha256=,"+strings.Repeat("0", 64))
	f.Fuzz(func(t *testing.T, secret string, body []byte, sig string) {
		fuzzVerify(t, HMACSHA256, secret, body, HeaderSignature, sig)
	})
}

func FuzzVerifyGitHub(f *testing.F) {
	f.Add("It's a Secret to Everybody", []byte("Hello, World!"), "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
	f.Add("s", []byte("{}"), "sha256=")
	f.Fuzz(func(t *testing.T, secret string, body []byte, sig string) {
		fuzzVerify(t, GitHub, secret, body, HeaderGitHub, sig)
	})
}

func FuzzVerifyStripe(f *testing.F) {
	f.Add("whsec_x", []byte("{}"), SignStripe("whsec_x", time.Unix(1700000000, 0), []byte("{}")))
	f.Add("whsec_x", []byte("{}"), "t=123")
	f.Fuzz(func(t *testing.T, secret string, body []byte, sig string) {
		fuzzVerify(t, Stripe, secret, body, HeaderStripe, sig)
	})
}

func FuzzVerifyShopify(f *testing.F) {
	f.Add("Jefe", []byte("what do ya want for nothing?"), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=")
	f.Add("s", []byte{}, "====")
	f.Fuzz(func(t *testing.T, secret string, body []byte, sig string) {
		fuzzVerify(t, Shopify, secret, body, HeaderShopify, sig)
	})
}

func FuzzVerifySlack(f *testing.F) {
	f.Add(slackSecret, []byte(slackBody), slackSig, "1531420618")
	f.Add("s", []byte{}, "v0=", "")
	f.Fuzz(func(t *testing.T, secret string, body []byte, sig, ts string) {
		fuzzVerify(t, Slack, secret, body, HeaderSlackSignature, sig, HeaderSlackTimestamp, ts)
	})
}

func FuzzVerifyStandard(f *testing.F) {
	f.Add(stdSecret, []byte(stdBody), stdID, "1614265330", stdSig)
	f.Add("whsec_", []byte{}, "", "", "v1,")
	f.Add("plain", []byte("x"), "id", "1700000000", "v1a,xx v1,"+strings.Repeat("A", 44))
	f.Fuzz(func(t *testing.T, secret string, body []byte, id, ts, sig string) {
		fuzzVerify(t, StandardWebhooks, secret, body,
			HeaderWebhookID, id, HeaderWebhookTimestamp, ts, HeaderWebhookSignature, sig)
	})
}
