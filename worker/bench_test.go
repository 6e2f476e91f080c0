package worker

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"finhealth"
	"finhealth/internal/testdb"
)

// BenchmarkSync50k syncs a generated business of 50,000 invoices, 5,000 customers and
// 300 accounts from the fake Wave (no rate limit, page size 100) into each database,
// through the real Wave client and store. It reports invoices stored per second over
// the whole sync (accounts, customers, snapshots and score included) and over the
// invoice pages alone, the peak heap in use and process memory obtained from the OS
// (sampled; the fake Wave runs in the same process and counts too), and how long the
// snapshots, metrics and score took after the last page. After the sync it reads the
// business's health as the API does (the books summed, the one balance snapshot
// compared with, metrics and score), within the memory sampled, and reports how long
// that took.
//
//	go test ./worker -run '^$' -bench Sync50k -benchtime 1x
func BenchmarkSync50k(b *testing.B) {
	const invoices, customers, accounts = 50_000, 5_000, 300
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			testdb.SkipIfUnavailable(b, dialect)
			db := testdb.Open(b, dialect)
			e := newEnv(b, db, 100, nil)
			biz := e.srv.GenerateBusiness(42, invoices, customers, accounts)
			var elapsed, invoicing, scoring, health time.Duration
			var peakHeap, peakSys uint64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				org := e.connect(biz)
				run := e.enqueue(org, finhealth.SyncFull)
				e.store.scoring, e.store.invoicing = [2]time.Time{}, [2]time.Time{}
				runtime.GC()
				stop := sampleMemory()
				b.StartTimer()

				start := time.Now()
				err := e.work(run, 1, 1)
				elapsed += time.Since(start)

				b.StopTimer()
				if err == nil {
					start = time.Now()
					err = readHealth(e, org)
					health += time.Since(start)
				}
				heap, sys := stop()
				peakHeap, peakSys = max(peakHeap, heap), max(peakSys, sys)
				if err != nil {
					b.Fatal(err)
				}
				r := e.run(org, run.ID)
				if r.Status != finhealth.SyncSucceeded || r.Invoices.Upserted != invoices || r.Customers.Upserted != customers || r.Accounts.Upserted != accounts {
					b.Fatalf("run %s %q %+v", r.Status, r.Error, r.SyncProgress)
				}
				scoring += e.store.scoring[1].Sub(e.store.scoring[0])
				invoicing += e.store.invoicing[1].Sub(e.store.invoicing[0])
				b.StartTimer()
			}
			b.ReportMetric(float64(invoices*b.N)/elapsed.Seconds(), "invoices/s")
			b.ReportMetric(float64(invoices*b.N)/invoicing.Seconds(), "invoice-phase/s")
			b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(peakSys)/(1<<20), "peak-sys-MB")
			b.ReportMetric(float64(scoring.Milliseconds())/float64(b.N), "score-ms")
			b.ReportMetric(float64(health.Microseconds())/1000/float64(b.N), "health-ms")
		})
	}
}

// readHealth reads the organization's health as GET .../health does: through the
// store's HealthService.
func readHealth(e *env, orgID string) error {
	r, err := e.store.Health(context.Background(), orgID, e.clock.Now())
	if err == nil && r.Books == nil {
		err = fmt.Errorf("no books: %s", r.Ledger.Reason)
	}
	return err
}

// sampleMemory samples the heap in use and the memory obtained from the OS every few
// milliseconds until stop is called, which returns the peaks.
func sampleMemory() (stop func() (heap, sys uint64)) {
	var (
		mu              sync.Mutex
		peakHeap, peakS uint64
	)
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		peakHeap, peakS = max(peakHeap, ms.HeapInuse), max(peakS, ms.Sys)
		mu.Unlock()
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				sample()
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return peakHeap, peakS
	}
}
