package actions

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/hookflow/hookflow/engine"
)

// loopbackOnly allows the loopback receivers of the tests and nothing else
// special.
var loopbackOnly = func() AllowList {
	a, err := ParseAllowList("127.0.0.0/8,::1")
	if err != nil {
		panic(err)
	}
	return a
}()

// mustAllow parses an allow list or fails the test.
func mustAllow(t *testing.T, s string) AllowList {
	t.Helper()
	a, err := ParseAllowList(s)
	if err != nil {
		t.Fatalf("ParseAllowList(%q): %v", s, err)
	}
	return a
}

// tripwire is an extra dialer Control that fails the test if the guard
// ever lets a non-loopback address through, and stops that dial: no test
// reaches beyond loopback, even when the guard is broken.
func tripwire(t *testing.T) func(string, string, syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !ap.Addr().Unmap().IsLoopback() {
			t.Errorf("tripwire: the guard let %s %s through", network, address)
			return errors.New("tripwire: not dialled")
		}
		return nil
	}
}

const refusalHint = ": private and special-purpose addresses are blocked; allow them with --allow-private-networks (true or a CIDR list)"

// TestGuardAddressForms checks the policy on the address forms that the
// dialer's Control can see, without dialling any of them.
func TestGuardAddressForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr   string
		reason string // "" when allowed
	}{
		// IPv4 special-purpose ranges.
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"10.0.0.1", "private"},
		{"10.255.255.255", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"169.254.169.254", "cloud metadata"},
		{"169.254.1.1", "link-local"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.254", "carrier-grade NAT"},
		{"0.0.0.0", "this network"},
		{"0.1.2.3", "this network"},
		{"192.0.2.10", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"192.0.0.8", "IETF protocol assignments"},
		{"192.88.99.1", "6to4 relay anycast"},
		// IPv6 ranges.
		{"::1", "loopback"},
		{"::", "unspecified"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fec0::1", "site-local"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"fd00:ec2::254", "cloud metadata"},
		{"ff02::1", "multicast"},
		{"2001:db8::1", "documentation"},
		{"3fff::1", "documentation"},
		{"100::1", "discard-only"},
		// IPv6 forms that embed an IPv4 address.
		{"::ffff:169.254.169.254", "cloud metadata"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.1", "private"},
		{"::127.0.0.1", "IPv4-compatible of 127.0.0.1, loopback"},
		{"64:ff9b::7f00:1", "NAT64 of 127.0.0.1, loopback"},
		{"64:ff9b::a9fe:a9fe", "NAT64 of 169.254.169.254, cloud metadata"},
		{"64:ff9b::808:808", "NAT64 of 8.8.8.8"},
		{"64:ff9b:1::1", "local NAT64"},
		{"2002:7f00:1::1", "6to4 of 127.0.0.1, loopback"},
		{"2002:c0a8:101::1", "6to4 of 192.168.1.1, private"},
		{"2001::1", "Teredo"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"},
		// Public controls, which must pass.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"93.184.216.34", ""},
		{"100.128.0.1", ""},
		{"172.32.0.1", ""},
		{"11.0.0.1", ""},
		{"192.169.0.1", ""},
		{"2606:4700:4700::1111", ""},
		{"2001:4860:4860::8888", ""},
		{"2a00:1450:4001:82a::200e", ""},
		{"::ffff:8.8.8.8", ""},
	}
	strict := AllowList{}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			addr := netip.MustParseAddr(tt.addr)
			network := "tcp4"
			if addr.Is6() && !addr.Is4In6() {
				network = "tcp6"
			}
			hostport := netip.AddrPortFrom(addr, 443).String()
			err := strict.Control(network, hostport, nil)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Control(%s) = %v, want allowed", hostport, err)
				}
				return
			}
			var r *RefusedError
			if !errors.As(err, &r) || !errors.Is(err, engine.ErrDestinationRefused) {
				t.Fatalf("Control(%s) = %v, want a refusal", hostport, err)
			}
			want := "refused to connect to " + addr.WithZone("").String() + " (" + tt.reason + ")" + refusalHint
			if err.Error() != want {
				t.Fatalf("Control(%s)\n got %s\nwant %s", hostport, err, want)
			}
			// Allowing everything lets it through.
			if err := mustAllow(t, "true").Control(network, hostport, nil); err != nil {
				t.Fatalf("true: %v", err)
			}
		})
	}
}

