package bench

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/ids"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/progress"
)

// BenchmarkRebuild measures POST /api/admin/users/{id}/progress/rebuild's
// use case on PostgreSQL for one learner with 100 000 events against one
// with 10 000 (both active on each of the last 365 days, seeded straight
// into the tables), interleaved in the same run. It reports each one's time
// and the peak heap the rebuild added, and their ratios: the events are
// streamed a page at a time (analytics.RebuildPage), so the heap ratio stays
// near 1 while the time ratio follows the events (about 10).
func BenchmarkRebuild(b *testing.B) {
	// A low GC target makes the sampled heap peak close to the live heap
	// rather than to whatever garbage the collector let pile up.
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	f := newEngineFixture(b)
	db := f.db
	svc := analytics.NewService(sqlstore.NewCatalogRepository(db), sqlstore.NewEventStore(db), sqlstore.NewProgressStore(db),
		sqlstore.NewLearnerSettings(db), clock.System{}, ids.UUIDv7{},
		analytics.WithStreaks(sqlstore.NewStreakStore(db), sqlstore.NewUserRepository(db), progress.DefaultFreezeMax),
		analytics.WithRebuild(sqlstore.NewRebuildStore(db), sqlstore.NewUserRepository(db)))
	smallID, _ := f.learner(b)
	bigID, _ := f.learner(b)
	start := time.Now()
	f.seed(b, smallID, 10_000, 365)
	f.seed(b, bigID, 100_000, 365)
	b.Logf("seeded 110 000 events in %s", time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	rebuild := func(id string) (time.Duration, uint64) {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
		}()
		t0 := time.Now()
		if _, err := svc.Rebuild(ctx, id); err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		close(stop)
		wg.Wait()
		return d, peak.Load() - min(peak.Load(), base.HeapAlloc)
	}
	// The first rebuild of each puts the seeded aggregates right (the seed
	// is only close to what the engine keeps); the measured ones find
	// nothing to change, a rebuild's usual case.
	rebuild(smallID)
	rebuild(bigID)
	var smallNS, bigNS time.Duration
	var smallPeak, bigPeak uint64
	b.ResetTimer()
	for range b.N {
		d, p := rebuild(smallID)
		smallNS += d
		smallPeak = max(smallPeak, p)
		d, p = rebuild(bigID)
		bigNS += d
		bigPeak = max(bigPeak, p)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(smallNS)/n/1e6, "ms/rebuild-10k")
	b.ReportMetric(float64(bigNS)/n/1e6, "ms/rebuild-100k")
	b.ReportMetric(float64(smallPeak)/(1<<20), "peak-MiB-10k")
	b.ReportMetric(float64(bigPeak)/(1<<20), "peak-MiB-100k")
	b.ReportMetric(float64(bigNS)/float64(smallNS), "time-ratio")
	b.ReportMetric(float64(bigPeak)/float64(max(smallPeak, 1)), "peak-ratio")
	b.Logf("rebuild: 10k events %s, peak +%.1f MiB; 100k events %s, peak +%.1f MiB; time ratio %.2f, peak ratio %.2f",
		(smallNS / time.Duration(b.N)).Round(time.Millisecond), float64(smallPeak)/(1<<20),
		(bigNS / time.Duration(b.N)).Round(time.Millisecond), float64(bigPeak)/(1<<20),
		float64(bigNS)/float64(smallNS), float64(bigPeak)/float64(max(smallPeak, 1)))
}
