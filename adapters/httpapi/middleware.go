package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

const (
	ctxRequestID = "lingo.request_id"
	ctxTimestamp = "lingo.timestamp"
	ctxLogger    = "lingo.logger"
	ctxUserID    = "lingo.user_id"
	ctxDeadline  = "lingo.deadline"
)

var clientRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestContext gives every request its id and timestamp before anything
// else runs, so that even a panic's answer carries them, and sets the
// headers that the envelope repeats.
func requestContext(clock ports.Clock, log *zap.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !clientRequestID.MatchString(id) {
			id = uuid.NewString()
		}
		ts := FormatTime(clock.Now())
		c.Set(ctxRequestID, id)
		c.Set(ctxTimestamp, ts)
		c.Set(ctxLogger, log)
		h := c.Writer.Header()
		h.Set("X-Request-ID", id)
		h.Set("X-Timestamp", ts)
		h.Set("X-API-Version", APIVersion)
		c.Next()
	}
}

// errRequestTimeout is the cause of a request context whose deadline passed.
var errRequestTimeout = errors.New("the request deadline passed")

// requestDeadline gives every request a deadline (LINGO_HTTP_REQUEST_TIMEOUT).
// Everything a handler does takes the request's context, so at the deadline
// a query waiting on a lock or running long is cancelled by its driver, the
// call returns an error, and Fail answers 503 (the OpenAPI document,
// "Limits"). A handler that finished its work answers as usual even when it
// took longer: its result is real, and a 503 would invite a retry.
func requestDeadline(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		deadline := time.Now().Add(d)
		ctx, cancel := context.WithDeadlineCause(c.Request.Context(), deadline, errRequestTimeout)
		defer cancel()
		c.Set(ctxDeadline, deadline)
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// pastDeadline reports whether the request's own deadline has passed. It
// reads the clock rather than the context, whose timer may fire a moment
// after a failure that the deadline caused (SQLite's busy wait ends on its
// own clock, see config).
func pastDeadline(c *gin.Context) bool {
	deadline, ok := c.Get(ctxDeadline)
	return ok && !time.Now().Before(deadline.(time.Time))
}

// RequestID is the id of the request being served.
func RequestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// Timestamp is the instant the request was received, as the envelope shows it.
func Timestamp(c *gin.Context) string { return c.GetString(ctxTimestamp) }

// SetUserID records the authenticated user for the access log.
func SetUserID(c *gin.Context, id string) { c.Set(ctxUserID, id) }

func logger(c *gin.Context) *zap.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*zap.Logger)
	}
	return zap.NewNop()
}

// recovery turns a panic into a 500 envelope without internals; the stack
// goes to the log with the request id.
func recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler { // the client went away; nothing to answer
					panic(r)
				}
				logger(c).Error("panic", zap.String("request_id", RequestID(c)),
					zap.String("panic", fmt.Sprint(r)), zap.ByteString("stack", debug.Stack()))
				if !c.Writer.Written() {
					Fail(c, errs.E(errs.Internal, "", ""))
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// accessLog writes one line per request with the route template, never the
// raw path's secrets (avatar keys) nor query strings (cursors).
func accessLog(log *zap.Logger, clock ports.Clock) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := clock.Now()
		c.Next()
		route := routeTemplate(c)
		if route == "" {
			route = "unmatched"
		}
		fields := []zap.Field{
			zap.String("request_id", RequestID(c)),
			zap.String("method", c.Request.Method),
			zap.String("route", route),
			zap.Int("status", c.Writer.Status()),
			zap.Duration("latency", clock.Now().Sub(start)),
			zap.String("client_ip", c.ClientIP()),
		}
		if uid := c.GetString(ctxUserID); uid != "" {
			fields = append(fields, zap.String("user_id", uid))
		}
		log.Info("request", fields...)
	}
}

// corsPolicy allows the configured origins only. A request from any other
// origin gets no CORS headers (the browser then refuses it) but is otherwise
// served as usual, with the envelope; a preflight from it is a 403 envelope.
func corsPolicy(origins []string) gin.HandlerFunc {
	if len(origins) == 0 {
		return func(c *gin.Context) { c.Next() }
	}
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[o] = true
	}
	policy := cors.New(cors.Config{
		AllowOrigins: origins,
		AllowMethods: []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"},
		AllowHeaders: []string{"Authorization", "Content-Type", "X-Request-ID", "If-None-Match"},
		ExposeHeaders: []string{"X-Request-ID", "X-Timestamp", "X-API-Version", "X-RateLimit-Limit", "X-RateLimit-Remaining",
			"X-RateLimit-Reset", "X-RateLimit-Window", "X-RateLimit-Type", "RateLimit", "RateLimit-Policy", "Retry-After", "ETag"},
		MaxAge: 12 * time.Hour,
	})
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		switch {
		case origin == "":
			c.Next()
		case allowed[origin]:
			policy(c)
		case c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "":
			Fail(c, errs.E(errs.Forbidden, errs.CodeOriginNotAllowed, "This origin may not call the API."))
		default:
			c.Next()
		}
	}
}

func notFound(c *gin.Context) {
	Fail(c, errs.E(errs.NotFound, errs.CodeNotFound, "No route matches this path."))
}

func methodNotAllowed(c *gin.Context) {
	Fail(c, errs.E(errs.MethodNotAllowed, errs.CodeMethodNotAllowed, c.Request.Method+" is not allowed here."))
}
