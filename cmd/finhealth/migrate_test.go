package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"finhealth/internal/testdb"
	"finhealth/store"
)

// TestConcurrentMigrateOnPostgres starts `finhealth migrate` several times at once on
// one empty PostgreSQL database, as replicas whose deploys begin together do: every
// run succeeds and the schema, the job queue's included, ends up current. Before
// that, serve refuses the empty schema and names the command that fixes it.
func TestConcurrentMigrateOnPostgres(t *testing.T) {
	testdb.SkipIfUnavailable(t, store.DialectPostgres)
	chdirTemp(t)
	ctx := context.Background()
	env := map[string]string{
		"APP_ENV": "production", "SECRET_KEY": strongA, "JWT_SECRET_KEY": strongB,
		"DATABASE_URL": testdb.DSN(t, testdb.OpenEmpty(t, store.DialectPostgres)),
	}
	if _, err := runCmd(t, ctx, env, "", "serve"); err == nil || !strings.Contains(err.Error(), "run `finhealth migrate`") {
		t.Fatalf("serve on an unmigrated PostgreSQL database in production: err = %v", err)
	}

	var wg sync.WaitGroup
	outs, errs := make([]string, 4), make([]error, 4)
	for i := range errs {
		wg.Go(func() { outs[i], errs[i] = runCmd(t, ctx, env, "", "migrate") })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrate %d: %v\n%s", i, err, outs[i])
		}
	}
	out, err := runCmd(t, ctx, env, "", "migrate", "status")
	if err != nil || !strings.Contains(out, "up to date; job queue schema: up to date") {
		t.Fatalf("migrate status after concurrent runs: %q %v", out, err)
	}
}
