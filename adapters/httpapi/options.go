package httpapi

import "time"

// Options is what the HTTP adapter takes from the configuration; bootstrap
// maps config.Config into it, so the adapter does not depend on the whole.
type Options struct {
	Addr              string
	ReadHeaderTimeout time.Duration
	ShutdownTimeout   time.Duration
	// RequestTimeout is each request's deadline (503 after it); BodyTimeout
	// bounds reading a whole request; IdleTimeout closes idle keep-alive
	// connections (the OpenAPI document, "Limits").
	RequestTimeout time.Duration
	BodyTimeout    time.Duration
	IdleTimeout    time.Duration
	// TrustedProxies are the CIDRs whose X-Forwarded-For is believed.
	TrustedProxies []string
	CORSOrigins    []string
	// PublicBaseURL makes avatar URLs absolute when set.
	PublicBaseURL string
	// RateLimitEnabled mounts the limiter; LimiterBackend ("memory" or
	// "redis") is what the detailed health report says it runs on.
	RateLimitEnabled bool
	LimiterBackend   string
	// HealthCheckTimeout bounds the analytics health probe.
	HealthCheckTimeout time.Duration
}
