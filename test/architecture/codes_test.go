package architecture_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// repoRoot is the module's root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestErrorCodesAreOneCatalogue holds the error codes to domain/errs/codes.go:
// each code once, and no layer making or matching an error with a code
// written as a string literal, so a maker and a matcher cannot drift apart.
func TestErrorCodesAreOneCatalogue(t *testing.T) {
	root := repoRoot(t)
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "domain/errs/codes.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			for i, name := range v.Names {
				code, err := strconv.Unquote(v.Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				if other, dup := seen[code]; dup {
					t.Errorf("%s and %s are both %q", other, name.Name, code)
				}
				seen[code] = name.Name
			}
		}
	}
	if len(seen) == 0 {
		t.Fatal("no codes found in domain/errs/codes.go")
	}

	literal := regexp.MustCompile(`errs\.(E|Wrap)\([^,()]+,\s*"[a-z]|FieldCode\([^()]*,\s*"[a-z_]+"\s*,|\bCode:\s*"[a-z]|CodeOf\([^()]*\)\s*[!=]=\s*"[a-z]`)
	for _, layer := range []string{"domain", "ports", "application", "adapters", "bootstrap"} {
		err := filepath.WalkDir(filepath.Join(root, layer), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(b), "\n") {
				if literal.MatchString(line) {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s:%d: an error code as a string literal; use a constant of domain/errs/codes.go: %s", rel, i+1, strings.TrimSpace(line))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
