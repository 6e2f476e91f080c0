package wave_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"finhealth"
	"finhealth/wave"
	"finhealth/wave/wavetest"
)

// BenchmarkReadInvoices50k reads every invoice of a generated 50,000-invoice business
// through the client (page size 100, no rate limit), streaming page by page as a sync
// does. The fake runs in the same process, so time, CPU time and allocations include
// both sides of the wire; invoices/s is the figure a sync can reach at best.
func BenchmarkReadInvoices50k(b *testing.B) {
	e := newEnv(b, wavetest.Options{}, func(c *wave.Config) { c.Logger = nil })
	cn, _ := e.connect(b)
	biz := e.srv.GenerateBusiness(42, 50_000, 5_000, 300)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	cpu := processCPU()
	for b.Loop() {
		n = 0
		var sum int64
		err := cn.EachInvoicePage(ctx, biz, wave.InvoiceQuery{}, func(p []finhealth.Invoice) error {
			n += len(p)
			for _, inv := range p {
				sum += inv.AmountDue.Minor
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != 50_000 {
			b.Fatalf("read %d invoices", n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "invoices/s")
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
}

// processCPU is the CPU time (user and system) the process has used: on a shared
// machine a steadier figure than the wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReadCustomers5k reads the generated business's 5,000 customers, whose
// outstanding and overdue amounts the fake sums over the 50,000 invoices.
func BenchmarkReadCustomers5k(b *testing.B) {
	e := newEnv(b, wavetest.Options{}, func(c *wave.Config) { c.Logger = nil })
	cn, _ := e.connect(b)
	biz := e.srv.GenerateBusiness(42, 50_000, 5_000, 300)
	b.ReportAllocs()
	for b.Loop() {
		cs, err := cn.Customers(context.Background(), biz, wave.CustomerQuery{})
		if err != nil || len(cs) != 5_000 {
			b.Fatalf("%d customers, %v", len(cs), err)
		}
	}
}
