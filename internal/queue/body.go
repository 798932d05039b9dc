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
