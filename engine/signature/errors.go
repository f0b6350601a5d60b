package signature

import (
	"fmt"
	"time"
)

// Reason classifies why a request failed verification. Each Reason is
// itself an error, so that a caller can write
// errors.Is(err, signature.ErrTimestamp).
type Reason int

// The reasons a request fails verification.
const (
	// ErrMissing: a header that the scheme needs is absent or empty.
	ErrMissing Reason = iota + 1
	// ErrMalformed: a header is present but cannot be parsed.
	ErrMalformed
	// ErrTimestamp: the signed timestamp is outside the tolerance.
	ErrTimestamp
	// ErrMismatch: no signature in the header matches the body.
	ErrMismatch
)

// Error returns a short phrase for the reason.
func (r Reason) Error() string {
	switch r {
	case ErrMissing:
		return "missing signature header"
	case ErrMalformed:
		return "malformed signature header"
	case ErrTimestamp:
		return "timestamp outside the tolerance"
	case ErrMismatch:
		return "signature does not match"
	}
	return fmt.Sprintf("signature reason %d", int(r))
}

// Error is a failed verification: a sentence fit to show the sender (it
// names headers, never the secret or the expected signature) and its
// Reason, which errors.Is matches.
type Error struct {
	Reason Reason
	msg    string
}

// Error returns the sentence, such as "missing X-Hub-Signature-256 header".
func (e *Error) Error() string { return e.msg }

// Unwrap returns the Reason, so that errors.Is(err, ErrMismatch) works.
func (e *Error) Unwrap() error { return e.Reason }

func errMissing(header string) error {
	return &Error{Reason: ErrMissing, msg: "missing " + header + " header"}
}

func errMalformed(header, detail string) error {
	return &Error{Reason: ErrMalformed, msg: "malformed " + header + " header: " + detail}
}

func errTimestamp(ts int64, tolerance time.Duration) error {
	return &Error{
		Reason: ErrTimestamp,
		msg:    fmt.Sprintf("timestamp %d is outside the %s tolerance", ts, tolerance),
	}
}

func errMismatch() error {
	return &Error{Reason: ErrMismatch, msg: "signature does not match"}
}
