package ports

import (
	"context"

	"github.com/lingo-labs/lingo/domain/health"
)

// HealthProbe checks one component. Check honours ctx's deadline and never
// returns an error: a failure is a Check with status Unavailable.
type HealthProbe interface {
	Component() string
	Critical() bool
	Check(ctx context.Context) health.Check
}
