package config

import (
	"time"

	"github.com/spf13/viper"
)

// Lifecycle configures account deletion, erasure and data exports.
type Lifecycle struct {
	// DeletionGrace is how long a deleted account can be restored before it
	// is erased (LINGO_ACCOUNT_DELETION_GRACE; 0 erases at once).
	DeletionGrace time.Duration
	// Interval is how often the leader runs the lifecycle pass: erasures
	// that are due, pending exports, expired exports.
	Interval time.Duration
	// ExportTTL is how long a ready export can be downloaded (7 days).
	ExportTTL time.Duration
	// ExportLease is how long an export's builder holds it without renewing
	// (it renews at every page of events): a builder that died leaves its
	// export to the next pass after this long (LINGO_EXPORTS_LEASE).
	ExportLease time.Duration
	// FaultPoint makes the process exit at a named point of the pass, for
	// the fault tests only ("" in every real deployment).
	FaultPoint string
}

func init() {
	for k, d := range map[string]any{
		"account.deletion_grace":  "168h",
		"jobs.lifecycle_interval": "30s",
		"exports.ttl":             "168h",
		"exports.lease":           "1m",
		"jobs.lifecycle_fault":    "",
	} {
		keys[k] = d
	}
}

func loadLifecycle(v *viper.Viper) (Lifecycle, []string) {
	l := Lifecycle{
		DeletionGrace: v.GetDuration("account.deletion_grace"),
		Interval:      v.GetDuration("jobs.lifecycle_interval"),
		ExportTTL:     v.GetDuration("exports.ttl"),
		ExportLease:   v.GetDuration("exports.lease"),
		FaultPoint:    v.GetString("jobs.lifecycle_fault"),
	}
	var problems []string
	if l.DeletionGrace < 0 || l.DeletionGrace > 365*24*time.Hour {
		problems = append(problems, "LINGO_ACCOUNT_DELETION_GRACE: must be between 0s and 8760h")
	}
	if l.Interval < time.Second || l.Interval > time.Hour {
		problems = append(problems, "LINGO_JOBS_LIFECYCLE_INTERVAL: must be between 1s and 1h (the job engine plans periodic jobs by the second)")
	}
	if l.ExportTTL < time.Second || l.ExportTTL > 30*24*time.Hour {
		problems = append(problems, "LINGO_EXPORTS_TTL: must be between 1s and 720h")
	}
	if l.ExportLease < time.Second || l.ExportLease > time.Hour {
		problems = append(problems, "LINGO_EXPORTS_LEASE: must be between 1s and 1h")
	}
	switch l.FaultPoint {
	case "", FaultAfterErasure, FaultDuringExport:
	default:
		problems = append(problems, "LINGO_JOBS_LIFECYCLE_FAULT: must be empty, "+FaultAfterErasure+" or "+FaultDuringExport)
	}
	return l, problems
}

// The fault points of LINGO_JOBS_LIFECYCLE_FAULT: the process exits right
// after an erasure's transaction committed (before its files and keys are
// cleaned up), or in the middle of writing an export's events.
const (
	FaultAfterErasure = "after_erasure_commit"
	FaultDuringExport = "during_export"
)
