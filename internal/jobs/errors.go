package jobs

import (
	"errors"
	"fmt"
)

// Sentinel errors returned (wrapped) by every Store.
var (
	// ErrNotFound: no such job, or it belongs to someone else.
	ErrNotFound = errors.New("job not found")
	// ErrInvalidTransition: the lifecycle does not allow the operation in
	// the job's current status.
	ErrInvalidTransition = errors.New("invalid transition")
	// ErrLeaseLost: the job is processing, but under another lease (it
	// was reclaimed after the caller's lease expired, or waits for a
	// retry). A fenced write to a job that is no longer processing
	// (canceled, finished) is ErrInvalidTransition instead.
	ErrLeaseLost = errors.New("lease lost")
	// ErrIdempotencyConflict: an idempotency key was reused with a
	// different request.
	ErrIdempotencyConflict = errors.New("idempotency key reused with a different request")
	// ErrInvalidCursor: a list cursor that this store did not issue.
	ErrInvalidCursor = errors.New("invalid cursor")
	// ErrUnavailable: the backend is throttling or briefly unavailable, even
	// after the SDK's own retries; the same call may succeed later.
	ErrUnavailable = errors.New("store temporarily unavailable")
	// ErrWriteRejected: the backend refused a write that can never succeed
	// as it is (DynamoDB's ValidationException, such as an item over its
	// 400 KB limit); unlike ErrUnavailable, retrying it is pointless.
	ErrWriteRejected = errors.New("write rejected by the store as invalid")
)

// TransitionError tells why a store rejected an operation. It wraps
// ErrInvalidTransition or ErrLeaseLost (and whatever else the refusing
// rule's error wraps, such as ErrNotRedrivable), and carries the job as the
// store saw it when the condition failed, so that callers can decide what
// to do without a second read.
type TransitionError struct {
	Op      string // the named operation: claim, progress, finish, ...
	JobID   string
	Current Job   // the job as stored when the operation was rejected
	Err     error // the rule's error: wraps ErrInvalidTransition or ErrLeaseLost
}

// Error describes the rejected operation.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("%s job %s (status %s): %v", e.Op, e.JobID, e.Current.Status, e.Err)
}

// Unwrap returns the rule's error.
func (e *TransitionError) Unwrap() error { return e.Err }

// CurrentJob returns the job carried by a TransitionError in err's chain.
func CurrentJob(err error) (Job, bool) {
	var te *TransitionError
	if errors.As(err, &te) {
		return te.Current, true
	}
	return Job{}, false
}

// PermanentError marks a handler error that retrying cannot fix: the job
// fails at once, without using its remaining attempts.
type PermanentError struct{ Err error }

// Permanent wraps err so that the engine fails the job without retrying.
func Permanent(err error) error { return &PermanentError{Err: err} }

// Error returns the wrapped error's message.
func (e *PermanentError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *PermanentError) Unwrap() error { return e.Err }

// PartialError is returned by a handler that finished with some items done
// and some failed: the job ends partial with Result, and is not retried.
type PartialError struct {
	Result any   // marshaled to JSON as the job's result
	Err    error // what went wrong; becomes the job's errorMessage
}

// Partial returns a PartialError carrying result and the failure.
func Partial(result any, err error) error { return &PartialError{Result: result, Err: err} }

// Error returns the failure's message.
func (e *PartialError) Error() string {
	if e.Err == nil {
		return "partial result"
	}
	return e.Err.Error()
}

// Unwrap returns the failure.
func (e *PartialError) Unwrap() error { return e.Err }

// ErrUnknownJobType: no handler is registered for the job type.
var ErrUnknownJobType = errors.New("unknown job type")
