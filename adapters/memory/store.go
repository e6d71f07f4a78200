package memory

import (
	"context"
	"sync"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// Store keeps every storage port's data in this process's memory
// (LINGO_DATABASE_DRIVER=memory): for tests and demos, since nothing
// survives a restart. It keeps the ports' promises as the SQL store does,
// checked by the same suites (adapters/storetest):
//
//   - one RWMutex guards the maps; every read and every write of a port
//     method holds it for the method's own work only, never while a
//     caller's function runs, so a function may call the store again;
//   - read-modify-write methods (Update, UpdateCourse, AddLesson, ...) hold
//     a lock of their own per row (the user, the course, the lesson, the
//     learner) around the whole load-fn-store, as SELECT ... FOR UPDATE does;
//   - ProgressStore.Update gives fn a copy of the learner's aggregates and
//     a buffer of new events (copy-on-write) and swaps them in only when fn
//     returns nil, so fn's error leaves nothing behind; StreakStore.Update
//     does the same under the same learner lock;
//   - Outbox.Atomically is a transaction by undo log: the writes of the
//     stores called in it are made at once and taken back, newest first,
//     when fn fails; its published deliveries and their jobs are held back
//     until it commits. It does not isolate: a reader outside may see a
//     write that is later taken back, which the features do not rely on.
//
// One Store serves every port; NewUsers, NewCatalog, ... give it as each one.
type Store struct {
	mu sync.RWMutex

	users  map[string]account.User
	tokens map[string]account.RefreshToken // by hash
	prefs  map[string]preferences.Preferences

	courses map[string]catalog.Course
	lessons map[string]catalog.Lesson

	learners map[string]*learner
	// log is every stored event of every learner in the order stored, for
	// the admin metrics and the latest receipt.
	log []eventRef
	// lastReceived is the latest received_at in log.
	lastReceived time.Time

	// endpoints and deliveries are the webhooks' (Webhooks, Outbox);
	// reminders each learner's next instant per kind and sent the
	// reminders sent per local date (Reminders).
	endpoints  map[string]webhook.Endpoint
	deliveries map[string]webhook.Delivery
	reminders  map[reminderKey]time.Time
	sent       map[sentKey]struct{}
	// life is the account lifecycle's: exports, erased ids and pending
	// erasure clean-ups (Lifecycle).
	life lifecycleData
	// leagues are the weekly leagues (Leagues, and the learner
	// transactions' league writes).
	leagues leagues
	// queue and ids are the job runner's, attached by UseQueue.
	queue Queue
	ids   ports.IDGenerator

	rows rowLocks
}

// NewStore makes an empty store.
func NewStore() *Store {
	return &Store{
		users: map[string]account.User{}, tokens: map[string]account.RefreshToken{},
		prefs:   map[string]preferences.Preferences{},
		courses: map[string]catalog.Course{}, lessons: map[string]catalog.Lesson{},
		learners: map[string]*learner{}, rows: rowLocks{m: map[string]chan struct{}{}},
		endpoints: map[string]webhook.Endpoint{}, deliveries: map[string]webhook.Delivery{},
		reminders: map[reminderKey]time.Time{}, sent: map[sentKey]struct{}{},
		life:    newLifecycleData(),
		leagues: newLeagues(),
	}
}

var (
	_ ports.UserRepository        = Users{}
	_ ports.PreferencesRepository = Preferences{}
	_ ports.RefreshTokenStore     = RefreshTokens{}
	_ ports.LearnerSettings       = Settings{}
	_ ports.CatalogRepository     = Catalog{}
	_ ports.EventStore            = Events{}
	_ ports.ProgressStore         = Progress{}
	_ ports.StreakStore           = Streaks{}
	_ ports.DatabasePool          = (*Store)(nil)
	_ ports.WebhookStore          = Webhooks{}
	_ ports.ReminderStore         = Reminders{}
	_ ports.Outbox                = Outbox{}
	_ ports.ErasureStore          = Lifecycle{}
	_ ports.ExportStore           = Lifecycle{}
	_ ports.EventReader           = Lifecycle{}
)

// rowLocks are the store's row locks, one per key, made on first use. A
// lock is a one-slot channel so that waiting for it honours the context,
// as waiting for a database lock does.
type rowLocks struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

// lock takes the key's lock; the caller runs the returned unlock. A context
// that ends first is Unavailable, as a database lock wait that times out.
func (r *rowLocks) lock(ctx context.Context, key string) (func(), error) {
	r.mu.Lock()
	ch := r.m[key]
	if ch == nil {
		ch = make(chan struct{}, 1)
		r.m[key] = ch
	}
	r.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, errs.Wrap(errs.Unavailable, errs.CodeDatabaseUnavailable, ctx.Err())
	}
}

