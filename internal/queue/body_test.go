package queue

import (
	"encoding/json"
	"errors"
	"testing"
)

// bodySeeds are message bodies of every form: Encode's, other spellings
// of the same JSON, and bodies that are not job messages.
var bodySeeds = []string{
	JobMessage{JobID: "j1"}.Encode(),
	JobMessage{JobID: "j1", JobType: "echo"}.Encode(),
	JobMessage{JobID: "j1", JobType: "echo", DeadLetterVersion: 7}.Encode(),
	JobMessage{JobID: "j1", DeadLetterVersion: 123456789012345678}.Encode(),
	`{"jobType":"echo","jobId":"j1"}`,
	`{ "jobId" : "j1" }`,
	`{"JOBID":"j1"}`,
	`{"jobId":"j\u00e9"}`,
	`{"jobId":"j\"1"}`,
	"{\"jobId\":\"j\xff\"}",
	"{\"jobId\":\"j\x01\"}",
	`{"jobId":"j1","deadLetterVersion":0}`,
	`{"jobId":"j1","deadLetterVersion":-1}`,
	`{"jobId":"j1","deadLetterVersion":1e3}`,
	`{"jobId":"j1","deadLetterVersion":99999999999999999999}`,
	`{"jobId":"j1","jobType":""}`,
	`{"jobId":"j1"}x`,
	`{"jobId":""}`,
	`{"jobId":"j1"`,
	`not json`,
	``,
}

// decodeSlow is DecodeJobMessage without its fast path.
func decodeSlow(body string) (JobMessage, error) {
	var m JobMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return JobMessage{}, err
	}
	if m.JobID == "" {
		return JobMessage{}, ErrBadBody
	}
	return m, nil
}

// checkDecode: whatever the fast path accepts, encoding/json reads the
// same way; DecodeJobMessage agrees with encoding/json on every body.
func checkDecode(t *testing.T, body string) {
	slow, slowErr := decodeSlow(body)
	if fast, ok := decodeEncoded(body); ok && (slowErr != nil || fast != slow) {
		t.Fatalf("fast path read %q as %+v; encoding/json: %+v, %v", body, fast, slow, slowErr)
	}
	got, err := DecodeJobMessage(body)
	if (err != nil) != (slowErr != nil) || got != slow {
		t.Fatalf("DecodeJobMessage(%q) = %+v, %v; encoding/json: %+v, %v", body, got, err, slow, slowErr)
	}
	if err != nil && !errors.Is(err, ErrBadBody) {
		t.Fatalf("DecodeJobMessage(%q): %v does not wrap ErrBadBody", body, err)
	}
}

func TestDecodeJobMessageAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, body := range bodySeeds {
		checkDecode(t, body)
	}
	for _, m := range []JobMessage{{JobID: "j1"}, {JobID: "a", JobType: "b", DeadLetterVersion: 1}} {
		if _, ok := decodeEncoded(m.Encode()); !ok {
			t.Errorf("fast path refused Encode's %q", m.Encode())
		}
	}
}

func FuzzDecodeJobMessage(f *testing.F) {
	for _, body := range bodySeeds {
		f.Add(body)
	}
	f.Fuzz(checkDecode)
}
