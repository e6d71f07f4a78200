package filestore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"

	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// probePrefix names the probe's files. It starts with a dot, which no avatar
// key may, so a probe file is never taken for an avatar.
const probePrefix = ".health-probe-"

// Probe checks the avatar directory the way an upload uses it: write a small
// file, read it back, delete it. Avatar storage is not critical: without it
// only uploads and avatar reads fail, so it degrades the service.
type Probe struct {
	dir   string
	clock ports.Clock
}

var _ ports.HealthProbe = (*Probe)(nil)

// NewProbe makes the probe of dir (<data dir>/avatars). clock measures the
// round trip, so tests can inject a slow disk.
func NewProbe(dir string, clock ports.Clock) *Probe { return &Probe{dir: dir, clock: clock} }

func (p *Probe) Component() string { return "avatar_storage" }
func (p *Probe) Critical() bool    { return false }

func (p *Probe) Check(ctx context.Context) health.Check {
	start := p.clock.Now()
	problem := p.roundTrip(ctx)
	c := health.Check{Latency: p.clock.Now().Sub(start), Details: map[string]any{"backend": "local_disk"}}
	if problem != "" {
		c.Status, c.Error = health.Unavailable, problem
		return c
	}
	c.Status = health.FromLatency(c.Latency)
	return c
}

// roundTrip returns "" or a short description that names no path: paths
// are internals (the OpenAPI document's health answers).
func (p *Probe) roundTrip(ctx context.Context) string {
	if err := os.MkdirAll(p.dir, 0o750); err != nil {
		return "the avatar directory cannot be created"
	}
	payload := make([]byte, 16)
	_, _ = rand.Read(payload)
	name := filepath.Join(p.dir, probePrefix+hex.EncodeToString(payload[:6]))
	if err := os.WriteFile(name, payload, 0o600); err != nil {
		return "the avatar directory is not writable"
	}
	defer os.Remove(name)
	if ctx.Err() != nil {
		return "the avatar directory did not answer within the deadline"
	}
	got, err := os.ReadFile(name)
	if err != nil || !bytes.Equal(got, payload) {
		return "the avatar directory does not read back what was written"
	}
	if err := os.Remove(name); err != nil {
		return "the avatar directory does not allow deletes"
	}
	return ""
}
