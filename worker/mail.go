package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"finhealth"
)

// Mailer delivers one message to the mail server; the mail package's *Sender
// implements it.
type Mailer interface {
	Send(ctx context.Context, m *finhealth.MailMessage) error
}

// queueMail is the mail jobs' own queue, so that a slow mail server never delays a
// rescore or the scheduler.
const queueMail = "mail"

// mailTimeout bounds one attempt to send a message.
const mailTimeout = 2 * time.Minute

// mailArgs is the job of one message of the mail log.
type mailArgs struct {
	MailID string `json:"mail_id"`
}

func (mailArgs) Kind() string { return "finhealth_mail" }

type mailWorker struct {
	river.WorkerDefaults[mailArgs]
	w *Worker
}

func (mw *mailWorker) Timeout(*river.Job[mailArgs]) time.Duration { return mailTimeout }

// Work sends the message and records the attempt. Delivery is at least once: a
// process that dies after the server accepted a message but before the log says so
// sends it again.
func (mw *mailWorker) Work(ctx context.Context, job *river.Job[mailArgs]) error {
	w := mw.w
	m, err := w.store.MailToSend(ctx, job.Args.MailID)
	if finhealth.ErrorCode(err) == finhealth.ENOTFOUND {
		return nil // already sent, failed for good, or never stored
	}
	if err != nil {
		return err
	}
	if w.cfg.Mailer == nil {
		if _, err := w.store.RecordMailAttempt(ctx, m.ID, finhealth.MailCaptured, ""); err != nil {
			return err
		}
		w.log.InfoContext(ctx, "mail captured", "mail_id", m.ID, "template", m.Template)
		return nil
	}
	sendErr := w.cfg.Mailer.Send(ctx, m)
	status, msg := finhealth.MailSent, ""
	if sendErr != nil {
		status, msg = finhealth.MailRetrying, sendErr.Error()
		if job.Attempt >= job.MaxAttempts {
			status = finhealth.MailFailed
		}
		w.log.WarnContext(ctx, "sending mail failed", "mail_id", m.ID, "template", m.Template,
			"attempt", job.Attempt, "max_attempts", job.MaxAttempts, "error", sendErr)
	}
	// Recorded even when the job's context ended: the outcome must not be lost.
	rctx, cancel := detached(ctx)
	defer cancel()
	if _, err := w.store.RecordMailAttempt(rctx, m.ID, status, msg); err != nil {
		return errors.Join(sendErr, fmt.Errorf("worker: recording a mail attempt: %w", err))
	}
	if sendErr == nil {
		w.log.InfoContext(ctx, "mail sent", "mail_id", m.ID, "template", m.Template, "attempt", job.Attempt)
	}
	return sendErr
}

// QueueMail queues the job that sends a stored message. Once per message: a second
// call (the sweep, or a caller retrying) while its job exists queues nothing.
func (w *Worker) QueueMail(ctx context.Context, id string) error {
	_, err := w.client.Insert(ctx, mailArgs{MailID: id}, &river.InsertOpts{
		Queue: queueMail, MaxAttempts: w.cfg.MailMaxAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true},
	})
	if err != nil {
		return fmt.Errorf("worker: queueing mail %s: %w", id, err)
	}
	return nil
}

var _ finhealth.MailQueue = (*Worker)(nil)

// mailSweepArgs is the periodic job that queues the messages stored without a job.
type mailSweepArgs struct{}

func (mailSweepArgs) Kind() string { return "finhealth_mail_sweep" }

type mailSweepWorker struct {
	river.WorkerDefaults[mailSweepArgs]
	w *Worker
}

// mailSweepBatch bounds the messages one sweep queues; the next takes the rest.
const mailSweepBatch = 200

// Work queues a job for every message waiting longer than a sweep interval: a
// message is stored in the transaction of what caused it and its job is queued
// after the commit, so a process dying in between leaves one without a job.
func (sw *mailSweepWorker) Work(ctx context.Context, _ *river.Job[mailSweepArgs]) error {
	w := sw.w
	ids, err := w.store.UnsentMail(ctx, w.cfg.Now().Add(-w.cfg.MailSweepEvery), mailSweepBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, w.QueueMail(ctx, id))
	}
	return errors.Join(errs...)
}

func (w *Worker) mailSweepJob() *river.PeriodicJob {
	every := w.cfg.MailSweepEvery
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			return mailSweepArgs{}, &river.InsertOpts{Queue: queueMail,
				UniqueOpts: river.UniqueOpts{ByPeriod: max(every/2, time.Second)}}
		},
		&river.PeriodicJobOpts{ID: mailSweepArgs{}.Kind(), RunOnStart: true})
}
