package bench

import (
	"context"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/ids"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// BenchmarkStreakReads measures the streak reads on PostgreSQL as ratios of
// pairs of learners measured in the same run, requests interleaved:
//   - 10 active days against 1 000 (1 000 events each): the stored
//     settlement makes a read walk only the days since the last write
//     (target: about 1×; before streaks were stored it was 1.4–1.7×);
//   - 1 000 events against 1 000 000 (365 active days each): reads never
//     touch events (target ≤ 1.2×).
//
// The calendar is read over HTTP (it is not cached); the progress summary
// through the analytics service without its cache, which is what a cache
// miss costs (the HTTP read is served from the read-through cache).
func BenchmarkStreakReads(b *testing.B) {
	f := newEngineFixture(b)
	db := f.db
	svc := analytics.NewService(sqlstore.NewCatalogRepository(db), sqlstore.NewEventStore(db), sqlstore.NewProgressStore(db),
		sqlstore.NewLearnerSettings(db), clock.System{}, ids.UUIDv7{},
		analytics.WithStreaks(sqlstore.NewStreakStore(db), sqlstore.NewUserRepository(db), progress.DefaultFreezeMax))

	type learner struct{ id, token string }
	mk := func(events, days int) learner {
		id, token := f.learner(b)
		f.seed(b, id, events, days)
		settle(b, db, id)
		return learner{id, token}
	}
	start := time.Now()
	pairs := []struct {
		name               string
		small, big         learner
		smallName, bigName string
	}{
		{name: "10-vs-1000-days", small: mk(1_000, 10), big: mk(1_000, 1_000), smallName: "10-days", bigName: "1000-days"},
		{name: "1k-vs-1M-events", small: mk(1_000, 365), big: mk(1_000_000, 365), smallName: "1k-events", bigName: "1M-events"},
	}
	b.Logf("seeded in %s", time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	for _, p := range pairs {
		reads := []struct {
			name string
			read func(l learner) time.Duration
		}{
			{"calendar", func(l learner) time.Duration {
				return f.do(b, "GET", "/api/analytics/calendar", l.token, nil, 200)
			}},
			{"calendar-366", func(l learner) time.Duration {
				from := calendar.DateOf(time.Now(), time.UTC).AddDays(-365)
				return f.do(b, "GET", "/api/analytics/calendar?from="+from.String(), l.token, nil, 200)
			}},
			{"progress-uncached", func(l learner) time.Duration {
				t0 := time.Now()
				if _, err := svc.Progress(ctx, l.id, false); err != nil {
					b.Error(err)
				}
				return time.Since(t0)
			}},
		}
		for _, r := range reads {
			b.Run(p.name+"/"+r.name, func(b *testing.B) {
				for range 50 { // warm connections, plans and caches
					r.read(p.small)
					r.read(p.big)
				}
				var smallNS, bigNS time.Duration
				b.ResetTimer()
				for range b.N {
					smallNS += r.read(p.small)
					bigNS += r.read(p.big)
				}
				b.StopTimer()
				n := float64(b.N)
				ratio := float64(bigNS) / float64(smallNS)
				b.ReportMetric(float64(smallNS)/n, "ns/req-"+p.smallName)
				b.ReportMetric(float64(bigNS)/n, "ns/req-"+p.bigName)
				b.ReportMetric(ratio, "ratio")
				b.Logf("%s %s: %s %s, %s %s, ratio %.2f", p.name, r.name, p.smallName, time.Duration(float64(smallNS)/n),
					p.bigName, time.Duration(float64(bigNS)/n), ratio)
			})
		}
	}
}

// settle stores the learner's settled streak, as the engine leaves it after
// the learner's last write (seed writes rows, not through the engine).
func settle(tb testing.TB, db *sqlstore.DB, userID string) {
	tb.Helper()
	now := time.Now().UTC()
	err := sqlstore.NewStreakStore(db).Update(context.Background(), userID, func(tx ports.StreakTx) error {
		s, err := tx.Streak()
		if err != nil {
			return err
		}
		sv, _ := s.WithFreezeMax(progress.DefaultFreezeMax).Save(calendar.DateOf(now, time.UTC))
		return tx.Save(sv, now)
	})
	if err != nil {
		tb.Fatal(err)
	}
}
