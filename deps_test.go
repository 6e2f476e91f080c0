package finhealth_test

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "finhealth"

// testSupport are the packages that exist for tests: no production package may
// import them, except that cmd/finhealth serves the fake Wave as the development-only
// simulated Wave. finhealth/http/internal/ holds the test server that the API's and
// the web UI's tests share.
var testSupport = []string{"finhealth/wave/wavetest", "finhealth/internal/", "finhealth/http/internal/"}

// thirdParty lists, for each top-level directory, the modules outside the standard
// library its non-test code may import. Each dependency earns its place in the
// package that needs it (DESIGN.md); add one here with the reason in the commit.
var thirdParty = map[string][]string{
	"identity": {"golang.org/x/crypto/argon2", "golang.org/x/text/unicode/norm"},
	"mail":     {"github.com/wneessen/go-mail"},
	"store":    {"github.com/jackc/pgx/v5/pgconn", "github.com/jackc/pgx/v5/stdlib", "github.com/pressly/goose/v3", "modernc.org/sqlite", "github.com/google/uuid"},
	"http":     {"github.com/golang-jwt/jwt/v5", "github.com/google/uuid", "github.com/prometheus/client_golang/prometheus", "golang.org/x/sync/semaphore", "github.com/klauspost/compress/gzhttp"},
	"wave":     {"github.com/prometheus/client_golang/prometheus", "golang.org/x/oauth2", "golang.org/x/time/rate", "github.com/vektah/gqlparser/v2"},
	"worker":   {"github.com/riverqueue/river", "github.com/jackc/pgx/v5/pgxpool", "github.com/prometheus/client_golang/prometheus", "github.com/google/uuid"},
	"cmd":      {"filippo.io/age", "github.com/jackc/pgx/v5/pgxpool", "github.com/prometheus/client_golang/prometheus"},
	"internal": {"github.com/jackc/pgx/v5/pgxpool", "github.com/jackc/pgx/v5/stdlib", "github.com/prometheus/"},
	// The load script's bare baseline server talks to PostgreSQL directly.
	"scripts": {"github.com/jackc/pgx/v5/pgxpool"},
}

var adapters = map[string]bool{"store": true, "http": true, "wave": true, "worker": true}

// ruleLayers are the layers between the domain and the adapters: scoring (pure
// scoring functions) and identity (normalized emails and names, the password policy
// and hashing, which need modules the domain may not import) and mail (composing
// messages from templates, and the SMTP client the worker is handed). Each imports only
// the standard library, the domain, its own sub-packages and the modules
// thirdParty lists for it; adapters and cmd/finhealth import them.
var ruleLayers = map[string]bool{"scoring": true, "identity": true, "mail": true}

// topOf names a package's top-level directory: "finhealth/wave/wavetest" -> "wave",
// "finhealth" -> "".
func topOf(pkgPath string) string {
	if pkgPath == module {
		return ""
	}
	return strings.Split(strings.TrimPrefix(pkgPath, module+"/"), "/")[0]
}

func isStd(path string) bool {
	return !strings.Contains(strings.Split(path, "/")[0], ".") && path != module && !strings.HasPrefix(path, module+"/")
}

func hasPrefixIn(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}