func TestAllowListPrefixes(t *testing.T) {
	t.Parallel()
	allow := mustAllow(t, " 10.0.0.0/8, fd00::/8 ,192.168.1.7,::ffff:172.16.0.0/108")
	if got := allow.String(); got != "10.0.0.0/8,fd00::/8,192.168.1.7/32,172.16.0.0/12" {
		t.Fatalf("String() = %q", got)
	}
	tests := map[string]bool{
		"10.1.2.3":        true,
		"::ffff:10.9.9.9": true,
		"fd00::1":         true,
		"192.168.1.7":     true,
		"172.20.0.1":      true,
		"192.168.1.8":     false,
		"127.0.0.1":       false,
		"169.254.169.254": false,
		"fd00:ec2::254":   true, // inside the allowed fd00::/8
		"fe80::1":         false,
		"8.8.8.8":         true,
	}
	for addr, allowed := range tests {
		err := allow.Check(netip.MustParseAddr(addr))
		if (err == nil) != allowed {
			t.Errorf("Check(%s) = %v, want allowed %v", addr, err, allowed)
		}
	}
	// Networks other than TCP and UDP are refused unless all is allowed.
	if err := allow.Control("unix", "/run/postgresql/.s.PGSQL.5432", nil); err == nil ||
		err.Error() != "refused to connect to /run/postgresql/.s.PGSQL.5432 (unix socket)"+refusalHint {
		t.Errorf("unix socket: %v", err)
	}
	if err := mustAllow(t, "TRUE").Control("unix", "/tmp/x", nil); err != nil {
		t.Errorf("unix socket with true: %v", err)
	}
}

func TestParseAllowList(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", " ", "false", "true", "True", "10.0.0.0/8", "::1", "10.0.0.1/8,,", "fd00::/8, 127.0.0.1"} {
		if _, err := ParseAllowList(ok); err != nil {
			t.Errorf("ParseAllowList(%q): %v", ok, err)
		}
	}
	bad := map[string]string{
		"yes":              `"yes"`,
		"10.0.0.0/33":      `"10.0.0.0/33"`,
		"true,10.0.0.0/8":  `"true"`,
		"10.0.0.0/8,local": `"local"`,
		"256.1.1.1":        `"256.1.1.1"`,
	}
	for in, quoted := range bad {
		_, err := ParseAllowList(in)
		want := "allow-private-networks: " + quoted + " is not a CIDR prefix or an IP address: want true, or a comma-separated list such as 10.0.0.0/8,fd00::/8"
		if err == nil || err.Error() != want {
			t.Errorf("ParseAllowList(%q) = %v, want %s", in, err, want)
		}
	}
	if err := (Deps{AllowPrivateNetworks: "nope"}).Validate(); err == nil || !strings.HasPrefix(err.Error(), "allow-private-networks:") {
		t.Errorf("Validate: %v", err)
	}
}

// TestGuardRefusalSentence is the sentence a user sees in the run record.
func TestGuardRefusalSentence(t *testing.T) {
	t.Parallel()
	def := HTTP(Deps{}) // the default client: guarded, nothing allowed
	p, _ := def.DecodeParams(map[string]any{"url": "http://127.0.0.1:9/x?token=t0k3n"})
	step := &engine.Step{Item: -1, Params: p}
	_, err := def.Action.Run(t.Context(), step)
	want := "POST http://127.0.0.1:9/x: refused to connect to 127.0.0.1 (loopback): private and special-purpose addresses are blocked; " +
		"allow them with --allow-private-networks (true or a CIDR list)"
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got %v\nwant %s", err, want)
	}
	if !engine.IsPermanent(err) || !errors.Is(err, engine.ErrDestinationRefused) {
		t.Fatalf("error %v is not a permanent refusal", err)
	}
	if ex := step.Exchanges(); len(ex) != 1 || ex[0].Response != nil {
		t.Fatalf("exchanges = %+v, want the request without a response", ex)
	}
}

// TestGuardResolvedNames checks names: the guard sees the address the name
// resolved to. Names other than localhost are answered by an in-process
// resolver; no query leaves the process.
func TestGuardResolvedNames(t *testing.T) {
	t.Parallel()
	resolver := fakeResolver(map[string]string{
		"localhost.":      "127.0.0.1", // as DNS servers answer it (RFC 6761)
		"intranet.test.":  "10.0.0.5",
		"metadata.test.":  "169.254.169.254",
		"v6-only.test.":   "fd00::1",
		"rebinding.test.": "127.0.0.1",
	})
	client := NewHTTPClient(ClientOptions{Resolver: resolver, Control: tripwire(t)})
	tests := []struct {
		host, addr, reason string
	}{
		{"localhost", "127.0.0.1", "loopback"},
		{"LOCALHOST.", "127.0.0.1", "loopback"},
		{"intranet.test", "10.0.0.5", "private"},
		{"metadata.test", "169.254.169.254", "cloud metadata"},
		{"v6-only.test", "fd00::1", "private"},
		{"rebinding.test", "127.0.0.1", "loopback"},
	}
	def := HTTP(Deps{Client: client})
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			target := "http://" + tt.host + ":8080/hook"
			p, _ := def.DecodeParams(map[string]any{"url": target})
			_, err := def.Action.Run(t.Context(), &engine.Step{Item: -1, Params: p})
			want := "POST " + target + ": refused to connect to " + tt.addr + " (" + tt.reason + ")" + refusalHint
			if err == nil || err.Error() != want || !engine.IsPermanent(err) {
				t.Fatalf("error\n got %v\nwant %s (permanent)", err, want)
			}
		})
	}
}

