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
	// History records operator actions (redrives) on the job.
	History []Event
}

// Event is an entry of a job's history.
type Event struct {
	At     time.Time `json:"at"`
	Type   string    `json:"type"`
	Detail string    `json:"detail,omitempty"`
}

// EventRedrive is the history type of an operator's redrive.
const EventRedrive = "redrive"

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
