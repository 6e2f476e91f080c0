package worker

import (
	"context"
	"errors"
	"time"

	"finhealth"
	"finhealth/scoring"
)

// historyWindow is how far back the metrics look for an earlier balance snapshot:
// scoring uses one between 25 and 400 days old.
const historyWindow = 401 * 24 * time.Hour

// errSyncActive defers a rescore while a sync is writing the ledger it would read.
var errSyncActive = errors.New("worker: a sync is running")

// scoreSync records what a finished sync read: the dated balance and receivables
// snapshots, the metrics and the combined health score, all as of now.
func (w *Worker) scoreSync(ctx context.Context, orgID string, subtypes []finhealth.AccountSubtype, invoicesUnavailable string) error {
	asOf := w.cfg.Now()
	snap, metrics, err := w.ledgerMetrics(ctx, orgID, asOf, asOf.Add(-historyWindow), asOf, subtypes, invoicesUnavailable)
	if err != nil {
		return err
	}
	if err := w.store.InsertBalanceSnapshot(ctx, orgID, snap.Balances()); err != nil {
		return err
	}
	if rs, ok := receivablesSnapshot(metrics, snap); ok {
		if err := w.store.InsertReceivablesSnapshot(ctx, orgID, rs); err != nil {
			return err
		}
	}
	if err := w.store.InsertMetrics(ctx, orgID, asOf, metrics); err != nil {
		return err
	}
	return w.recordHealth(ctx, orgID, metrics, asOf)
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
	now := w.cfg.Now()
	from := now.Add(-historyWindow)
	dates, err := w.store.BalanceSnapshotDates(ctx, orgID, from, now)
	if err != nil {
		return err
	}
	var metrics []finhealth.MetricValue
	if len(dates) > 0 {
		// The current-state tables hold what the last sync read, which is what its
		// snapshot is dated.
		asOf := dates[len(dates)-1].AsOf
		_, m, err := w.ledgerMetrics(ctx, orgID, asOf, from, now, w.knownSubtypes(), "")
		switch {
		case finhealth.ErrorCode(err) == finhealth.ENOTFOUND:
			// Disconnected without a business: nothing to compute the ledger from.
		case err != nil:
			return err
		default:
			if err := w.store.InsertMetrics(ctx, orgID, asOf, m); err != nil {
				return err
			}
			metrics = m
		}
	}
	return w.recordHealth(ctx, orgID, metrics, now)
}

// ledgerMetrics computes the metrics of the stored books as of asOf, compared with
// the balance history of [from, to], with the owners' account-mapping decisions
// applied. The invoices are summed by the store (LedgerSummary), as for the API and
// the dashboard.
func (w *Worker) ledgerMetrics(ctx context.Context, orgID string, asOf, from, to time.Time,
	subtypes []finhealth.AccountSubtype, invoicesUnavailable string) (*finhealth.LedgerSnapshot, []finhealth.MetricValue, error) {
	snap, err := w.store.LedgerSummary(ctx, orgID, asOf)
	if err != nil {
		return nil, nil, err
	}
	if invoicesUnavailable != "" && snap.InvoicesUnavailable == "" {
		snap.InvoicesUnavailable = invoicesUnavailable
		snap.Invoices, snap.InvoiceSummary = nil, nil
	}
	history, err := w.baseHistory(ctx, orgID, snap, from, to)
	if err != nil {
		return nil, nil, err
	}
	overrides, err := w.store.AccountOverrides(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	mapping := scoring.DefaultAccountMapping(snap.Accounts, subtypes)
	if m, err := scoring.ApplyOverrides(mapping, overrides); err != nil {
		// Stored overrides were validated when set; one this version no longer
		// accepts must not stop every metric, so the defaults stand in for all.
		w.log.WarnContext(ctx, "account overrides ignored", "organization_id", orgID, "error", err)
	} else {
		mapping = m
	}
	return snap, scoring.ComputeMetrics(*snap, history, mapping, asOf), nil
}

// baseHistory is the balance history of [from, to] as the metrics of snap need it:
// every snapshot's date, and the balances of the one snapshot they compare the books
// with (scoring.BaseSnapshot), the others left empty; reading years of snapshots
// whole to use one was most of what a rescore read. Should that snapshot be gone by
// the time it is read (another business was chosen meanwhile), the whole history is
// read instead, which is never wrong.
func (w *Worker) baseHistory(ctx context.Context, orgID string, snap *finhealth.LedgerSnapshot, from, to time.Time) ([]finhealth.BalanceSnapshot, error) {
	history, err := w.store.BalanceSnapshotDates(ctx, orgID, from, to)
	if err != nil {
		return nil, err
	}
	i := scoring.BaseSnapshot(history, snap.AsOf, snap.Currency, snap.CurrencyExponent)
	if i < 0 {
		return history, nil
	}
	whole, err := w.store.BalanceHistory(ctx, orgID, history[i].AsOf, history[i].AsOf)
	if err != nil {
		return nil, err
	}
	if len(whole) == 1 && whole[0].AsOf.Equal(history[i].AsOf) {
		history[i] = whole[0]
		return history, nil
	}
	return w.store.BalanceHistory(ctx, orgID, from, to)
}

// recordHealth appends the combined score of the metrics and the latest assessment.
func (w *Worker) recordHealth(ctx context.Context, orgID string, metrics []finhealth.MetricValue, asOf time.Time) error {
	latest, err := w.store.LatestAssessment(ctx, orgID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		latest, err = nil, nil
	}
	if err != nil {
		return err
	}
	if latest == nil && len(metrics) == 0 {
		return nil // nothing to score, and a blank score would only clutter the history
	}
	return w.store.InsertHealthScore(ctx, orgID, scoring.CombinedHealth(metrics, latest, asOf))
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
