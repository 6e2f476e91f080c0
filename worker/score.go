package worker

import (
	"context"
	"errors"
	"time"

	"finhealth"
	"finhealth/scoring"
)

// errSyncActive defers a rescore while a sync is writing the ledger it would read.
var errSyncActive = errors.New("worker: a sync is running")

// scoreSync records what a finished sync read: the dated balance snapshot of the
// books it leaves, then what the health service makes of them (the receivables
// snapshot, the metrics and the combined health score), all as of now. The score is
// computed by the same call a page makes, after the snapshot that dates the books
// is stored, so that a page read later shows exactly what was recorded.
func (w *Worker) scoreSync(ctx context.Context, orgID string, invoicesUnavailable string) error {
	now := w.cfg.Now()
	if invoicesUnavailable != "" {
		if err := w.markInvoicesUnavailable(ctx, orgID); err != nil {
			return err
		}
	}
	books, err := w.store.LedgerSummary(ctx, orgID, now)
	if err != nil {
		return err
	}
	if err := w.store.InsertBalanceSnapshot(ctx, orgID, books.Balances()); err != nil {
		return err
	}
	r, err := w.health(ctx, orgID, now)
	if err != nil {
		return err
	}
	if r.Books != nil {
		if rs, ok := receivablesSnapshot(r.Metrics, r.Books); ok {
			if err := w.store.InsertReceivablesSnapshot(ctx, orgID, rs); err != nil {
				return err
			}
		}
	}
	return w.record(ctx, orgID, r)
}

// markInvoicesUnavailable records on the connection's business that Wave does not
// expose its invoices (it answered a sync so, though the business was not flagged
// as on classic invoicing when chosen): the health service then leaves receivables
// out and says why, rather than score invoices Wave no longer lets finhealth read.
func (w *Worker) markInvoicesUnavailable(ctx context.Context, orgID string) error {
	conn, err := w.store.WaveConnection(ctx, orgID)
	if err != nil || conn.Business == nil || conn.Business.IsClassicInvoicing {
		return err
	}
	b := *conn.Business
	b.IsClassicInvoicing = true
	_, err = w.store.ChooseWaveBusiness(ctx, orgID, b)
	return err
}

// rescore recomputes the metrics of the latest snapshot's books (replacing that
// computation, as after a mapping change) and appends a new health score (as after a
// new assessment). An organization without synced books gets a score from its
// questionnaire alone.
func (w *Worker) rescore(ctx context.Context, orgID string) error {
	runs, _, err := w.store.ListSyncRuns(ctx, orgID, "", 1)
	if err != nil {
		return err
	}
	if len(runs) > 0 && runs[0].Status.Active() {
		return errSyncActive
	}
	r, err := w.health(ctx, orgID, w.cfg.Now())
	if err != nil {
		return err
	}
	return w.record(ctx, orgID, r)
}

// health is the store's HealthService, the one computation of a business's health.
func (w *Worker) health(ctx context.Context, orgID string, now time.Time) (*finhealth.HealthReport, error) {
	r, err := w.store.Health(ctx, orgID, now)
	if err == nil && r.OverridesIgnored != "" {
		w.log.WarnContext(ctx, "account overrides ignored", "organization_id", orgID, "error", r.OverridesIgnored)
	}
	return r, err
}

// record stores a report's metrics (dated by its books, replacing an earlier
// computation of the same books) and appends its health score, unless there is
// nothing to score: a blank score would only clutter the history.
func (w *Worker) record(ctx context.Context, orgID string, r *finhealth.HealthReport) error {
	if r.Books != nil {
		if err := w.store.InsertMetrics(ctx, orgID, r.Books.AsOf, r.Metrics); err != nil {
			return err
		}
	}
	if !r.Scored() {
		return nil
	}
	if err := w.store.InsertHealthScore(ctx, orgID, r.Health); err != nil {
		return err
	}
	w.log.DebugContext(ctx, "health score recorded", "organization_id", orgID, "status", r.Health.Status, "tier", r.Health.Tier)
	return nil
}

// agingMetrics are the receivables aging buckets in ReceivablesSnapshot's order.
var agingMetrics = [...]string{scoring.MetricAgingCurrent, scoring.MetricAging1To30, scoring.MetricAging31To60,
	scoring.MetricAging61To90, scoring.MetricAgingOver90}

// receivablesSnapshot takes the aging from the computed metrics rather than
// recomputing it, so that the history and the metrics can never disagree (currency
// conversion, which statuses are owed). There is none when invoices could not be read.
func receivablesSnapshot(metrics []finhealth.MetricValue, snap *finhealth.LedgerSnapshot) (finhealth.ReceivablesSnapshot, bool) {
	byName := make(map[string]*finhealth.MetricValue, len(metrics))
	for i := range metrics {
		byName[metrics[i].Name] = &metrics[i]
	}
	var buckets [len(agingMetrics)]finhealth.Money
	var counts [len(agingMetrics)]int
	for i, name := range agingMetrics {
		m := byName[name]
		if m == nil || m.Status != finhealth.MetricOK || m.Money == nil {
			return finhealth.ReceivablesSnapshot{}, false
		}
		buckets[i] = *m.Money
		for _, in := range m.Inputs {
			counts[i] += in.InvoiceCount
		}
	}
	zero := finhealth.Money{Currency: snap.Currency, Exponent: snap.CurrencyExponent}
	rs := finhealth.ReceivablesSnapshot{
		AsOf: snap.AsOf, Currency: snap.Currency, CurrencyExponent: snap.CurrencyExponent,
		Current: buckets[0], Days1To30: buckets[1], Days31To60: buckets[2], Days61To90: buckets[3], Over90: buckets[4],
		Total: zero, Overdue: zero, OpenInvoices: counts[0],
	}
	for i := range buckets {
		rs.Total.Minor += buckets[i].Minor
		if i > 0 {
			rs.Overdue.Minor += buckets[i].Minor
			rs.OverdueInvoices += counts[i]
			rs.OpenInvoices += counts[i]
		}
	}
	return rs, true
}
