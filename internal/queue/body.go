package queue

import (
	"encoding/json"
	"errors"
	"fmt"
)

// JobMessage is the body of every message Jobline sends: which job to run.
// The job itself lives in the store; the message only points at it.
type JobMessage struct {
	JobID   string `json:"jobId"`
	JobType string `json:"jobType,omitempty"`
	// DeadLetterVersion is set only on the copy of a message that Jobline
	// puts in the dead-letter queue: the job's version once it was failed
	// and dead-lettered. When such a message comes back (the console's
	// native DLQ redrive), the engine redrives the job if it is still at
	// that version. Any other message for a dead-lettered job is a stale
	// duplicate and is acknowledged without running anything.
	DeadLetterVersion int64 `json:"deadLetterVersion,omitempty"`
}

// Encode returns the message body.
func (m JobMessage) Encode() string {
	b, _ := json.Marshal(m) // two strings cannot fail to marshal
	return string(b)
}

// ErrBadBody: a message body that is not a JobMessage.
var ErrBadBody = errors.New("message body is not a job message")

// DecodeJobMessage parses a body sent by Encode.
func DecodeJobMessage(body string) (JobMessage, error) {
	var m JobMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return JobMessage{}, fmt.Errorf("%w: %v", ErrBadBody, err)
	}
	if m.JobID == "" {
		return JobMessage{}, fmt.Errorf("%w: no jobId", ErrBadBody)
	}
	return m, nil
}
