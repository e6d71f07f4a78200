package memory

import (
	"context"

	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// CacheProbe stands in the "redis" slot of the health report when the
// embedded default runs without Redis: the in-process adapters cannot be
// unreachable, so it is healthy and says it is embedded.
type CacheProbe struct{ cache *Cache }

var _ ports.HealthProbe = (*CacheProbe)(nil)

// NewCacheProbe makes the embedded probe over the in-process cache.
func NewCacheProbe(cache *Cache) *CacheProbe { return &CacheProbe{cache: cache} }

func (p *CacheProbe) Component() string { return "redis" }
func (p *CacheProbe) Critical() bool    { return false }

func (p *CacheProbe) Check(context.Context) health.Check {
	st := p.cache.Stats()
	return health.Check{Status: health.Healthy, Details: map[string]any{
		"mode": "embedded", "entries": p.cache.Len(), "hits": st.Hits, "misses": st.Misses,
	}}
}