func notFound(msg string) error { return errs.E(errs.NotFound, errs.CodeNotFound, msg) }

// PoolStats implements ports.DatabasePool: there is no pool, so every figure
// is zero.
func (s *Store) PoolStats() ports.PoolStats { return ports.PoolStats{} }

// Probe is the store's health check in the "database" slot: memory always
// answers, so it is healthy and says that it keeps nothing across restarts.
type Probe struct{ store *Store }

var _ ports.HealthProbe = (*Probe)(nil)

// NewProbe makes the probe.
func NewProbe(s *Store) *Probe { return &Probe{store: s} }

func (p *Probe) Component() string { return "database" }
func (p *Probe) Critical() bool    { return true }

func (p *Probe) Check(context.Context) health.Check {
	p.store.mu.RLock()
	users, events := len(p.store.users), len(p.store.log)
	p.store.mu.RUnlock()
	return health.Check{Status: health.Healthy, Details: map[string]any{
		"dialect": "memory", "durable": false, "users": users, "events": events,
	}}
}

// eventRef names a stored event in the store's log: the event itself lives
// in its learner's events, where a rebuild may change it.
type eventRef struct{ userID, eventID string }

// NewModuleStore makes the store for the app and says in the log that
// nothing it keeps survives a restart.
func NewModuleStore(log *zap.Logger) *Store {
	log.Warn("storage is in memory (LINGO_DATABASE_DRIVER=memory): nothing survives a restart")
	return NewStore()
}

// Module provides every storage port from one in-memory Store, as
// sqlstore.Module does from the database; bootstrap picks one of the two by
// LINGO_DATABASE_DRIVER.
var Module = fx.Module("memstore",
	fx.Provide(
		NewModuleStore,
		fx.Annotate(NewProbe, fx.As(new(ports.HealthProbe)), fx.ResultTags(`group:"probes"`)),
		fx.Annotate(func(s *Store) *Store { return s }, fx.As(new(ports.DatabasePool))),
		fx.Annotate(NewUsers, fx.As(new(ports.UserRepository))),
		fx.Annotate(NewRefreshTokens, fx.As(new(ports.RefreshTokenStore))),
		fx.Annotate(NewPreferences, fx.As(new(ports.PreferencesRepository))),
		fx.Annotate(NewSettings, fx.As(new(ports.LearnerSettings))),
		fx.Annotate(NewCatalog, fx.As(new(ports.CatalogRepository))),
		fx.Annotate(NewEvents, fx.As(new(ports.EventStore))),
		fx.Annotate(NewProgress, fx.As(new(ports.ProgressStore))),
		fx.Annotate(NewStreaks, fx.As(new(ports.StreakStore))),
		fx.Annotate(NewRebuild, fx.As(new(ports.RebuildStore))),
		fx.Annotate(NewLifecycle, fx.As(new(ports.ErasureStore)), fx.As(new(ports.ExportStore)), fx.As(new(ports.EventReader))),
		fx.Annotate(NewLeagues, fx.As(new(ports.LeagueStore))),
	),
)
