package scheduler

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
)

// ErrBlockedTarget reports a call to an address that the target guard
// rejects: loopback, private, link-local, shared (CGNAT), multicast,
// reserved or unspecified.
var ErrBlockedTarget = errors.New("target address is not publicly routable")

var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
}

// CheckTargetAddr returns an error wrapping [ErrBlockedTarget] when addr
// must not be called by jobs while the target guard is on. IPv6 addresses
// that carry an IPv4 address (NAT64 64:ff9b::/96, 6to4 2002::/16) are
// checked by that IPv4 address too.
func CheckTargetAddr(addr netip.Addr) error {
	addr = addr.Unmap()
	if v4, ok := embeddedIPv4(addr); ok {
		if err := CheckTargetAddr(v4); err != nil {
			return fmt.Errorf("%w (carried in %s)", err, addr)
		}
	}
	blocked := addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() ||
		addr.IsUnspecified()
	for _, p := range blockedPrefixes {
		blocked = blocked || p.Contains(addr)
	}
	if blocked {
		return fmt.Errorf("%w: %s", ErrBlockedTarget, addr)
	}
	return nil
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address inside a NAT64 or 6to4 address.
func embeddedIPv4(addr netip.Addr) (netip.Addr, bool) {
	b := addr.As16()
	switch {
	case !addr.Is6():
		return netip.Addr{}, false
	case nat64.Contains(addr):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// numericHost reports whether host is written only with numbers, such as
// 2130706433, 0x7f000001 or 127.1. Resolvers read some of these forms as
// IPv4 addresses, so the guard cannot tell where they lead.
func numericHost(host string) bool {
	for _, label := range strings.Split(host, ".") {
		digits := strings.TrimPrefix(strings.ToLower(label), "0x")
		if digits == "" {
			return false
		}
		for _, c := range digits {
			isHex := c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
			if !isHex || (len(digits) == len(label) && (c < '0' || c > '9')) {
				return false
			}
		}
	}
	return true
}

// CheckTargetURL validates a job's URL: absolute http or https, with a
// host, without credentials. With allowPrivate false it also rejects hosts
// that are blocked literals or localhost names. Names that resolve to
// blocked addresses are caught at connect time by [GuardedDialControl].
func CheckTargetURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL: %w", err)
	}

	if u.Scheme == "" {
		// Putting https:// in front fixes example.com/hook, but /hook has
		// no host to keep, so the suggestion for it uses an example host.
		rest := strings.TrimPrefix(raw, "//")
		guess, err := url.Parse("https://" + rest)
		if err != nil {
			return fmt.Errorf("URL %q is not an absolute URL; write the full URL with scheme and host, such as https://example.com/hook", raw)
		}
		if guess.Hostname() == "" {
			return fmt.Errorf("URL %q has no scheme or host; write the full URL with the host to call, such as https://example.com/%s",
				raw, strings.TrimLeft(rest, "/"))
		}
		return fmt.Errorf("URL %q has no scheme; write it in full, such as https://%s", raw, rest)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("URL scheme %q is not supported; use http or https", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("URL has no host; use an absolute URL such as https://example.com/hook")
	}
	if u.User != nil {
		return errors.New("URL must not contain credentials; send them in a header instead")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("URL port %q is invalid; use 1 to 65535", p)
		}
	}
	if allowPrivate {
		return nil
	}

	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return fmt.Errorf("%w: %s", ErrBlockedTarget, host)
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return CheckTargetAddr(addr)
	}
	if numericHost(host) {
		return fmt.Errorf("URL host %q is a numeric address in a non-standard form; write it as a dotted quad such as 203.0.113.7", host)
	}
	return nil
}

// GuardedDialControl is a [net.Dialer] Control function that rejects
// connections to blocked addresses. It checks the resolved address, so DNS
// rebinding and redirects cannot get around it.
func GuardedDialControl(network, address string, c syscall.RawConn) error {
	return dialControl(CheckTargetAddr)(network, address, c)
}

func dialControl(check func(netip.Addr) error) func(string, string, syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return fmt.Errorf("target guard: %w", err)
		}
		addr, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("target guard: unparsable address %q: %w", host, err)
		}
		return check(addr)
	}
}
