package memory_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/storetest"
	"github.com/lingo-labs/lingo/ports"
)

// lenientProgress breaks one rule of ports.LearnerTx: it accepts a second
// event with a taken event_id (quietly dropping it) instead of answering
// Conflict event_id_taken.
type lenientProgress struct{ ports.ProgressStore }

func (p lenientProgress) Update(ctx context.Context, userID string, fn func(ports.LearnerTx) error) error {
	return p.ProgressStore.Update(ctx, userID, func(tx ports.LearnerTx) error { return fn(lenientTx{tx}) })
}

type lenientTx struct{ ports.LearnerTx }

func (t lenientTx) Append(a ports.Append) error { return t.AppendAll([]ports.Append{a}) }

func (t lenientTx) AppendAll(as []ports.Append) error {
	var keep []ports.Append
	for _, a := range as {
		if _, taken, _ := t.FindEvent(a.Event.Event.EventID()); !taken {
			keep = append(keep, a)
		}
	}
	return t.LearnerTx.AppendAll(keep)
}

// TestSuiteCatchesABrokenStore runs the progress suite against the lenient
// store in a child process (a failing case fails its whole test binary, so
// it cannot run in this one) and checks that the suite failed, on the rule
// broken and on no other.
func TestSuiteCatchesABrokenStore(t *testing.T) {
	if os.Getenv("LINGO_STORETEST_BROKEN") == "1" {
		storetest.RunProgress(t, func(t *testing.T) storetest.Learning {
			s := subject(t)
			return storetest.Learning{Users: s.Users, Catalog: s.Catalog, Events: s.Events, Progress: lenientProgress{s.Progress}}
		})
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSuiteCatchesABrokenStore$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "LINGO_STORETEST_BROKEN=1")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "the suite passed a store that accepts a taken event_id:\n%s", out)
	const prefix = "--- FAIL: TestSuiteCatchesABrokenStore/"
	assert.Contains(t, string(out), prefix+"a_second_event_with_the_same_event_id_is_Conflict_event_id_taken", "%s", out)
	assert.Equal(t, 1, strings.Count(string(out), prefix), "only the broken rule's case fails:\n%s", out)
}
