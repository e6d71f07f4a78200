package clock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/lingo-labs/lingo/adapters/clock"
)

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func TestFakeMovesOnlyWhenTold(t *testing.T) {
	c := clock.NewFake(t0)
	assert.Equal(t, t0, c.Now())
	assert.Equal(t, t0, c.Now(), "reading does not move it")
	c.Advance(time.Minute)
	assert.Equal(t, t0.Add(time.Minute), c.Now())
	c.Set(t0)
	assert.Equal(t, t0, c.Now())
}

func TestSteppingMovesByItsStepAtEveryReading(t *testing.T) {
	c := clock.NewStepping(t0, time.Millisecond)
	before, after := c.Now(), c.Now()
	assert.Equal(t, t0, before)
	assert.Equal(t, time.Millisecond, after.Sub(before))
}
