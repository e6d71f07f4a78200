package paging_test

import (
	"testing"

	"github.com/lingo-labs/lingo/domain/paging"
)

func TestLimit(t *testing.T) {
	cases := []struct {
		name       string
		asked, got int
	}{
		{"none asked is the default", 0, paging.Default},
		{"negative is one", -5, 1},
		{"one", 1, 1},
		{"within range", 37, 37},
		{"the maximum", paging.Max, paging.Max},
		{"past the maximum is clamped", paging.Max + 1, paging.Max},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := paging.Limit(c.asked); got != c.got {
				t.Fatalf("Limit(%d) = %d, want %d", c.asked, got, c.got)
			}
		})
	}
}
