package bootstrap

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/gin-gonic/gin"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/argon2id"
	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/jwt"
	"github.com/lingo-labs/lingo/application/auth"
	"github.com/lingo-labs/lingo/application/reminders"
	"github.com/lingo-labs/lingo/application/users"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
)

// AccountsModule is issue 3: password hashing and access tokens behind
// their ports (users and refresh tokens come from the storage module), the
// auth and users use cases, the auth middleware (as the router's "identify"
// step) and the routes of the OpenAPI document's auth tag, the user routes
// and the admin user routes. At start it makes sure
// the configured bootstrap admin exists.
var AccountsModule = fx.Module("accounts",
	fx.Provide(
		fx.Annotate(argon2id.New, fx.As(new(ports.PasswordHasher))),
		fx.Annotate(newTokenIssuer, fx.As(new(ports.TokenIssuer))),
		newAuthService,
		newUsersService,
		httpapi.NewAuthenticator,
		fx.Annotate(func(a *httpapi.Authenticator) gin.HandlerFunc { return a.Identify }, fx.ResultTags(`name:"identify"`)),
		httpapi.AsRoutes(httpapi.NewAuthHandler),
		httpapi.AsRoutes(httpapi.NewUsersHandler),
		httpapi.AsRoutes(httpapi.NewAdminUsersHandler),
	),
	fx.Invoke(ensureAdmin),
)

// newTokenIssuer signs with the configured secret, or on the embedded default
// (where config.validate allows none) with the one kept in <data dir>/jwt_secret,
// made on first start.
func newTokenIssuer(cfg config.Config, clk ports.Clock, ids ports.IDGenerator) (*jwt.Issuer, error) {
	secret := cfg.Auth.JWTSecret
	if secret == "" {
		var err error
		if secret, err = jwt.SecretFile(filepath.Join(cfg.DataDir, "jwt_secret")); err != nil {
			return nil, err
		}
	}
	return jwt.New(jwt.Config{
		Secret: []byte(secret), Algorithm: cfg.Auth.Algorithm,
		Issuer: cfg.Auth.Issuer, Audience: cfg.Auth.Audience, TTL: cfg.Auth.AccessTTL,
	}, clk, ids)
}

type accountPorts struct {
	fx.In
	Users  ports.UserRepository
	Tokens ports.RefreshTokenStore
	Hasher ports.PasswordHasher
	Issuer ports.TokenIssuer
	Clock  ports.Clock
	IDs    ports.IDGenerator
	// Outbox publishes user.registered with the registration (issue 14).
	Outbox    ports.Outbox       `optional:"true"`
	Reminders *reminders.Service `optional:"true"`
}

func newAuthService(p accountPorts, cfg config.Config) *auth.Service {
	return auth.New(auth.Deps{Users: p.Users, Tokens: p.Tokens, Hasher: p.Hasher, Issuer: p.Issuer,
		Clock: p.Clock, IDs: p.IDs, RefreshTTL: cfg.Auth.RefreshTTL, Outbox: p.Outbox, Joined: joined(p.Reminders)})
}

func newUsersService(p accountPorts, sessions *auth.Service) *users.Service {
	return users.New(users.Deps{Users: p.Users, Hasher: p.Hasher, Sessions: sessions, Clock: p.Clock, IDs: p.IDs})
}

// ensureAdmin is a Startup step after the migrations.
func ensureAdmin(st *Startup, cfg config.Config, svc *users.Service, log *zap.Logger) {
	if cfg.Admin.Email == "" {
		return
	}
	st.Add("bootstrap admin", func(ctx context.Context) error {
		changed, err := svc.EnsureAdmin(ctx, cfg.Admin.Email, cfg.Admin.Password)
		if err != nil {
			return fmt.Errorf("LINGO_ADMIN_EMAIL/LINGO_ADMIN_PASSWORD: %w", err)
		}
		log.Info("bootstrap admin ensured", zap.String("email", cfg.Admin.Email), zap.Bool("changed", changed))
		return nil
	})
}
