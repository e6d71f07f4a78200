package filestore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/filestore"
	"github.com/lingo-labs/lingo/domain/health"
)

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
			p := filestore.NewProbe(dir, clock.NewStepping(time.Unix(0, 0), c.latency))
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
	p := filestore.NewProbe(dir, clock.NewStepping(time.Unix(0, 0), time.Millisecond))

	got := p.Check(context.Background())
	assert.Equal(t, health.Unavailable, got.Status)
	assert.NotEmpty(t, got.Error)
	assert.NotContains(t, got.Error, parent, "no path in a client-visible message")
	assert.Equal(t, "avatar_storage", p.Component())
	assert.False(t, p.Critical())
}
