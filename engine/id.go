package engine

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"time"
)

// NewID returns the id of a record made at t: a UUIDv7 (RFC 9562) whose
// first 48 bits are t's Unix milliseconds and whose next 12 bits are the
// fraction of that millisecond (RFC 9562 section 6.2, method 3), so ids
// sort as their times do, to 1/4096 ms. The other 62 bits are random.
//
// Events and runs get their ids from the time they carry (ReceivedAt,
// CreatedAt): the store lists them by id and finds a time range by the
// ids' prefix (IDFloor). The random bits come from the runtime's ChaCha8
// generator, which needs no system call.
func NewID(t time.Time) string {
	var b [16]byte
	ms := t.UnixMilli()
	frac := uint64(t.Sub(time.UnixMilli(ms))) * 4096 / uint64(time.Millisecond)
	binary.BigEndian.PutUint64(b[:8], uint64(ms)<<16|0x7000|frac&0x0fff)
	binary.BigEndian.PutUint64(b[8:], rand.Uint64()&0x3fffffffffffffff|0x8000000000000000)
	return formatUUID(b)
}

// IDFloor returns the smallest id NewID can make in t's millisecond:
// for any id made at u, id >= IDFloor(t) exactly when u's millisecond is
// at or after t's.
func IDFloor(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	return formatUUID(b)
}

// formatUUID writes b in the canonical 8-4-4-4-12 lower-case form.
func formatUUID(b [16]byte) string {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
