package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"unicode/utf8"

	"jobline/internal/jobs"
)

// FuzzParseCreateRequest feeds the create-request parser arbitrary bodies
// (seed corpus: testdata/fuzz/FuzzParseCreateRequest). Every rejection is
// a 400 with a code; every body it accepts is UTF-8 JSON without repeated
// keys or deep nesting, whose fields are in range and mean what
// encoding/json reads, and whose canonical hash can be taken.
func FuzzParseCreateRequest(f *testing.F) {
	for _, seed := range []string{
		`{"jobType":"echo"}`,
		`{"jobType":"sleep","parameters":{"seconds":3},"priority":10,"maxAttempts":25,"delaySeconds":900}`,
		`{"jobType":"nosuch","jobType":"echo"}`,
		`{"jobType":"echo","parameters":{"a":[{"b":1,"b":2}]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseCreateRequest(body)
		if err != nil {
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Code == "" {
				t.Fatalf("rejection of %q is %v, want a 400 with a code", body, err)
			}
			return
		}
		if !utf8.Valid(body) || checkJSON(body) != nil || checkJSON(req.Parameters) != nil || !isObject(req.Parameters) {
			t.Fatalf("accepted %q: invalid UTF-8, repeated keys, deep nesting or parameters %q not an object", body, req.Parameters)
		}
		var plain struct {
			JobType string `json:"jobType"`
		}
		if err := json.Unmarshal(body, &plain); err != nil || plain.JobType != req.JobType || req.JobType == "" {
			t.Fatalf("accepted %q as jobType %q; encoding/json reads %q (%v)", body, req.JobType, plain.JobType, err)
		}
		if req.Priority < 0 || req.Priority > jobs.MaxPriority || req.MaxAttempts < jobs.MinMaxAttempts ||
			req.MaxAttempts > jobs.MaxMaxAttempts || req.DelaySeconds < 0 || req.DelaySeconds > jobs.MaxDelaySeconds {
			t.Fatalf("accepted %q with fields out of range: %+v", body, req)
		}
		if _, err := req.hash(); err != nil {
			t.Fatalf("accepted %q but cannot hash it: %v", body, err)
		}
	})
}
