// Package ids makes the server's identifiers.
package ids

import (
	"github.com/google/uuid"

	"github.com/lingo-labs/lingo/ports"
)

// UUIDv7 makes time-ordered UUIDs, so new rows land at the end of B-tree
// indexes instead of scattering across them.
type UUIDv7 struct{}

var _ ports.IDGenerator = UUIDv7{}

func (UUIDv7) NewID() string { return uuid.Must(uuid.NewV7()).String() }
