package actions

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"

	"github.com/hookflow/hookflow/engine"
)

// This file is the outgoing-connection policy (SPEC 3.4): destinations in
// private, loopback, link-local, carrier-grade NAT, multicast, broadcast,
// documentation, benchmarking and the other IANA special-purpose ranges,
// and the IPv6 forms that embed them, are refused unless allowed with
// --allow-private-networks. The check runs in net.Dialer.Control, on the
// address actually dialled: after DNS (so a name that resolves to, or
// rebinds to, 127.0.0.1 is caught), after each redirect (each hop dials),
// and on every connection of the sql and email actions, which dial through
// NewDialer too.
//
// Which addresses are refused is decided by code.dny.dev/ssrf, whose lists
// are generated from the IANA special-purpose registries; specialRanges
// below only names the range in the refusal sentence.

// AllowList is the parsed value of --allow-private-networks: which
// special-purpose destinations outgoing connections may reach anyway. The
// zero value refuses all of them; build others with ParseAllowList.
type AllowList struct {
	all      bool
	prefixes []netip.Prefix
	guard    *ssrf.Guardian // nil means the zero value's guard, strictGuard
}

// strictGuard refuses every special-purpose address, on any port and any
// TCP or UDP network (the network is checked by Control).
var strictGuard = ssrf.New(ssrf.WithAnyPort(), ssrf.WithAnyNetwork())

// ParseAllowList parses an --allow-private-networks value:
//
//   - "" (or "false") refuses every special-purpose address;
//   - "true" allows every destination, turning the guard off;
//   - a comma-separated list of CIDR prefixes (a bare address counts as a
//     single-address prefix), such as "10.0.0.0/8,fd00::/8,127.0.0.1",
//     allows those and refuses the rest.
//
// Any other value is an error naming the entry at fault, for the server to
// report at start-up (exit code 2).
func ParseAllowList(s string) (AllowList, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "false":
		return AllowList{}, nil
	case "true":
		return AllowList{all: true}, nil
	}
	var prefixes []netip.Prefix
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := parsePrefix(entry)
		if err != nil {
			return AllowList{}, fmt.Errorf("allow-private-networks: %q is not a CIDR prefix or an IP address: "+
				"want true, or a comma-separated list such as 10.0.0.0/8,fd00::/8", entry)
		}
		prefixes = append(prefixes, p)
	}
	if len(prefixes) == 0 {
		return AllowList{}, nil
	}
	var v4, v6 []netip.Prefix
	for _, p := range prefixes {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	guard := ssrf.New(ssrf.WithAnyPort(), ssrf.WithAnyNetwork(),
		ssrf.WithAllowedV4Prefixes(v4...), ssrf.WithAllowedV6Prefixes(v6...))
	return AllowList{prefixes: prefixes, guard: guard}, nil
}

// parsePrefix parses a CIDR prefix or a bare address, masks the host bits
// and turns an IPv4-mapped IPv6 prefix into its IPv4 form.
func parsePrefix(s string) (netip.Prefix, error) {
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return p, err
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return p, err
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// AllowsAll reports whether the list turns the guard off ("true").
func (a AllowList) AllowsAll() bool { return a.all }

// String returns the list as ParseAllowList takes it: "true", "" or the
// prefixes joined by commas.
func (a AllowList) String() string {
	if a.all {
		return "true"
	}
	s := make([]string, len(a.prefixes))
	for i, p := range a.prefixes {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// Check returns nil when outgoing connections may reach addr, and otherwise
// a *RefusedError that names the address and its range. An IPv4-mapped IPv6
// address is checked as the IPv4 address it maps.
func (a AllowList) Check(addr netip.Addr) error {
	if a.all {
		return nil
	}
	addr = addr.WithZone("")
	check := addr.Unmap()
	g := a.guard
	if g == nil {
		g = strictGuard
	}
	if g.SafeAddr(check) == nil {
		return nil
	}
	return &RefusedError{Addr: addr.String(), Reason: describe(check)}
}

// Control is a net.Dialer Control function that refuses to connect where
// Check refuses, before any packet is sent. Only TCP and UDP are checked;
// other networks (Unix sockets) are refused unless the list allows all.
func (a AllowList) Control(network, address string, _ syscall.RawConn) error {
	if a.all {
		return nil
	}
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return &RefusedError{Addr: address, Reason: network + " socket"}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("check address %q: %w", address, engine.ErrDestinationRefused)
	}
	return a.Check(ap.Addr())
}

// Dialer returns a dialer for outgoing connections that checks every
// address it dials with Control: the one to use for anything that leaves
// the process (HTTP, SMTP, database drivers).
func (a AllowList) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: a.Control}
}

