// Package queue is the seam between Jobline and its message queue: the
// Queue interface, an in-memory queue that behaves like SQS (visibility
// timeout, receive count, delete by receipt handle, delays, redrive to a
// dead-letter queue, priority), and the message body the engine sends.
package queue

import (
	"context"
	"errors"
	"time"
)

// Errors returned (wrapped) by every Queue.
var (
	// ErrInvalidReceipt: the receipt handle is unknown or stale (the
	// message was deleted, or received again by someone else).
	ErrInvalidReceipt = errors.New("invalid receipt handle")
	// ErrInvalidRequest: the request breaks the queue's limits (delay over
	// 15 minutes, empty body, ...).
	ErrInvalidRequest = errors.New("invalid queue request")
)

// Limits shared by every implementation; they are SQS's.
const (
	MaxDelay      = 15 * time.Minute
	MaxVisibility = 12 * time.Hour
	MaxBatch      = 10
)

// Message is a received message.
type Message struct {
	ID            string
	Body          string
	ReceiptHandle string // valid until the message is received again
	ReceiveCount  int    // how many times it was received, this time included
	Priority      int
	SentAt        time.Time
}

// SendRequest is one message to send.
type SendRequest struct {
	Body     string
	Priority int           // > 0 is delivered before 0; higher first
	Delay    time.Duration // 0..MaxDelay
}

// ReceiveRequest asks for messages.
type ReceiveRequest struct {
	Max        int           // 1..MaxBatch
	Visibility time.Duration // 0: the queue's default visibility timeout
	Wait       time.Duration // long poll: how long to wait for a first message
}

// Queue is a work queue with SQS semantics: a received message stays
// invisible for its visibility timeout and comes back unless deleted; a
// message received more than the queue's maxReceiveCount times moves to the
// dead-letter queue.
type Queue interface {
	// Send enqueues messages (batched where the backend allows) and
	// returns their IDs in order.
	Send(ctx context.Context, reqs ...SendRequest) ([]string, error)
	// Receive returns up to r.Max visible messages, highest priority first,
	// oldest first within a priority.
	Receive(ctx context.Context, r ReceiveRequest) ([]Message, error)
	// Delete acknowledges a message.
	Delete(ctx context.Context, receiptHandle string) error
	// ChangeVisibility makes a received message visible again after d
	// (0: now). The engine uses it for retry backoff and heartbeats.
	ChangeVisibility(ctx context.Context, receiptHandle string, d time.Duration) error
	// DeadLetter moves a received message to the dead-letter queue now:
	// the copy there has m.Body (which the caller may have rewritten) and
	// m.Priority; the original is deleted.
	DeadLetter(ctx context.Context, m Message) error
	// MaxReceiveCount is the redrive policy's maxReceiveCount (0: none).
	MaxReceiveCount() int
	// DeadLetters is the queue's dead-letter queue.
	DeadLetters() DeadLetterQueue
	// Stats counts the messages of each queue that jobs are sent to (the
	// default queue, and the high-priority one where there is one), for
	// operators.
	Stats(ctx context.Context) ([]Stats, error)
}

// DeadLetterQueue is what operators see of the dead-letter queue.
type DeadLetterQueue interface {
	// Receive returns up to r.Max dead-lettered messages, keeping them
	// invisible for r.Visibility so a listing does not see one twice.
	Receive(ctx context.Context, r ReceiveRequest) ([]Message, error)
	// Redrive moves a received dead-lettered message back to its source
	// queue with the same body and priority, as a fresh message.
	Redrive(ctx context.Context, m Message) error
	// Delete removes a received dead-lettered message.
	Delete(ctx context.Context, receiptHandle string) error
	// Release makes received dead-lettered messages visible again at once
	// (a listing is done with them). Receipts of messages already deleted
	// or moved are ignored.
	Release(ctx context.Context, receiptHandles ...string) error
	// Send puts a message straight into the dead-letter queue (the
	// reconciler's record of a job whose worker died on its last attempt,
	// so operators find it there). r.Delay must be 0.
	Send(ctx context.Context, r SendRequest) error
	// Depth returns about how many messages the dead-letter queue holds.
	Depth(ctx context.Context) (int, error)
	// Stats counts the dead-letter queue's messages, for operators.
	Stats(ctx context.Context) (Stats, error)
}

// Role says what a queue is for.
type Role string

// Roles of the queues.
const (
	RoleJobs       Role = "jobs"        // the jobs queue (priority 0, or every priority when there is one queue)
	RoleHigh       Role = "high"        // the high-priority jobs queue, drained first
	RoleDeadLetter Role = "dead-letter" // the dead-letter queue
)

// Stats counts one queue's messages as SQS's approximate attributes do:
// an operator's view, not exact while messages move.
type Stats struct {
	// Name is the queue's name (the last segment of an SQS queue URL).
	Name string
	// Role is what the queue is for.
	Role Role
	// Visible messages can be received now; InFlight ones were received
	// and not yet deleted (their visibility timeout runs); Delayed ones
	// were sent with a delay that has not passed yet.
	Visible, InFlight, Delayed int
	// OldestAge is how long ago the oldest message still in the queue was
	// sent, when OldestKnown. SQS's API does not tell it (CloudWatch's
	// ApproximateAgeOfOldestMessage does; see cloudwatchmetrics), so an
	// SQS queue leaves it unknown.
	OldestAge   time.Duration
	OldestKnown bool
}

// Total is every message the queue holds: visible, in flight and delayed.
func (s Stats) Total() int { return s.Visible + s.InFlight + s.Delayed }
