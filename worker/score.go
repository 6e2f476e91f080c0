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
	history, err := w.store.BalanceHistory(ctx, orgID, asOf.Add(-historyWindow), asOf)
	if err != nil {
		return err
	}
	snap, metrics, err := w.ledgerMetrics(ctx, orgID, asOf, history, subtypes, invoicesUnavailable)
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
	history, err := w.store.BalanceHistory(ctx, orgID, now.Add(-historyWindow), now)
	if err != nil {
		return err
	}
	var metrics []finhealth.MetricValue
	if len(history) > 0 {
		// The current-state tables hold what the last sync read, which is what its
		// snapshot is dated.
		asOf := history[len(history)-1].AsOf
		_, m, err := w.ledgerMetrics(ctx, orgID, asOf, history, w.knownSubtypes(), "")
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

// ledgerMetrics computes the metrics of the stored books as of asOf, with the
// owners' account-mapping decisions applied.
func (w *Worker) ledgerMetrics(ctx context.Context, orgID string, asOf time.Time, history []finhealth.BalanceSnapshot,
	subtypes []finhealth.AccountSubtype, invoicesUnavailable string) (*finhealth.LedgerSnapshot, []finhealth.MetricValue, error) {
	snap, err := w.store.LedgerSnapshot(ctx, orgID, asOf)
	if err != nil {
		return nil, nil, err
	}
	if invoicesUnavailable != "" && snap.InvoicesUnavailable == "" {
		snap.InvoicesUnavailable = invoicesUnavailable
		snap.Invoices = nil
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
	hs := scoring.CombinedHealth(metrics, latest, asOf)
	if err := w.store.InsertHealthScore(ctx, orgID, hs); err != nil {
		return err
	}
	w.log.DebugContext(ctx, "health score recorded", "organization_id", orgID, "status", hs.Status, "tier", hs.Tier)
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
