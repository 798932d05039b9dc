package jobs

import (
	"encoding/json"
	"time"
)

// Limits of a job's fields, shared by the HTTP API's validation and the
// stores.
const (
	// MaxPriority is the highest priority; 0 is the default and the lowest.
	MaxPriority = 10
	// MinMaxAttempts and MaxMaxAttempts bound Job.MaxAttempts.
	MinMaxAttempts = 1
	MaxMaxAttempts = 25
	// DefaultMaxAttempts is used when a create request gives none.
	DefaultMaxAttempts = 3
	// MaxDelaySeconds is the longest delay a job may ask for (SQS's limit).
	MaxDelaySeconds = 900
	// MaxResultBytes bounds a job's result (its JSON): with parameters of
	// at most 64 KiB (the API's body limit), a bounded history and error
	// message, a job then fits a DynamoDB item (400 KB). The engine fails
	// a job whose result is larger, saying so in its errorMessage; large
	// output belongs in an asset.
	MaxResultBytes = 256 << 10
	// MaxErrorMessageBytes bounds a job's errorMessage; the engine cuts a
	// longer one (Truncate).
	MaxErrorMessageBytes = 4 << 10
)

// Job is one unit of background work and everything Jobline knows about it.
// The fields after CompletedAt are bookkeeping that the HTTP API never shows.
type Job struct {
	ID           string
	Owner        string
	JobType      string
	Status       Status
	Progress     int // 0..100
	ErrorMessage string
	Parameters   json.RawMessage // a JSON object, never nil once created
	Result       json.RawMessage // nil until the handler returns one
	Priority     int
	Attempt      int // attempts started so far; claim adds one
	MaxAttempts  int
	DelaySeconds int
	CreatedAt    time.Time
	UpdatedAt    time.Time
	CompletedAt  time.Time // zero until the job is final

	// Version increases with every write; it is the job's ETag.
	Version int64
	// LeaseToken identifies the current lease holder; empty when no
	// worker holds the job. Fenced writes must present it.
	LeaseToken string
	// LeaseExpiresAt is when another delivery may reclaim a processing
	// job. While a retry waits it is the next attempt time.
	LeaseExpiresAt time.Time
	// NextAttemptAt is when a job waiting for a retry runs again; zero
	// otherwise.
	NextAttemptAt time.Time
	// DeadLettered marks a failed job whose message went to the
	// dead-letter queue; only such a job may be redriven.
	DeadLettered bool
	// SweepAt is when the reconciler should next look at a job that is not
	// final; zero for final jobs.
	SweepAt time.Time
	// IdempotencyKey and RequestHash record the create request that made
	// the job, so a replay can be told from a conflicting reuse.
	IdempotencyKey string
	RequestHash    string
	// History is the job's bounded timeline, oldest first: attempts
	// started and ended, redrives and cancels (see history.go for the
	// bounds and Attempts for the per-attempt view).
	History []Event
}

// Event is an entry of a job's history.
type Event struct {
	At   time.Time
	Type EventType
	// Attempt is the attempt an EventAttemptEnded closes (0 when the
	// writer did not know it).
	Attempt int
	// Outcome is how an attempt ended (EventAttemptEnded only).
	Outcome AttemptOutcome
	// Detail is the error of an ended attempt, or the reason of a redrive
	// or cancel; at most MaxEventDetail bytes.
	Detail string
	// By is who acted (redrive, cancel): an operator's or owner's ID, or a
	// system actor such as "dead-letter queue".
	By string
}

// EventType says what an Event records.
type EventType string

// Event types of a job's history.
const (
	// EventAttemptStarted: a worker claimed the job (Store.Claim).
	EventAttemptStarted EventType = "attempt-started"
	// EventAttemptEnded: the attempt ended (Finish, Retry, Release,
	// FailExpired).
	EventAttemptEnded EventType = "attempt-ended"
	// EventRedrive: an operator (or the console's native DLQ redrive) ran
	// a dead-lettered job again (Store.Redrive).
	EventRedrive EventType = "redrive"
	// EventCancel: the owner or an operator canceled the job.
	EventCancel EventType = "cancel"
)

// AttemptOutcome is how one attempt ended.
type AttemptOutcome string

// Attempt outcomes.
const (
	OutcomeRunning     AttemptOutcome = "running"       // not ended yet
	OutcomeCompleted   AttemptOutcome = "completed"     // Finish completed
	OutcomePartial     AttemptOutcome = "partial"       // Finish partial
	OutcomeFailed      AttemptOutcome = "failed"        // Finish failed (permanent or last attempt)
	OutcomeRetry       AttemptOutcome = "retry"         // Retry: a retryable error, another attempt follows
	OutcomeInterrupted AttemptOutcome = "interrupted"   // the worker shut down during the attempt (Release: it does not count)
	OutcomeLeaseLost   AttemptOutcome = "lease-expired" // the worker stopped; the lease expired (reclaim or FailExpired)
	OutcomeCanceled    AttemptOutcome = "canceled"      // the job was canceled during the attempt
)

// Asset is a file a job produced.
type Asset struct {
	ID          string
	JobID       string
	AssetType   string
	URL         string // may be filled at read time from StoragePath
	StoragePath string
	FileSize    int64
	Metadata    map[string]any
	CreatedAt   time.Time
}
