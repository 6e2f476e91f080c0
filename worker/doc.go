// Package worker runs finhealth's background jobs on River: syncing an organization's
// Wave books into the warehouse, recomputing metrics and the health score, and the
// hourly scheduler that keeps every connection fresh.
//
// It exists so that slow, failure-prone work (hundreds of rate-limited Wave requests
// per sync) never runs inside an HTTP request, survives restarts, and is retried with
// backoff when Wave or the database has a bad moment. River keeps its queue in the
// application's own database, PostgreSQL (riverpgxv5, over a pgx pool) or SQLite
// (riversqlite, over a single-connection handle of its own), so that the zero-setup
// SQLite install needs no extra service.
//
// The worker sees Wave only through finhealth.WaveGateway and the database only through
// the domain services (Store), never the wave or store packages; cmd/finhealth wires
// the real ones in.
//
// # Sync
//
// Every sync is a finhealth.SyncRun (queued, running, succeeded or failed) plus one
// River job carrying the run's id. The job reads the chart of accounts, the invoices
// modified since the invoice watermark (all of them on a full run), and every customer,
// page by page, upserting each page by Wave id and recording progress after it. Because
// upserts are idempotent and watermarks move only when an entity has been read to the
// end, a sync that fails or is killed midway can simply run again: nothing is
// duplicated and nothing is skipped. A finished read is followed by the dated balance
// and receivables snapshots, the metrics and the combined health score.
//
// Failures are sorted by what can fix them: Wave refusing the grant puts the
// connection in needs_reconnect (only the owner can fix that); Wave or the database
// being unavailable is retried by River a bounded number of times with backoff; a
// shutdown stops the sync at the next page boundary, fails its run as interrupted and
// queues a follow-up that resumes when the worker starts again.
package worker
