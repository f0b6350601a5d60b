package workflow

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// durationOf reads a duration: a Go duration string ("30s", "1h30m") or a
// number of seconds, as engine.Duration does.
func durationOf(n *node) (time.Duration, error) {
	switch n.kind {
	case nodeString:
		return time.ParseDuration(strings.TrimSpace(n.text))
	case nodeInt, nodeFloat:
		f, _ := n.number()
		if math.IsNaN(f) || math.Abs(f) > math.MaxInt64/float64(time.Second) {
			return 0, errors.New("duration out of range")
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	return 0, errors.New("not a duration")
}

var sizeRe = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?) ?([A-Za-z]*)$`)

// sizeUnit returns the bytes in one unit: B, KB/K (1000), KiB/Ki (1024),
// MB, MiB, GB, GiB, without regard to case.
func sizeUnit(u string) (float64, bool) {
	switch strings.ToLower(u) {
	case "", "b":
		return 1, true
	case "k", "kb":
		return 1e3, true
	case "ki", "kib":
		return 1 << 10, true
	case "m", "mb":
		return 1e6, true
	case "mi", "mib":
		return 1 << 20, true
	case "g", "gb":
		return 1e9, true
	case "gi", "gib":
		return 1 << 30, true
	}
	return 0, false
}

// sizeOf reads a size in bytes: an integer or a string like "512KiB" or
// "2MiB".
func sizeOf(n *node) (int64, bool) {
	switch n.kind {
	case nodeInt:
		f, _ := n.number()
		return int64(f), f >= 0 && f < 1<<62
	case nodeString:
		m := sizeRe.FindStringSubmatch(strings.TrimSpace(n.text))
		if m == nil {
			return 0, false
		}
		num, err := strconv.ParseFloat(m[1], 64)
		unit, ok := sizeUnit(m[2])
		if err != nil || !ok || num*unit >= 1<<62 {
			return 0, false
		}
		return int64(num * unit), true
	}
	return 0, false
}
