package webhook

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
)

// ParseURL checks an endpoint URL: http or https with a host, no user
// information. Unless allowPrivate, a host that is an IP literal or a name
// that only ever means this machine must be public; names are checked
// again, resolved, when each attempt connects (see PublicAddr).
func ParseURL(raw string, allowPrivate bool) (string, error) {
	if len(raw) > 2048 {
		return "", errors.New("must be at most 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "", errors.New("must be an absolute http or https URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("must use https or http")
	}
	if u.User != nil {
		return "", errors.New("must not hold user information")
	}
	if u.Fragment != "" {
		return "", errors.New("must not hold a fragment")
	}
	if allowPrivate {
		return u.String(), nil
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return "", errors.New("must not point at a loopback, private or link-local address")
	}
	if a, err := netip.ParseAddr(host); err == nil && !PublicAddr(a) {
		return "", errors.New("must not point at a loopback, private or link-local address")
	}
	return u.String(), nil
}

// PublicAddr reports whether a is an address a webhook may reach without
// LINGO_WEBHOOKS_ALLOW_PRIVATE: not loopback, private, link-local,
// unspecified, multicast, or the carrier-grade NAT range.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || !a.IsValid() {
		return false
	}
	return !cgnat.Contains(a)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")
