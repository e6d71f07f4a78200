package httpapi

import (
	"go.uber.org/fx"
)

// AsRoutes annotates a handler constructor so its Registrar joins the router.
func AsRoutes(f any) any {
	return fx.Annotate(f, fx.As(new(Registrar)), fx.ResultTags(`group:"routes"`))
}

// Module is the HTTP adapter: router, server and the routes of the core.
var Module = fx.Module("httpapi",
	fx.Provide(
		NewRouter,
		NewServer,
		AsRoutes(NewHealthHandler),
	),
	fx.Invoke(func(*Server) {}),
)
