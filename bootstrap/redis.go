package bootstrap

import (
	"context"
	"fmt"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

var redisLoggerOnce sync.Once

// newRedisClient is the one place Redis clients are made. go-redis logs
// failed dials through a package-wide logger; it is routed to zap once,
// sampled to one line a second, so a dead Redis cannot flood the log.
func newRedisClient(opts *goredis.Options, log *zap.Logger) *goredis.Client {
	redisLoggerOnce.Do(func() {
		sampled := log.Named("redis").WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
			return zapcore.NewSamplerWithOptions(c, time.Second, 1, 0)
		}))
		goredis.SetLogger(redisLog{sampled})
	})
	return goredis.NewClient(opts)
}

type redisLog struct{ l *zap.Logger }

func (r redisLog) Printf(_ context.Context, format string, v ...any) {
	r.l.Warn(fmt.Sprintf(format, v...))
}
