package signature

import (
	"strings"
	"testing"
	"time"
)

// The example in Slack's "Verifying requests from Slack".
const (
	slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	slackTS     = 1531420618
	slackBody   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	slackSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestSignSlack(t *testing.T) {
	t.Parallel()
	sig, ts := SignSlack(slackSecret, time.Unix(slackTS, 0), []byte(slackBody))
	if sig != slackSig || ts != "1531420618" {
		t.Errorf("SignSlack = %s, %s; want %s, 1531420618", sig, ts, slackSig)
	}
}

func TestVerifySlack(t *testing.T) {
	t.Parallel()
	const (
		sigName = "X-Slack-Signature"
		tsName  = "X-Slack-Request-Timestamp"
	)
	v := &Verifier{Scheme: Slack, Secret: slackSecret, Now: clock(slackTS)}
	good := hdr(sigName, slackSig, tsName, "1531420618")
	at := func(d time.Duration) verifyCase {
		return verifyCase{headers: mustSign(t, v, "", time.Unix(slackTS, 0).Add(d), slackBody), body: slackBody}
	}
	named := func(name string, c verifyCase, want error, msg string) verifyCase {
		c.name, c.want, c.msg = name, want, msg
		return c
	}
	zero := "v0=" + strings.Repeat("0", 64)
	runVerifyCases(t, v, []verifyCase{
		{name: "published vector", headers: good, body: slackBody},
		{name: "lower-case header names", headers: hdr("x-slack-signature", slackSig, "x-slack-request-timestamp", "1531420618"), body: slackBody},
		named("4m59s old", at(-4*time.Minute-59*time.Second), nil, ""),
		named("4m59s ahead", at(4*time.Minute+59*time.Second), nil, ""),
		named("5m1s old", at(-5*time.Minute-time.Second), ErrTimestamp, "timestamp 1531420317 is outside the 5m0s tolerance"),
		named("5m1s ahead", at(5*time.Minute+time.Second), ErrTimestamp, "timestamp 1531420919 is outside the 5m0s tolerance"),
		{name: "tampered body", headers: good, body: strings.Replace(slackBody, "roadrunner", "coyote", 1),
			want: ErrMismatch, msg: "signature does not match"},
		{name: "wrong secret", headers: mustSign(t, &Verifier{Scheme: Slack, Secret: "8f742231b10e8888abcd99yyyzzz85a6"}, "", time.Unix(slackTS, 0), slackBody),
			body: slackBody, want: ErrMismatch},
		{name: "timestamp changed", headers: with(good, tsName, "1531420619"), body: slackBody, want: ErrMismatch},
		{name: "no signature header", headers: without(good, sigName), body: slackBody,
			want: ErrMissing, msg: "missing X-Slack-Signature header"},
		{name: "no timestamp header", headers: without(good, tsName), body: slackBody,
			want: ErrMissing, msg: "missing X-Slack-Request-Timestamp header"},
		{name: "empty signature", headers: with(good, sigName, ""), body: slackBody, want: ErrMissing},
		{name: "empty timestamp", headers: with(good, tsName, ""), body: slackBody, want: ErrMissing},
		{name: "prefix only", headers: with(good, sigName, "v0="), body: slackBody,
			want: ErrMalformed, msg: "malformed X-Slack-Signature header: v0= is not 64 hex digits"},
		{name: "no prefix", headers: with(good, sigName, strings.TrimPrefix(slackSig, "v0=")), body: slackBody,
			want: ErrMalformed, msg: "malformed X-Slack-Signature header: no v0=<hex> signature"},
		{name: "non-hex", headers: with(good, sigName, "v0="+strings.Repeat("q", 64)), body: slackBody, want: ErrMalformed},
		{name: "several signatures", headers: with(good, sigName, zero+","+slackSig), body: slackBody, want: ErrMalformed},
		{name: "timestamp not a number", headers: with(good, tsName, "yesterday"), body: slackBody,
			want: ErrMalformed, msg: "malformed X-Slack-Request-Timestamp header: not a Unix timestamp"},
		{name: "timestamp in milliseconds", headers: with(good, tsName, "1531420618000"), body: slackBody, want: ErrTimestamp},
	})
}
