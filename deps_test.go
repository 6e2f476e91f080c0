package finhealth_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDependencyRules enforces DESIGN.md's layering on non-test files: the domain
// imports only the standard library, scoring only the domain, and the adapters never
// import each other, so that only cmd/finhealth wires them together.
func TestDependencyRules(t *testing.T) {
	const module = "finhealth"
	adapters := map[string]bool{"store": true, "http": true, "wave": true, "worker": true}
	topOf := func(pkgPath string) string { // "finhealth/wave/wavetest" -> "wave"
		rest := strings.TrimPrefix(pkgPath, module+"/")
		return strings.Split(rest, "/")[0]
	}
	isStd := func(path string) bool {
		return !strings.Contains(strings.Split(path, "/")[0], ".") && path != module && !strings.HasPrefix(path, module+"/")
	}

	imports := map[string]map[string]bool{} // package dir -> imports
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if imports[dir] == nil {
			imports[dir] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			imports[dir][strings.Trim(imp.Path.Value, `"`)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(imports) < 2 {
		t.Fatalf("found only %d packages; is the test running from the module root?", len(imports))
	}
	for dir, imps := range imports {
		pkg := module
		if dir != "." {
			pkg = module + "/" + dir
		}
		for imp := range imps {
			switch top := topOf(pkg); {
			case dir == ".":
				if !isStd(imp) {
					t.Errorf("%s imports %s: the domain package may import only the standard library", pkg, imp)
				}
			case top == "scoring":
				if !isStd(imp) && imp != module && !strings.HasPrefix(imp, module+"/scoring") {
					t.Errorf("%s imports %s: scoring may import only the standard library and the domain", pkg, imp)
				}
			case adapters[top]:
				if strings.HasPrefix(imp, module+"/") {
					other := topOf(imp)
					if other != top && other != "scoring" {
						t.Errorf("%s imports %s: adapters import the domain and scoring, never each other or internal test support", pkg, imp)
					}
				}
			}
		}
	}
	if _, err := os.Stat("go.mod"); err != nil {
		t.Fatalf("not at the module root: %v", err)
	}
}
