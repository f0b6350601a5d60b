package signature_test

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/hookflow/hookflow/engine/signature"
)

// Verifying a GitHub delivery, with the example from GitHub's docs.
func ExampleVerifier_Verify() {
	v := &signature.Verifier{Scheme: signature.GitHub, Secret: "It's a Secret to Everybody"}
	body := []byte("Hello, World!")

	h := http.Header{}
	h.Set("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
	fmt.Println(v.Verify(h, body))

	err := v.Verify(h, []byte("Hello, World?"))
	fmt.Println(err, errors.Is(err, signature.ErrMismatch))

	fmt.Println(v.Verify(http.Header{}, body))
	// Output:
	// <nil>
	// signature does not match true
	// missing X-Hub-Signature-256 header
}

// A Slack request checked against a fixed clock: the example from Slack's
// docs, then the same request eleven minutes later.
func ExampleVerifier_Verify_timestamp() {
	ts := time.Unix(1531420618, 0)
	now := ts
	v := &signature.Verifier{
		Scheme: signature.Slack,
		Secret: "8f742231b10e8888abcd99yyyzzz85a5",
		Now:    func() time.Time { return now },
	}
	body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J")
	h, _ := v.Sign("", ts, body)
	fmt.Println(v.Verify(h, body))

	now = ts.Add(11 * time.Minute)
	fmt.Println(v.Verify(h, body))
	// Output:
	// <nil>
	// timestamp 1531420618 is outside the 5m0s tolerance
}

// The headers of a signed outgoing request.
func ExampleHeaders() {
	h, err := signature.Headers("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		panic(err)
	}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Printf("%s: %s\n", name, h[name])
	}
	// Output:
	// X-Signature: 80ec8a89ce3cd22133a1066caecb4d04fea7467657c8514d717ec42c38a5c94c
	// webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek
	// webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
	// webhook-timestamp: 1614265330
}

// What a PHP receiver computes with hash_hmac('sha256', $payload, $secret).
func ExampleSignHex() {
	fmt.Println(signature.SignHex("key", []byte("The quick brown fox jumps over the lazy dog")))
	// Output: f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8
}