// NewDialer parses allow as ParseAllowList does and returns the guarded
// dialer of AllowList.Dialer. The sql and email actions dial through it, so
// the guard covers every outgoing connection.
func NewDialer(allow string) (*net.Dialer, error) {
	list, err := ParseAllowList(allow)
	if err != nil {
		return nil, err
	}
	return list.Dialer(), nil
}

// CheckHost resolves host (unless it is a literal address) with r, or the
// default resolver when r is nil, and checks every address it has. The dial
// check is the one that counts; CheckHost serves where the dialled address
// is not the destination, as behind a proxy.
func (a AllowList) CheckHost(ctx context.Context, r *net.Resolver, host string) error {
	if a.all {
		return nil
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return a.Check(addr)
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return err
	}
	for _, addr := range addrs {
		if err := a.Check(addr); err != nil {
			return err
		}
	}
	return nil
}

// RefusedError is the error of a connection that the guard refused. It
// wraps engine.ErrDestinationRefused, so engine.CheckTransportError makes
// it permanent.
type RefusedError struct {
	// Addr is the refused address as dialled (an IP, or a socket path).
	Addr string
	// Reason names its range, such as "loopback" or "cloud metadata".
	Reason string
}

// Error says what was refused and how to allow it, for example "refused
// to connect to 127.0.0.1 (loopback): private and special-purpose addresses
// are blocked; allow them with --allow-private-networks (true or a CIDR
// list)".
func (e *RefusedError) Error() string {
	return "refused to connect to " + e.Addr + " (" + e.Reason + "): private and special-purpose addresses are blocked; " +
		"allow them with --allow-private-networks (true or a CIDR list)"
}

// Unwrap returns engine.ErrDestinationRefused.
func (e *RefusedError) Unwrap() error { return engine.ErrDestinationRefused }

// refusal finds the guard's refusal in err.
func refusal(err error) (*RefusedError, bool) {
	var r *RefusedError
	ok := errors.As(err, &r)
	return r, ok
}

// specialRanges names the special-purpose ranges for refusal sentences,
// the most specific first. The decision itself is code.dny.dev/ssrf's.
var specialRanges = func() []namedRange {
	table := []struct{ prefix, name string }{
		{"169.254.169.254/32", "cloud metadata"},
		{"fd00:ec2::254/128", "cloud metadata"},
		{"0.0.0.0/8", "this network"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "carrier-grade NAT"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "IETF protocol assignments"},
		{"192.0.2.0/24", "documentation"},
		{"192.31.196.0/24", "AS112"},
		{"192.52.193.0/24", "AMT"},
		{"192.88.99.0/24", "6to4 relay anycast"},
		{"192.168.0.0/16", "private"},
		{"192.175.48.0/24", "AS112"},
		{"198.18.0.0/15", "benchmarking"},
		{"198.51.100.0/24", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"224.0.0.0/4", "multicast"},
		{"255.255.255.255/32", "broadcast"},
		{"240.0.0.0/4", "reserved"},
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible"},
		{"64:ff9b::/96", "NAT64"},
		{"64:ff9b:1::/48", "local NAT64"},
		{"100::/64", "discard-only"},
		{"2001::/32", "Teredo"},
		{"2001:db8::/32", "documentation"},
		{"2001::/23", "IETF protocol assignments"},
		{"2002::/16", "6to4"},
		{"2620:4f:8000::/48", "AS112"},
		{"3fff::/20", "documentation"},
		{"fc00::/7", "private"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local"},
		{"ff00::/8", "multicast"},
	}
	out := make([]namedRange, len(table))
	for i, r := range table {
		out[i] = namedRange{netip.MustParsePrefix(r.prefix), r.name}
	}
	return out
}()

type namedRange struct {
	prefix netip.Prefix
	name   string
}

// describe names the range of a refused address; for the IPv6 forms that
// embed an IPv4 address it names that address (and its range) too, as in
// "NAT64 of 127.0.0.1, loopback".
func describe(addr netip.Addr) string {
	name, ok := rangeName(addr)
	switch {
	case !ok && addr.Is6():
		return "not global unicast"
	case !ok:
		return "special-purpose"
	}
	if v4, ok := embeddedV4(addr, name); ok {
		name += " of " + v4.String()
		if inner, ok := rangeName(v4); ok {
			name += ", " + inner
		}
	}
	return name
}

// rangeName returns the name of the first special range holding addr.
func rangeName(addr netip.Addr) (string, bool) {
	for _, r := range specialRanges {
		if r.prefix.Contains(addr) {
			return r.name, true
		}
	}
	return "", false
}

// embeddedV4 returns the IPv4 address inside an IPv4-compatible, NAT64 or
// 6to4 address.
func embeddedV4(addr netip.Addr, rangeName string) (netip.Addr, bool) {
	b := addr.As16()
	switch rangeName {
	case "IPv4-compatible", "NAT64":
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case "6to4":
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}
