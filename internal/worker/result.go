package worker

import (
	"fmt"
	"time"

	"jobline/internal/jobs"
)

// Disposition tells the caller of Process what to do with the message.
type Disposition int

const (
	// AckMessage: the message is done with; acknowledge it. The dev pool
	// deletes it; the Lambda reports success, so the event source mapping
	// deletes it.
	AckMessage Disposition = iota + 1
	// RedeliverLater: leave the message in the queue; the engine already
	// set when it comes back. The Lambda reports it in batchItemFailures;
	// the dev pool does nothing.
	RedeliverLater
	// MessageMoved: the engine already moved the message to the dead-letter
	// queue; the caller does nothing more and the Lambda reports success.
	MessageMoved
)

var dispositionNames = [...]string{AckMessage: "ack", RedeliverLater: "redeliver later", MessageMoved: "moved"}

// String names the disposition for logs.
func (d Disposition) String() string {
	if d > 0 && int(d) < len(dispositionNames) {
		return dispositionNames[d]
	}
	return fmt.Sprintf("disposition(%d)", int(d))
}

// Result is the outcome of one Process call.
type Result struct {
	// Disposition says what the caller does with the message.
	Disposition Disposition
	// JobID is the message's job ("" for an unparseable body).
	JobID string
	// Status is the job's status as the engine last saw it ("" if unknown).
	Status jobs.Status
	// Attempt is the job's attempt as the engine last saw it.
	Attempt int
	// Ran reports whether a handler ran.
	Ran bool
	// VisibleAfter is, for RedeliverLater, when the message comes back (0:
	// at once); negative when that is unknown (the visibility change
	// failed: after the message's current visibility timeout).
	VisibleAfter time.Duration
	// Reason says in a few words why the message got its disposition.
	Reason string
	// Err is the error behind the disposition, if any (already logged).
	Err error
}
