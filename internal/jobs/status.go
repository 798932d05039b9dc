// Package jobs is Jobline's domain: job statuses and the transition table,
// Job and Asset, the errors that callers branch on, and the Store seam
// whose operations are the named transitions of the lifecycle.
//
// The lifecycle (docs/design.md):
//
//	            claim                 finish
//	queued ───────────────> processing ──────────> completed | partial | failed
//	  │  ▲                  │   ▲  │                                       │
//	  │  │                  │   └──┘ progress, retry wait, reclaim        │
//	  │  └──────────────────┼────────────────────────────────────── redrive (dead-lettered only)
//	  │       cancel        │ cancel
//	  ├────────> canceled <─┘
//	  │
//	  └──────────────────────────────────────────────> completed
//	     a quick run: claim and finish in one write (FinishUnclaimed)
//
// Every transition is checked and applied by the Store in one atomic
// operation (one conditional write in DynamoDB); callers never read, decide
// and then write.
package jobs

// Status is the lifecycle state of a job.
type Status string

const (
	// StatusQueued: the job is recorded and waits for a worker.
	StatusQueued Status = "queued"
	// StatusProcessing: a worker holds the job's lease and runs it, or the
	// job waits in processing for its next attempt after a retryable error.
	StatusProcessing Status = "processing"
	// StatusCompleted: the handler succeeded. Final.
	StatusCompleted Status = "completed"
	// StatusPartial: the handler finished with some items done and some
	// failed. Final.
	StatusPartial Status = "partial"
	// StatusFailed: attempts were exhausted or the error was permanent.
	// Final, except that an operator may redrive a dead-lettered job.
	StatusFailed Status = "failed"
	// StatusCanceled: the owner canceled the job. Final.
	StatusCanceled Status = "canceled"
)

// Statuses lists every status in lifecycle order.
func Statuses() []Status {
	return []Status{StatusQueued, StatusProcessing, StatusCompleted, StatusPartial, StatusFailed, StatusCanceled}
}

// Valid reports whether s is one of the statuses of Statuses.
func (s Status) Valid() bool {
	for _, known := range Statuses() {
		if s == known {
			return true
		}
	}
	return false
}

// Final reports whether no worker will touch a job in status s again:
// completed, partial, canceled and failed (a failed job only moves again by
// an operator's redrive).
func (s Status) Final() bool {
	switch s {
	case StatusCompleted, StatusPartial, StatusFailed, StatusCanceled:
		return true
	}
	return false
}

// transitions is the lifecycle table of docs/design.md: from -> allowed to.
// Stores encode the same table in their conditions; the conformance suite
// checks every status x status pair against it.
var transitions = map[Status][]Status{
	StatusQueued:     {StatusProcessing, StatusCompleted, StatusCanceled},
	StatusProcessing: {StatusProcessing, StatusCompleted, StatusPartial, StatusFailed, StatusCanceled},
	StatusFailed:     {StatusQueued},
}

// CanTransition reports whether the lifecycle allows a job to move from one
// status to another.
func CanTransition(from, to Status) bool {
	for _, allowed := range transitions[from] {
		if allowed == to {
			return true
		}
	}
	return false
}
