// Package metricstest reads Prometheus text exposition in tests, so every
// suite that checks /metrics parses and looks up series the same way.
package metricstest

import (
	"io"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// Parse reads the text format into metric families by name.
func Parse(t testing.TB, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	require.NoError(t, err)
	return fams
}

// Labels is a metric's labels as a map.
func Labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// Find returns the metric of family name whose labels include want, or fails.
func Find(t testing.TB, fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	t.Helper()
	f, ok := fams[name]
	require.True(t, ok, "no series %s", name)
next:
	for _, m := range f.GetMetric() {
		got := Labels(m)
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		return m
	}
	t.Fatalf("no %s with labels %v", name, want)
	return nil
}

// Single returns the one metric of family name, or fails.
func Single(t testing.TB, fams map[string]*dto.MetricFamily, name string) *dto.Metric {
	t.Helper()
	f, ok := fams[name]
	require.True(t, ok, "no series %s", name)
	require.Len(t, f.GetMetric(), 1)
	return f.GetMetric()[0]
}
