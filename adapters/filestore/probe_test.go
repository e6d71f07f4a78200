package filestore_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/filestore"
	"github.com/lingo-labs/lingo/domain/health"
)

// probeClock moves forward by step every time it is read.
type probeClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (c *probeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(c.step)
	return t
}

func TestProbeStatusesByLatency(t *testing.T) {
	cases := []struct {
		name    string
		latency time.Duration
		want    health.Status
	}{
		{"fast disk", time.Millisecond, health.Healthy},
		{"slow disk", 500 * time.Millisecond, health.Degraded},
		{"very slow disk", time.Second, health.Unhealthy},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "avatars")
			p := filestore.NewProbe(dir, &probeClock{now: time.Unix(0, 0), step: c.latency})
			got := p.Check(context.Background())
			assert.Equal(t, c.want, got.Status, got.Error)
			assert.Equal(t, c.latency, got.Latency)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries, "the probe leaves no file behind")
		})
	}
}

func TestProbeUnwritableIsUnavailable(t *testing.T) {
	// A path under a regular file cannot be a directory for anyone, root
	// included (root writes through permission bits).
	parent := filepath.Join(t.TempDir(), "not-a-dir")
	require.NoError(t, os.WriteFile(parent, []byte("x"), 0o600))
	dir := filepath.Join(parent, "avatars")
	p := filestore.NewProbe(dir, &probeClock{now: time.Unix(0, 0), step: time.Millisecond})

	got := p.Check(context.Background())
	assert.Equal(t, health.Unavailable, got.Status)
	assert.NotEmpty(t, got.Error)
	assert.NotContains(t, got.Error, parent, "no path in a client-visible message")
	assert.Equal(t, "avatar_storage", p.Component())
	assert.False(t, p.Critical())
}
