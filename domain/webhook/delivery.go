package webhook

import (
	"fmt"
	"time"
)

// DeliveryStatus is a delivery's state in the log.
type DeliveryStatus string

const (
	Pending   DeliveryStatus = "pending"
	Succeeded DeliveryStatus = "succeeded"
	Failed    DeliveryStatus = "failed" // not retried: the endpoint is gone or disabled, or answered 410
	Exhausted DeliveryStatus = "exhausted"
)

// ParseDeliveryStatus accepts one of the four statuses.
func ParseDeliveryStatus(s string) (DeliveryStatus, error) {
	switch st := DeliveryStatus(s); st {
	case Pending, Succeeded, Failed, Exhausted:
		return st, nil
	}
	return "", fmt.Errorf("unknown delivery status %q", s)
}

// Delivery is one message to one endpoint and how its attempts went.
type Delivery struct {
	ID             string
	EndpointID     string
	MessageID      string
	Type           EventType
	UserID         string
	Payload        []byte
	Status         DeliveryStatus
	Attempts       int
	LastStatusCode int // 0: no answer
	LastError      string
	NextAttemptAt  time.Time // zero: none planned
	CreatedAt      time.Time
}

// Timeout is how long an attempt may take before it counts as failed.
const Timeout = 15 * time.Second

// RetrySchedule is the wait after each failed attempt: seven retries after
// the first attempt, then the delivery is exhausted.
var RetrySchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
}

// Outcome is what one attempt came to.
type Outcome struct {
	StatusCode int
	Err        string
}

// Success reports whether the receiver took the message (any 2xx).
func (o Outcome) Success() bool { return o.Err == "" && o.StatusCode >= 200 && o.StatusCode < 300 }

// Gone reports whether the receiver asked never to be called again.
func (o Outcome) Gone() bool { return o.StatusCode == 410 }
