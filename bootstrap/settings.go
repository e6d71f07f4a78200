package bootstrap

import (
	"path/filepath"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/filestore"
	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/imaging"
	"github.com/lingo-labs/lingo/application/avatars"
	apppreferences "github.com/lingo-labs/lingo/application/preferences"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
)

// SettingsModule is issue 4: preferences (from the storage module), avatars processed
// by the imaging adapter and kept on local disk under <data dir>/avatars,
// their use cases, and the preferences and avatar routes of the OpenAPI document.
var SettingsModule = fx.Module("settings",
	imaging.Module,
	fx.Provide(
		fx.Annotate(newAvatarStore, fx.As(new(ports.AvatarStore))),
		newPreferencesService,
		newAvatarsService,
		httpapi.AsRoutes(httpapi.NewPreferencesHandler),
		httpapi.AsRoutes(httpapi.NewAvatarsHandler),
	),
)

// AvatarDir is where avatar files live for a configuration.
func AvatarDir(cfg config.Config) string { return filepath.Join(cfg.DataDir, "avatars") }

func newAvatarStore(cfg config.Config) (*filestore.AvatarStore, error) {
	return filestore.New(AvatarDir(cfg))
}

// newPreferencesService bumps the learner's cached progress reads when the
// time zone or the daily goal changes.
func newPreferencesService(prefs ports.PreferencesRepository, clk ports.Clock, cache ports.Cache, log *zap.Logger,
	r remindersIn) *apppreferences.Service {
	d := apppreferences.Deps{Prefs: prefs, Clock: clk, Cache: cache, OnBumpError: bumpFailed(log)}
	if r.Reminders != nil {
		d.Changed = r.Reminders.Changed // the reminder schedule follows the preferences (issue 14)
	}
	return apppreferences.New(d)
}

type avatarPorts struct {
	fx.In
	Users     ports.UserRepository
	Processor ports.ImageProcessor
	Store     ports.AvatarStore
	Clock     ports.Clock
}

func newAvatarsService(p avatarPorts, log *zap.Logger) *avatars.Service {
	return avatars.New(avatars.Deps{
		Users: p.Users, Processor: p.Processor, Store: p.Store, Clock: p.Clock,
		Orphaned: func(key string, err error) {
			log.Warn("avatar file left behind", zap.String("avatar_key", key), zap.Error(err))
		},
	})
}
