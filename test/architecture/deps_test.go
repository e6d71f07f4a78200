// Package architecture checks the dependency rule of docs/architecture.md, so a
// layer that reaches for something it must not fails the build's tests.
package architecture_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/lingo-labs/lingo"

// technology is what only adapters, bootstrap, config and cmd may import.
var technology = []string{
	"github.com/gin-gonic/", "gorm.io/", "github.com/redis/", "github.com/go-redis/", "go.uber.org/fx", "go.uber.org/zap",
	"github.com/spf13/viper", "github.com/glebarez/", "github.com/jackc/", "net/http", "database/sql",
	"github.com/golang-jwt/", "github.com/disintegration/", "github.com/prometheus/", "github.com/pressly/",
}

func TestDependencyRule(t *testing.T) {
	rules := []struct {
		layer     string
		forbidden []string
		// allowed lists own-module prefixes the layer may import; any other
		// package of the module is refused.
		allowed []string
	}{
		{"domain", technology, []string{"domain/"}},
		{"ports", technology, []string{"domain/", "ports"}},
		{"application", technology, []string{"domain/", "ports", "application/"}},
	}
	for _, r := range rules {
		t.Run(r.layer, func(t *testing.T) {
			for pkg, deps := range depsOf(t, module+"/"+r.layer+"/...") {
				for _, d := range deps {
					for _, f := range r.forbidden {
						if strings.HasPrefix(d, f) {
							t.Errorf("%s imports %s, which the dependency rule keeps out of %s/", pkg, d, r.layer)
						}
					}
					if strings.HasPrefix(d, module+"/") && !hasAnyPrefix(strings.TrimPrefix(d, module+"/"), r.allowed) {
						t.Errorf("%s imports %s, outside what %s/ may use", pkg, d, r.layer)
					}
				}
			}
		})
	}
	t.Run("adapters", func(t *testing.T) {
		for pkg, deps := range depsOf(t, module+"/adapters/...") {
			for _, d := range deps {
				rel := strings.TrimPrefix(d, module+"/")
				if d == rel {
					continue
				}
				switch {
				case strings.HasPrefix(rel, "bootstrap"):
					t.Errorf("%s imports bootstrap", pkg)
				case rel == "config":
					t.Errorf("%s imports config; an adapter takes its own options, which bootstrap maps from the configuration", pkg)
				case strings.HasPrefix(rel, "application/") && !strings.HasPrefix(pkg, module+"/adapters/httpapi"):
					t.Errorf("%s imports %s; only httpapi may use the application layer", pkg, d)
				}
			}
		}
	})
	t.Run("nothing imports bootstrap but cmd and tests", func(t *testing.T) {
		for pkg, deps := range depsOf(t, module+"/...") {
			if strings.HasPrefix(pkg, module+"/cmd/") || strings.HasPrefix(pkg, module+"/test/") || strings.HasPrefix(pkg, module+"/bootstrap") {
				continue
			}
			for _, d := range deps {
				if strings.HasPrefix(d, module+"/bootstrap") {
					t.Errorf("%s imports %s", pkg, d)
				}
			}
		}
	})
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// depsOf lists, for each non-test package matching pattern, every package it
// depends on directly or not.
func depsOf(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, pattern).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && bytes.Contains(ee.Stderr, []byte("matched no packages")) {
			return nil
		}
		t.Fatalf("go list %s: %v", pattern, err)
	}
	m := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 {
			m[f[0]] = f[1:]
		}
	}
	return m
}

// TestMocksOnlyInTests keeps the generated mocks (which import testify) out
// of every non-test package.
func TestMocksOnlyInTests(t *testing.T) {
	for pkg, deps := range depsOf(t, module+"/...") {
		if pkg == module+"/test/mocks" {
			continue
		}
		for _, d := range deps {
			if d == module+"/test/mocks" {
				t.Errorf("%s imports the mocks", pkg)
			}
		}
	}
}
