package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
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

// DecodeJobMessage parses a body sent by Encode. The exact form Encode
// writes is read without encoding/json (decodeEncoded: a worker decodes
// every message, and encoding/json was a tenth of a no-op job's cost); any
// other spelling of the same JSON goes through encoding/json.
func DecodeJobMessage(body string) (JobMessage, error) {
	if m, ok := decodeEncoded(body); ok {
		return m, nil
	}
	var m JobMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return JobMessage{}, fmt.Errorf("%w: %v", ErrBadBody, err)
	}
	if m.JobID == "" {
		return JobMessage{}, fmt.Errorf("%w: no jobId", ErrBadBody)
	}
	return m, nil
}

// decodeEncoded reads the form Encode writes,
// {"jobId":"…"[,"jobType":"…"][,"deadLetterVersion":N]}, whose strings hold
// no escape, control character or invalid UTF-8 (a job's ID and type do
// not). It reports false for anything else, which encoding/json then reads
// (or rejects): for every body it accepts, it returns what encoding/json
// would.
func decodeEncoded(body string) (JobMessage, bool) {
	var m JobMessage
	rest, ok := strings.CutPrefix(body, `{"jobId":"`)
	if !ok {
		return JobMessage{}, false
	}
	if m.JobID, rest, ok = cutPlainString(rest); !ok || m.JobID == "" {
		return JobMessage{}, false
	}
	if after, found := strings.CutPrefix(rest, `,"jobType":"`); found {
		if m.JobType, rest, ok = cutPlainString(after); !ok || m.JobType == "" {
			return JobMessage{}, false
		}
	}
	if after, found := strings.CutPrefix(rest, `,"deadLetterVersion":`); found {
		end := strings.IndexByte(after, '}')
		if end < 1 || end > 18 || after[0] < '1' || after[0] > '9' {
			return JobMessage{}, false
		}
		v, err := strconv.ParseInt(after[:end], 10, 64)
		if err != nil {
			return JobMessage{}, false
		}
		m.DeadLetterVersion, rest = v, after[end:]
	}
	return m, rest == "}"
}

// cutPlainString cuts s at its first quote: the string before it, which
// must need no decoding (no backslash or control character, valid UTF-8),
// and the rest after it.
func cutPlainString(s string) (value, rest string, ok bool) {
	end := strings.IndexByte(s, '"')
	if end < 0 {
		return "", "", false
	}
	value = s[:end]
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 || c == '\\' {
			return "", "", false
		}
	}
	return value, s[end+1:], utf8.ValidString(value)
}
