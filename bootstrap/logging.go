package bootstrap

import (
	"encoding/json"
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/lingo-labs/lingo/config"
)

// WithRedaction wraps log so that no entry carries a secret of cfg, whoever
// wrote it: a driver error that echoes the DSN, goose, fx reporting a failed
// start. Messages and string-like fields (strings, errors, stringers, byte
// strings, reflected values) pass through config.Redactor; numbers and times
// cannot hold a secret and pass as they are.
func WithRedaction(log *zap.Logger, cfg config.Config) *zap.Logger {
	r := config.NewRedactor(cfg)
	return log.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core { return redactingCore{Core: c, r: r} }))
}

type redactingCore struct {
	zapcore.Core
	r *config.Redactor
}

func (c redactingCore) With(fields []zapcore.Field) zapcore.Core {
	return redactingCore{Core: c.Core.With(c.fields(fields)), r: c.r}
}

// Check asks the wrapped core first, so that its own decision (a sampler's
// count, a level) still applies, and then writes through the redaction.
func (c redactingCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Core.Check(e, nil) != nil {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c redactingCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	e.Message = c.r.Redact(e.Message)
	e.Stack = c.r.Redact(e.Stack)
	return c.Core.Write(e, c.fields(fields))
}

func (c redactingCore) fields(in []zapcore.Field) []zapcore.Field {
	out := make([]zapcore.Field, len(in))
	for i, f := range in {
		out[i] = c.field(f)
	}
	return out
}

func (c redactingCore) field(f zapcore.Field) zapcore.Field {
	switch f.Type {
	case zapcore.StringType:
		f.String = c.r.Redact(f.String)
	case zapcore.ByteStringType:
		return zap.String(f.Key, c.r.Redact(string(f.Interface.([]byte))))
	case zapcore.ErrorType:
		if err, ok := f.Interface.(error); ok && err != nil {
			return zap.String(f.Key, c.r.Redact(err.Error()))
		}
	case zapcore.StringerType:
		if s, ok := f.Interface.(fmt.Stringer); ok && s != nil {
			return zap.String(f.Key, c.r.Redact(fmt.Sprint(s)))
		}
	case zapcore.ReflectType, zapcore.ObjectMarshalerType, zapcore.ArrayMarshalerType, zapcore.InlineMarshalerType:
		// Encode once to JSON, redact the text, and log that text as JSON.
		enc := zapcore.NewMapObjectEncoder()
		f.AddTo(enc)
		b, err := json.Marshal(enc.Fields)
		if err != nil {
			return zap.String(f.Key, "[unloggable value]")
		}
		var v map[string]json.RawMessage
		if err := json.Unmarshal([]byte(c.r.Redact(string(b))), &v); err != nil {
			return zap.String(f.Key, "[unloggable value]")
		}
		if f.Type == zapcore.InlineMarshalerType {
			return zap.Any("inline", v)
		}
		return zap.Any(f.Key, v[f.Key])
	}
	return f
}
