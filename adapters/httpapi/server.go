package httpapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
	"go.uber.org/fx"
	"go.uber.org/zap"
)

// Server is the HTTP server, started and stopped by the fx lifecycle.
type Server struct {
	srv  *http.Server
	log  *zap.Logger
	mu   sync.Mutex
	addr net.Addr
}

// NewServer binds the router to the configured address when the app starts,
// and on stop drains in-flight requests for up to the shutdown timeout. Its
// limits (the OpenAPI document, "Limits"): a header within
// ReadHeaderTimeout, the whole request within BodyTimeout, an idle
// keep-alive connection closed after IdleTimeout, and no request framed two
// ways (transportLimits).
func NewServer(lc fx.Lifecycle, opts Options, router *gin.Engine, log *zap.Logger) *Server {
	s := &Server{
		srv: &http.Server{
			Addr:              opts.Addr,
			Handler:           transportLimits(router),
			ReadHeaderTimeout: opts.ReadHeaderTimeout,
			// ReadTimeout bounds header and body together. It cannot cut
			// off a slow answer: net/http lifts the read deadline once the
			// body is read, before it watches the connection for a close.
			ReadTimeout: opts.BodyTimeout,
			IdleTimeout: opts.IdleTimeout,
			ConnContext: connContext,
			// "OPTIONS *" goes to the router (a 404) like any other request,
			// so that every request of a connection meets transportLimits.
			DisableGeneralOptionsHandler: true,
			ErrorLog:                     zap.NewStdLog(log.Named("http")),
		},
		log: log,
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			// Listen here rather than in the goroutine so a taken port fails the start.
			ln, err := net.Listen("tcp", opts.Addr)
			if err != nil {
				return err
			}
			s.mu.Lock()
			s.addr = ln.Addr()
			s.mu.Unlock()
			log.Info("http server listening", zap.String("addr", ln.Addr().String()))
			go func() {
				if err := s.srv.Serve(framingListener{ln}); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("http server stopped", zap.Error(err))
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error {
			log.Info("http server draining")
			shutdownCtx, cancel := context.WithTimeout(ctx, opts.ShutdownTimeout)
			defer cancel()
			return s.srv.Shutdown(shutdownCtx)
		},
	})
	return s
}

// Addr is the address the server listens on (useful with port 0).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.addr == nil {
		return ""
	}
	return s.addr.String()
}
