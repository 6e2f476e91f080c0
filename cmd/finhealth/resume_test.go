package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/testdb"
	"finhealth/wave/wavetest"
)

// TestSyncResumesAfterKill kills `finhealth serve` with SIGKILL in the middle of a
// sync of 2,000 invoices, starts it again on the same database, and checks that the
// run is noticed and continued by itself from its last stored page: the books end
// up exactly as Wave has them, scored, and nothing was pruned on the evidence of
// the resumed (not provably complete) walk.
func TestSyncResumesAfterKill(t *testing.T) {
	bin := finhealthBinary(t)
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newShutdownEnv(t, dialect)
			e.env["SYNC_HEARTBEAT_TIMEOUT"] = "3s"
			biz := e.fake.GenerateBusiness(12, 2000, 150, 40)

			// Invoice pages after the seventh are held until the process is dead, so
			// that the kill lands while pages are stored and more are wanted.
			held := make(chan struct{})
			var releaseOnce sync.Once
			release := func() { releaseOnce.Do(func() { close(held) }) }
			t.Cleanup(release)
			e.fake.Update(func(o *wavetest.Options) {
				o.BeforeRequest = func(op string, vars map[string]any) {
					if page, _ := strconv.Atoi(fmt.Sprint(vars["page"])); op == "ListInvoices" && page > 7 {
						<-held
					}
				}
			})

			first := startBinary(t, bin, e.env)
			c := apiClient{t: t, base: e.base}
			waitHTTP(t, c)
			tok, orgID, org := c.connectedOwner()
			runID := c.chooseBusiness(tok, org, biz)

			// The event: the run has stored invoice pages.
			poll(t, "the run to store invoice pages", func() bool {
				r, err := e.db.SyncRun(context.Background(), orgID, runID)
				return err == nil && r.Position.Entity == finhealth.EntityInvoices && r.Position.Pages >= 1 && e.count(t, "invoices") >= 600
			})
			if err := first.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = first.Wait()
			release()
			e.fake.Update(func(o *wavetest.Options) { o.BeforeRequest = nil })

			startBinary(t, bin, e.env)
			waitHTTP(t, c)

			var resumed *finhealth.SyncRun
			poll(t, "the run to be resumed and finish", func() bool {
				runs, _, err := e.db.ListSyncRuns(context.Background(), orgID, "", 10)
				if err != nil || len(runs) < 2 {
					return false
				}
				resumed = runs[0]
				return !resumed.Status.Active()
			})
			old, err := e.db.SyncRun(context.Background(), orgID, runID)
			if err != nil {
				t.Fatal(err)
			}
			if old.Status != finhealth.SyncFailed || resumed.ResumedFrom != runID {
				t.Fatalf("killed run %s %q; next run %+v", old.Status, old.Error, resumed)
			}
			// The resumed walk began after the pages stored before the kill, so it
			// cannot prove it saw every invoice: partial, nothing pruned, and the next
			// sync is full.
			if resumed.Status != finhealth.SyncPartial {
				t.Errorf("resumed run %s %q %q, want partial", resumed.Status, resumed.Error, resumed.Warnings)
			}
			if got, want := e.count(t, "invoices"), len(e.fake.Invoices(biz)); got != want {
				t.Errorf("%d invoices stored, Wave has %d", got, want)
			}
			if got, want := e.count(t, "customers"), len(e.fake.Customers(biz)); got != want {
				t.Errorf("%d customers stored, Wave has %d", got, want)
			}
			var distinct int
			if err := e.db.SQL().QueryRow(`SELECT COUNT(DISTINCT wave_id) FROM invoices`).Scan(&distinct); err != nil || distinct != len(e.fake.Invoices(biz)) {
				t.Errorf("%d distinct invoices (%v)", distinct, err)
			}
			if e.count(t, "health_scores") == 0 {
				t.Error("no health score recorded after the resumed sync")
			}
			conn, err := e.db.WaveConnection(context.Background(), orgID)
			if err != nil || !conn.FullSyncDue {
				t.Errorf("connection after a partial resumed sync: %+v %v; want a full sync due", conn, err)
			}
		})
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// finhealthBinary builds the real binary once per test run: a SIGKILL must end a
// process, not a goroutine.
func finhealthBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "finhealth-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "finhealth")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// startBinary starts `finhealth serve` with env; the test's end kills it.
func startBinary(t *testing.T, bin string, env map[string]string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Dir = t.TempDir()
	logs, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			t.Logf("serve log:\n%s", b)
		}
	})
	return cmd
}

// waitHTTP waits for the server to answer /healthz.
func waitHTTP(t *testing.T, c apiClient) {
	t.Helper()
	poll(t, "the server to answer", func() bool {
		resp, err := http.Get(c.base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// poll checks cond until it holds; the bound only guards against a hang, since the
// event happens in another process.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