// checkImport says why the non-test code of package pkg may not import imp (nil when
// it may): DESIGN.md's layering. The domain imports only the standard library;
// scoring and identity only the domain and their own modules; adapters import the
// domain, scoring and identity, never each other, a test-support package or a
// module another layer owns; an adapter's sub-package imports its adapter's shared
// layer (http/api and http/ui import http), never a sibling; the store behaviour
// suite knows only the domain (and scoring, to judge results); an adapter's own
// test support (http/internal/...) may build the adapter as cmd/finhealth does,
// over the other adapters; only cmd/finhealth wires adapters together.
func checkImport(pkg, imp string) error {
	if isStd(imp) {
		return nil
	}
	top := topOf(pkg)
	internal := strings.HasPrefix(imp, module+"/") || imp == module
	switch {
	case top == "":
		return fmt.Errorf("the domain package may import only the standard library")
	case ruleLayers[top]:
		if imp == module || (internal && topOf(imp) == top) || (!internal && hasPrefixIn(imp, thirdParty[top])) {
			return nil
		}
		return fmt.Errorf("%s may import only the standard library, the domain and the modules deps_test.go lists for it", top)
	case !internal:
		if top == "wave" && !strings.HasPrefix(pkg, module+"/wave/wavetest") && strings.HasPrefix(imp, "github.com/vektah/gqlparser") {
			return fmt.Errorf("only the fake Wave parses GraphQL")
		}
		if hasPrefixIn(imp, thirdParty[top]) {
			return nil
		}
		return fmt.Errorf("%s/ may not import %s: a module outside the standard library belongs to the layer that needs it (deps_test.go lists them)", top, imp)
	case adapterTestSupport(pkg):
		if internal && topOf(imp) != "cmd" {
			return nil
		}
		return fmt.Errorf("an adapter's test support may import the module's packages but cmd/finhealth")
	case hasPrefixIn(imp, testSupport) && !strings.HasPrefix(pkg, module+"/internal/") && !strings.HasPrefix(pkg, module+"/wave/wavetest"):
		if pkg == module+"/cmd/finhealth" && imp == module+"/wave/wavetest" {
			return nil // the development-only simulated Wave
		}
		return fmt.Errorf("production code may not import the test-support package %s", imp)
	case pkg == module+"/internal/storetest":
		if imp == module || imp == module+"/scoring" {
			return nil // scoring's pure functions are the suite's oracle
		}
		return fmt.Errorf("the store behaviour suite tests any store through the domain's interfaces only, " +
			"with scoring's pure functions to judge what they return")
	case top == "internal":
		if imp == module || imp == module+"/store" || strings.HasPrefix(imp, module+"/internal/") {
			return nil
		}
		return fmt.Errorf("test support may import the domain, the store and other test support only")
	case adapters[top]:
		other := topOf(imp)
		if other == "" || ruleLayers[other] {
			return nil
		}
		if other == top && !hasPrefixIn(imp, testSupport) {
			if strings.HasPrefix(pkg, imp+"/") {
				return nil
			}
			return fmt.Errorf("a package of an adapter imports only its own shared layer (a parent directory), never a sibling or a sub-package")
		}
		return fmt.Errorf("adapters import the domain, scoring and identity, never each other or test support")
	case top == "cmd":
		return nil
	}
	return fmt.Errorf("%s is in no layer of DESIGN.md", pkg)
}

// adapterTestSupport reports whether pkg is an adapter's own test support, such as
// the test server of http's sub-packages (finhealth/http/internal/servertest).
func adapterTestSupport(pkg string) bool {
	top := topOf(pkg)
	return adapters[top] && strings.HasPrefix(pkg, module+"/"+top+"/internal/")
}

// TestDependencyRules enforces the layering on the non-test files of every package.
func TestDependencyRules(t *testing.T) {
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
	if _, err := os.Stat("go.mod"); err != nil {
		t.Fatalf("not at the module root: %v", err)
	}
	seen := map[string]bool{}
	for dir, imps := range imports {
		pkg := module
		if dir != "." {
			pkg = module + "/" + dir
		}
		seen[topOf(pkg)] = true
		for imp := range imps {
			if err := checkImport(pkg, imp); err != nil {
				t.Errorf("%s imports %s: %v", pkg, imp, err)
			}
		}
	}
	for _, top := range []string{"", "scoring", "identity", "mail", "store", "http", "wave", "worker", "cmd", "internal"} {
		if !seen[top] {
			t.Errorf("no package found in %q: is the test running from the module root, or did the layout change?", top)
		}
	}
}

