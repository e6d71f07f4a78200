// Package ports holds the interfaces the application needs from the world
// (the driven ports of the hexagon). Each method's comment says which error
// kinds (domain/errs) it returns; adapters assert they implement them.
package ports

import "time"

// Clock tells the time. Tests inject a controlled one.
type Clock interface {
	Now() time.Time
}

// IDGenerator makes new unique ids (UUID strings).
type IDGenerator interface {
	NewID() string
}