// TestGuardRedirect follows a redirect from an allowed receiver to a
// refused address: the second hop dials, so the guard refuses it.
func TestGuardRedirect(t *testing.T) {
	t.Parallel()
	var target string
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusTemporaryRedirect)
	})
	u, _ := url.Parse(rc.URL)
	target = "http://127.0.0.2:" + u.Port() + "/inside"
	client := NewHTTPClient(ClientOptions{Allow: mustAllow(t, "127.0.0.1/32"), Control: tripwire(t)})
	def := HTTP(Deps{Client: client})
	p, _ := def.DecodeParams(map[string]any{"url": rc.URL + "/start", "follow_redirects": true})
	_, err := def.Action.Run(t.Context(), &engine.Step{Item: -1, Params: p})
	want := "POST " + rc.URL + "/start: refused to connect to 127.0.0.2 (loopback)" + refusalHint
	if err == nil || err.Error() != want || !engine.IsPermanent(err) {
		t.Fatalf("error\n got %v\nwant %s (permanent)", err, want)
	}
	if got := rc.only(t); got.Path != "/start" {
		t.Fatalf("the allowed receiver got %s", got.Path)
	}
}

// TestGuardProxy checks the destination behind an explicit proxy: the
// dialer only sees the proxy's address.
func TestGuardProxy(t *testing.T) {
	t.Parallel()
	proxy := newReceiver(t, nil) // answers 200 "ok" to whatever it is asked
	proxyURL, _ := url.Parse(proxy.URL)
	client := NewHTTPClient(ClientOptions{
		Allow:   loopbackOnly,
		Proxy:   http.ProxyURL(proxyURL),
		Control: tripwire(t),
	})
	def := HTTP(Deps{Client: client})
	run := func(target string) error {
		p, _ := def.DecodeParams(map[string]any{"url": target})
		_, err := def.Action.Run(t.Context(), &engine.Step{Item: -1, Params: p})
		return err
	}
	err := run("http://10.1.2.3/admin")
	if want := "POST http://10.1.2.3/admin: refused to connect to 10.1.2.3 (private)" + refusalHint; err == nil || err.Error() != want {
		t.Fatalf("error\n got %v\nwant %s", err, want)
	}
	if n := len(proxy.requests()); n != 0 {
		t.Fatalf("the proxy was asked %d times for a refused destination", n)
	}
	// An allowed destination goes through the proxy.
	if err := run("http://127.0.0.1:1/allowed"); err != nil {
		t.Fatal(err)
	}
	if got := proxy.only(t); got.Path != "/allowed" {
		t.Fatalf("proxy got %+v", got)
	}
}

// TestNewDialer checks the dialer that the sql and email actions use.
func TestNewDialer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	strict, err := NewDialer("")
	if err != nil {
		t.Fatal(err)
	}
	_, err = strict.DialContext(t.Context(), "tcp", ln.Addr().String())
	if r, ok := refusal(err); !ok || r.Addr != "127.0.0.1" || !errors.Is(err, engine.ErrDestinationRefused) {
		t.Fatalf("strict dial: %v, want a refusal of 127.0.0.1", err)
	}
	allowed, err := NewDialer("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	c, err := allowed.DialContext(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("allowed dial: %v", err)
	}
	c.Close()
	if _, err := NewDialer("10.0.0.0/8,x"); err == nil {
		t.Fatal("NewDialer accepted a bad list")
	}
}

// fakeResolver is a resolver that answers from names (fully qualified,
// lower case) over an in-memory pipe, in the DNS wire format over TCP
// framing: no query leaves the process. Unknown names do not exist.
func fakeResolver(names map[string]string) *net.Resolver {
	addrs := make(map[string]netip.Addr, len(names))
	for n, a := range names {
		addrs[n] = netip.MustParseAddr(a)
	}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			client, server := net.Pipe()
			go serveDNS(server, addrs)
			return client, nil
		},
	}
}

// serveDNS answers length-prefixed DNS queries on conn until it closes.
func serveDNS(conn net.Conn, addrs map[string]netip.Addr) {
	defer conn.Close()
	for {
		var n [2]byte
		if _, err := io.ReadFull(conn, n[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(conn, q); err != nil {
			return
		}
		resp := dnsAnswer(q, addrs)
		if _, err := conn.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(resp))), resp...)); err != nil {
			return
		}
	}
}

// dnsAnswer builds the answer to one query: the address of the queried
// name when it has one of the queried type (A or AAAA), no answer when it
// has not, NXDOMAIN for unknown names.
func dnsAnswer(q []byte, addrs map[string]netip.Addr) []byte {
	i := 12
	var name strings.Builder
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		name.Write(q[i+1 : i+1+l])
		name.WriteByte('.')
		i += 1 + l
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	resp := []byte{q[0], q[1], 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0}
	resp = append(resp, q[12:i+5]...) // the question
	addr, ok := addrs[strings.ToLower(name.String())]
	if !ok {
		resp[3] = 0x83 // NXDOMAIN
		return resp
	}
	if (qtype == 1 && addr.Is4()) || (qtype == 28 && addr.Is6()) {
		resp[7] = 1
		b := addr.AsSlice()
		resp = append(resp, 0xc0, 12, byte(qtype>>8), byte(qtype), 0, 1, 0, 0, 0, 60, 0, byte(len(b)))
		resp = append(resp, b...)
	}
	return resp
}
