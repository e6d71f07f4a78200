package bench

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/filestore"
	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/ids"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/application/lifecycle"
	"github.com/lingo-labs/lingo/domain/progress"
)

// BenchmarkExportMemory measures what building one learner's data export
// costs in memory, for a learner with 10 000 events against one with
// 1 000 000 (PostgreSQL, events inserted directly with SQL). The export is
// built in this process through the lifecycle use case and the SQL and file
// adapters the server uses; a sampler reads the heap every 2 ms.
// Reported per size: peak-heap-bytes (the heap's high-water mark above the
// heap before the build), alloc-bytes (everything allocated, garbage
// included) and zip-bytes; and the ratio of the peaks, 1M over 10k: the
// events are read a page at a time and streamed into the zip, so the peak
// does not grow with the events (target ≤ 1.5×) while the allocations do,
// linearly.
func BenchmarkExportMemory(b *testing.B) {
	// The fixture's server does not work jobs: its own lifecycle pass
	// would build the benchmark's exports beside it.
	f := newEngineFixtureWith(b, map[string]string{"LINGO_JOBS_ENABLED": "false"})
	db := f.db
	prefs := sqlstore.NewPreferencesRepository(db)
	store := sqlstore.NewLifecycle(db)
	files, err := filestore.NewExportStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	reports := analytics.NewService(sqlstore.NewCatalogRepository(db), sqlstore.NewEventStore(db), sqlstore.NewProgressStore(db),
		sqlstore.NewLearnerSettings(db), clock.System{}, ids.UUIDv7{},
		analytics.WithStreaks(sqlstore.NewStreakStore(db), sqlstore.NewUserRepository(db), progress.DefaultFreezeMax))
	svc := lifecycle.New(lifecycle.Deps{
		Users: sqlstore.NewUserRepository(db), Erasure: store, Exports: store, Events: store,
		Files: files, Prefs: prefs, Reports: reports, Encoder: httpapi.NewExportEncoder(httpapi.Options{}),
		Clock: clock.System{}, IDs: ids.UUIDv7{}, Grace: -1,
	})
	ctx := context.Background()
	sizes := []struct {
		name   string
		events int
	}{{"10k-events", 10_000}, {"1M-events", 1_000_000}}
	peaks := map[string]float64{}
	for _, size := range sizes {
		id, _ := f.learner(b)
		start := time.Now()
		f.seed(b, id, size.events, 365)
		b.Logf("%s seeded in %s", size.name, time.Since(start).Round(time.Millisecond))
		b.Run(size.name, func(b *testing.B) {
			var peak, alloc, zipped float64
			for i := 0; i < b.N; i++ {
				e, err := svc.RequestExport(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				p, a := measure(func() {
					if err := svc.BuildPending(ctx); err != nil {
						b.Fatal(err)
					}
				})
				got, err := svc.Export(ctx, id, e.ID)
				if err != nil || got.Status != "ready" {
					b.Fatalf("export %s: %v", got.Status, err)
				}
				peak, alloc, zipped = max(peak, float64(p)), float64(a), float64(got.SizeBytes)
			}
			b.ReportMetric(peak, "peak-heap-bytes")
			b.ReportMetric(alloc, "alloc-bytes")
			b.ReportMetric(zipped, "zip-bytes")
			peaks[size.name] = peak
		})
	}
	if peaks["10k-events"] > 0 {
		b.Logf("peak heap, 1M events over 10k events: %.2f× (target ≤ 1.5×)", peaks["1M-events"]/peaks["10k-events"])
	}
}

// measure runs fn and returns the heap's high-water mark above the heap
// before it (sampled every 2 ms) and the bytes fn allocated in all.
func measure(fn func()) (peak, alloc uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var high atomic.Uint64
	high.Store(before.HeapAlloc)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > high.Load() {
					high.Store(m.HeapAlloc)
				}
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > high.Load() {
		high.Store(after.HeapAlloc)
	}
	return high.Load() - before.HeapAlloc, after.TotalAlloc - before.TotalAlloc
}
