package analytics

import (
	"context"
	"sync"

	"github.com/lingo-labs/lingo/domain/calendar"
)

// learnerSettings is what an event is taken with: the learner's zone (its
// local date) and daily XP goal.
type learnerSettings struct {
	zone calendar.Zone
	goal int
}

func (a learnerSettings) same(b learnerSettings) bool {
	return a.zone.Name() == b.zone.Name() && a.goal == b.goal
}

// settingsMoved is the transaction's answer when the event was validated
// with settings other than the stored ones: Record takes it again with now.
type settingsMoved struct{ now learnerSettings }

func (*settingsMoved) Error() string { return "analytics: the learner's settings moved" }

// settingsCacheMax bounds the cache (a few dozen bytes an entry).
const settingsCacheMax = 1 << 16

// settingsCache keeps each learner's settings as last read, so that an
// event spares the read before its transaction (docs/benchmarks.md, issue
// 18). It needs no invalidation, on this instance or any other: the
// transaction reads the stored settings under the learner's lock
// (ports.LearnerTx.Settings) and an event validated with settings that
// moved is rolled back and taken again with the stored ones.
type settingsCache struct {
	mu sync.Mutex
	m  map[string]learnerSettings
}

func (c *settingsCache) get(userID string) (learnerSettings, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[userID]
	return v, ok
}

func (c *settingsCache) put(userID string, v learnerSettings) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]learnerSettings)
	}
	if _, ok := c.m[userID]; !ok && len(c.m) >= settingsCacheMax {
		for k := range c.m { // any one: a learner evicted reads again
			delete(c.m, k)
			break
		}
	}
	c.m[userID] = v
}

// eventSettings is the learner's settings for an event: cached, else read
// (and cached).
func (s *Service) eventSettings(ctx context.Context, userID string) (learnerSettings, error) {
	if v, ok := s.settingsCache.get(userID); ok {
		return v, nil
	}
	zone, goal, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return learnerSettings{}, err
	}
	v := learnerSettings{zone: zone, goal: goal}
	s.settingsCache.put(userID, v)
	return v, nil
}
