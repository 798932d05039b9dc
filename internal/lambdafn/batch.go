package lambdafn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"jobline/internal/queue"
	"jobline/internal/worker"
)

// Processor processes one message; *worker.Engine is one.
type Processor interface {
	Process(ctx context.Context, m queue.Message) worker.Result
}

// Defaults of BatchConfig.
const (
	DefaultConcurrency    = 4
	DefaultMinRemaining   = 15 * time.Second
	DefaultStopMargin     = 3 * time.Second
	DefaultUnstartedDelay = 1 * time.Second
)

// BatchConfig configures a Batch.
type BatchConfig struct {
	// Engine processes each record. Required.
	Engine Processor
	// Queue is the jobs queue, used to make unstarted records visible again
	// soon. Required.
	Queue queue.Queue
	// Receipts turns a record's event source and receipt handle into the
	// Queue's receipt handle; *sqsqueue.Queue is one. Required.
	Receipts Receipts
	// Concurrency is how many records of a batch run at once. Default:
	// DefaultConcurrency.
	Concurrency int
	// MinRemaining: a record is not started when less time than this is
	// left before the invocation's deadline; it is reported as a failure
	// and comes back after UnstartedDelay. Default: DefaultMinRemaining.
	MinRemaining time.Duration
	// StopMargin ends the engine's context this long before the
	// invocation's deadline, so that running records can leave their
	// messages to be redelivered and the response still gets out.
	// Default: DefaultStopMargin.
	StopMargin time.Duration
	// UnstartedDelay is when an unstarted record becomes visible again.
	// Default: DefaultUnstartedDelay.
	UnstartedDelay time.Duration
	// Logger. Default: slog.Default().
	Logger *slog.Logger
}

// Receipts converts the receipt handle of a record that an SQS event
// source received from the queue eventSourceARN into a queue.Queue's
// receipt handle. *sqsqueue.Queue implements it.
type Receipts interface {
	ReceiptHandle(eventSourceARN, receiptHandle string) (string, error)
}

// Batch runs the records of an SQS event through the engine.
type Batch struct {
	cfg BatchConfig
}

// NewBatch checks cfg and fills its defaults.
func NewBatch(cfg BatchConfig) (*Batch, error) {
	if cfg.Engine == nil || cfg.Queue == nil || cfg.Receipts == nil {
		return nil, errors.New("lambdafn batch: Engine, Queue and Receipts are required")
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.MinRemaining == 0 {
		cfg.MinRemaining = DefaultMinRemaining
	}
	if cfg.StopMargin == 0 {
		cfg.StopMargin = DefaultStopMargin
	}
	if cfg.UnstartedDelay == 0 {
		cfg.UnstartedDelay = DefaultUnstartedDelay
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Concurrency < 1 || cfg.MinRemaining < 0 || cfg.StopMargin < 0 || cfg.UnstartedDelay < 0 {
		return nil, fmt.Errorf("lambdafn batch: Concurrency must be >= 1 (got %d) and durations positive", cfg.Concurrency)
	}
	return &Batch{cfg: cfg}, nil
}

// Message converts an SQS record into the queue.Message the engine takes.
func (b *Batch) Message(r events.SQSMessage) (queue.Message, error) {
	handle, err := b.cfg.Receipts.ReceiptHandle(r.EventSourceARN, r.ReceiptHandle)
	if err != nil {
		return queue.Message{}, fmt.Errorf("record %s: %w", r.MessageId, err)
	}
	m := queue.Message{ID: r.MessageId, Body: r.Body, ReceiptHandle: handle}
	m.ReceiveCount, _ = strconv.Atoi(r.Attributes["ApproximateReceiveCount"])
	if ms, err := strconv.ParseInt(r.Attributes["SentTimestamp"], 10, 64); err == nil {
		m.SentAt = time.UnixMilli(ms).UTC()
	}
	if a, ok := r.MessageAttributes["Priority"]; ok && a.StringValue != nil {
		m.Priority, _ = strconv.Atoi(*a.StringValue)
	}
	return m, nil
}

// Handle processes the batch's records concurrently and reports as batch
// item failures exactly the records whose messages must come back: those
// the engine kept (retries, deferrals, transient errors) and those not
// started for lack of time. Records the engine deleted or dead-lettered are
// successes, so the event source mapping deletes them.
func (b *Batch) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline {
		runCtx, cancel = context.WithDeadline(ctx, deadline.Add(-b.cfg.StopMargin))
	}
	defer cancel()

	failed := make([]bool, len(ev.Records))
	sem := make(chan struct{}, b.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, rec := range ev.Records {
		m, err := b.Message(rec)
		if err != nil {
			b.cfg.Logger.ErrorContext(ctx, "cannot process record", "messageId", rec.MessageId, "error", err)
			failed[i] = true
			continue
		}
		sem <- struct{}{}
		if hasDeadline && time.Until(deadline) < b.cfg.MinRemaining {
			<-sem
			b.unstarted(ctx, m)
			failed[i] = true
			continue
		}
		wg.Add(1)
		go func(i int, m queue.Message) {
			defer wg.Done()
			defer func() { <-sem }()
			res := b.cfg.Engine.Process(runCtx, m)
			failed[i] = res.Disposition == worker.RedeliverLater
			b.cfg.Logger.InfoContext(ctx, "record processed", "messageId", m.ID, "jobId", res.JobID,
				"attempt", res.Attempt, "status", res.Status, "disposition", res.Disposition.String(), "reason", res.Reason)
		}(i, m)
	}
	wg.Wait()

	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for i, f := range failed {
		if f {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	return resp, nil
}

// unstarted makes a record that will not run in this invocation visible
// again soon, instead of after the queue's long visibility timeout.
func (b *Batch) unstarted(ctx context.Context, m queue.Message) {
	b.cfg.Logger.WarnContext(ctx, "too little time left; record not started", "messageId", m.ID)
	if err := b.cfg.Queue.ChangeVisibility(ctx, m.ReceiptHandle, b.cfg.UnstartedDelay); err != nil {
		b.cfg.Logger.WarnContext(ctx, "could not make the unstarted record visible again", "messageId", m.ID, "error", err)
	}
}
