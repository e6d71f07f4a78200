// Package webhookhttp posts webhook deliveries over HTTP: signed with the
// Standard Webhooks headers, within a deadline, a bounded number at once per
// endpoint, and only to public addresses unless private ones are allowed.
package webhookhttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// Options configure the sender.
type Options struct {
	AllowPrivate bool
	Timeout      time.Duration
	// PerEndpoint bounds the attempts in flight to one endpoint.
	PerEndpoint int
	UserAgent   string
}

// Sender is ports.WebhookSender over net/http.
type Sender struct {
	client *http.Client
	opts   Options
	mu     sync.Mutex
	slots  map[string]chan struct{}
}

var _ ports.WebhookSender = (*Sender)(nil)

// ErrPrivateAddress is the dial error for a refused target.
var ErrPrivateAddress = errors.New("refused: the address is loopback, private or link-local")

// New makes the sender. Redirects are not followed: a redirect could lead a
// vetted URL to an internal one, and a 3xx is not a 2xx anyway.
func New(opts Options) *Sender {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivate {
		// The check runs on the address actually dialled, after DNS
		// resolution, so a public name resolving to a private address (or
		// rebinding to one between checks) is refused as well.
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !webhook.PublicAddr(ap.Addr()) {
				return ErrPrivateAddress
			}
			return nil
		}
	}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		Proxy:                 nil,
		MaxIdleConnsPerHost:   opts.PerEndpoint,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: opts.Timeout,
	}
	return &Sender{
		client: &http.Client{Transport: transport, Timeout: opts.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		opts:  opts,
		slots: map[string]chan struct{}{},
	}
}

func (s *Sender) slot(endpointID string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.slots[endpointID]
	if !ok {
		c = make(chan struct{}, max(s.opts.PerEndpoint, 1))
		s.slots[endpointID] = c
	}
	return c
}

// Send makes one attempt. It waits for a free slot of the endpoint first;
// the wait does not count against the attempt's deadline.
func (s *Sender) Send(ctx context.Context, e webhook.Endpoint, d webhook.Delivery, at time.Time) webhook.Outcome {
	slot := s.slot(e.ID)
	select {
	case slot <- struct{}{}:
		defer func() { <-slot }()
	case <-ctx.Done():
		return webhook.Outcome{Err: "cancelled before sending"}
	}
	sig, err := e.Signatures(d.MessageID, at, d.Payload)
	if err != nil {
		return webhook.Outcome{Err: "signing failed"}
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return webhook.Outcome{Err: "invalid endpoint URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.opts.UserAgent)
	req.Header.Set("webhook-id", d.MessageID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := s.client.Do(req)
	if err != nil {
		return webhook.Outcome{Err: describe(err)}
	}
	// A little of the body is read so the connection can be reused; the
	// rest is not wanted.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	o := webhook.Outcome{StatusCode: resp.StatusCode}
	if !o.Success() {
		o.Err = fmt.Sprintf("answered %d", resp.StatusCode)
	}
	return o
}

// describe says why an attempt failed without the URL (which may hold a
// token) or internals.
func describe(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrPrivateAddress):
		return ErrPrivateAddress.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "host not found"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return "connection failed: " + opErr.Op
	}
	return "request failed"
}