// TestDependencyRulesRefuse shows that the rules catch the imports they exist for.
func TestDependencyRulesRefuse(t *testing.T) {
	for _, c := range []struct{ pkg, imp string }{
		{"finhealth", "finhealth/scoring"},
		{"finhealth", "github.com/google/uuid"},
		{"finhealth/scoring", "finhealth/store"},
		{"finhealth/scoring", "golang.org/x/crypto/argon2"},
		{"finhealth/scoring", "golang.org/x/text/unicode/norm"},
		{"finhealth/mail", "finhealth/store"},
		{"finhealth/worker", "github.com/wneessen/go-mail"},
		{"finhealth/identity", "finhealth/http"},
		{"finhealth/identity", "finhealth/store"},
		{"finhealth/identity", "finhealth/scoring"},
		{"finhealth/identity", "github.com/google/uuid"},
		{"finhealth/http", "golang.org/x/crypto/argon2"},
		{"finhealth/http", "golang.org/x/text/unicode/norm"},
		{"finhealth/wave", "finhealth/wave/wavetest"},
		{"finhealth/wave", "finhealth/store"},
		{"finhealth/http", "finhealth/worker"},
		{"finhealth/http", "github.com/jackc/pgx/v5"},
		{"finhealth/http", "github.com/jackc/pgx/v5/stdlib"},
		{"finhealth/http", "finhealth/internal/testdb"},
		{"finhealth/worker", "finhealth/wave"},
		{"finhealth/worker", "modernc.org/sqlite"},
		{"finhealth/store", "github.com/riverqueue/river"},
		{"finhealth/internal/storetest", "finhealth/store"},
		{"finhealth/internal/storetest", "finhealth/http"},
		{"finhealth/internal/testdb", "finhealth/http"},
		{"finhealth/cmd/finhealth", "finhealth/internal/testdb"},
		{"finhealth/cmd/finhealth", "finhealth/internal/storetest"},
		{"finhealth/cmd/finhealth", "github.com/vektah/gqlparser/v2"},
		{"finhealth/wave", "github.com/vektah/gqlparser/v2"},
		{"finhealth/tools", "finhealth/store"},
		{"finhealth/http/ui", "finhealth/http/api"},
		{"finhealth/http/api", "finhealth/http/ui"},
		{"finhealth/http", "finhealth/http/api"},
		{"finhealth/http/api", "finhealth/store"},
		{"finhealth/http/api", "finhealth/http/internal/servertest"},
		{"finhealth/http", "finhealth/http/internal/servertest"},
		{"finhealth/cmd/finhealth", "finhealth/http/internal/servertest"},
		{"finhealth/http/internal/servertest", "finhealth/cmd/finhealth"},
	} {
		if checkImport(c.pkg, c.imp) == nil {
			t.Errorf("%s may import %s, but the layering forbids it", c.pkg, c.imp)
		}
	}
	for _, c := range []struct{ pkg, imp string }{
		{"finhealth/http", "finhealth/scoring"},
		{"finhealth/http", "finhealth/identity"},
		{"finhealth/store", "finhealth/identity"},
		{"finhealth/cmd/finhealth", "finhealth/identity"},
		{"finhealth/identity", "finhealth"},
		{"finhealth/http", "finhealth/mail"},
		{"finhealth/mail", "github.com/wneessen/go-mail"},
		{"finhealth/identity", "golang.org/x/crypto/argon2"},
		{"finhealth/identity", "golang.org/x/text/unicode/norm"},
		{"finhealth/scoring", "finhealth/scoring/questionnaires"},
		{"finhealth/wave/wavetest", "github.com/vektah/gqlparser/v2/ast"},
		{"finhealth/cmd/finhealth", "finhealth/wave/wavetest"},
		{"finhealth/cmd/finhealth", "finhealth/worker"},
		{"finhealth/internal/testdb", "finhealth/store"},
		{"finhealth/http/ui", "finhealth/http"},
		{"finhealth/http/api", "finhealth/http"},
		{"finhealth/internal/storetest", "finhealth/scoring"},
		{"finhealth/cmd/finhealth", "finhealth/http/api"},
		{"finhealth/cmd/finhealth", "finhealth/http/ui"},
		{"finhealth/http/internal/servertest", "finhealth/http"},
		{"finhealth/http/internal/servertest", "finhealth/store"},
		{"finhealth/http/internal/servertest", "finhealth/internal/testdb"},
		{"finhealth/http/internal/servertest", "finhealth/worker"},
		{"finhealth/http/internal/servertest", "finhealth/wave/wavetest"},
	} {
		if err := checkImport(c.pkg, c.imp); err != nil {
			t.Errorf("%s may import %s, but the rules refuse it: %v", c.pkg, c.imp, err)
		}
	}
}
