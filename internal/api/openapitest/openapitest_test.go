package openapitest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"jobline/internal/api/openapitest"
)

const job = `{"id":"j1","jobType":"echo","status":"queued","progress":0,"errorMessage":null,"parameters":{},` +
	`"result":null,"priority":0,"attempt":0,"maxAttempts":3,"createdAt":"2030-01-02T03:04:05.000Z",` +
	`"updatedAt":"2030-01-02T03:04:05.000Z","completedAt":null,"attempts":[]}`

func headers(kv ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// The checker accepts what the API really answers and rejects each way an
// answer can break the contract, so the API tests that use it can fail.
func TestCheck(t *testing.T) {
	t.Parallel()
	c := openapitest.Shared(t)
	tests := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		wantErr            string // "" for a valid answer
	}{
		{"created job", "POST", "/jobs", 201, headers("Location", "/jobs/j1", "ETag", `"1"`), job, ""},
		{"created job under /api", "POST", "/api/jobs", 201, headers("Location", "/jobs/j1", "ETag", `"1"`, "Retry-After", "2"), job, ""},
		{"created job without Location", "POST", "/jobs", 201, headers("ETag", `"1"`), job, "Location"},
		{"poll hint not in seconds", "GET", "/jobs/j1", 200, headers("ETag", `"1"`, "Retry-After", "soon"), job, "Retry-After"},
		{"job without a field", "GET", "/jobs/j1", 200, headers("ETag", `"1"`), strings.Replace(job, `"progress":0,`, "", 1), "progress"},
		{"job with an extra field", "GET", "/jobs/j1", 200, headers("ETag", `"1"`), strings.Replace(job, `"progress":0,`, `"progress":0,"owner":"alice",`, 1), "owner"},
		{"progress out of range", "GET", "/jobs/j1", 200, headers("ETag", `"1"`), strings.Replace(job, `"progress":0`, `"progress":101`, 1), "progress"},
		{"time without milliseconds", "GET", "/jobs/j1", 200, headers("ETag", `"1"`), strings.Replace(job, `05.000Z","updatedAt`, `05Z","updatedAt`, 1), "createdAt"},
		{"not modified", "GET", "/jobs/j1", 304, http.Header{"Etag": {`"1"`}}, "", ""},
		{"not modified with a body", "GET", "/jobs/j1", 304, http.Header{"Etag": {`"1"`}}, job, "body"},
		{"not modified without ETag", "GET", "/jobs/j1", 304, http.Header{}, "", "ETag"},
		{"undocumented status", "GET", "/jobs", 418, headers(), `{"error":{"code":"internal","message":"x"}}`, "status"},
		{"job not found", "GET", "/jobs/j1", 404, headers(), `{"error":{"code":"job_not_found","message":"job not found"}}`, ""},
		{"wrong code for the status", "GET", "/jobs/j1", 404, headers(), `{"error":{"code":"not_found","message":"job not found"}}`, "job_not_found"},
		{"unknown code", "POST", "/jobs", 400, headers(), `{"error":{"code":"bad","message":"x"}}`, "code"},
		{"empty message", "POST", "/jobs", 400, headers(), `{"error":{"code":"invalid_json","message":""}}`, "message"},
		{"gateway's 401", "GET", "/jobs", 401, headers(), `{"message":"Unauthorized"}`, ""},
		{"unavailable without Retry-After", "GET", "/jobs", 503, headers(), `{"error":{"code":"unavailable","message":"busy"}}`, "Retry-After"},
		{"unknown path", "GET", "/nope", 404, headers(), `{"error":{"code":"not_found","message":"no such route: /nope"}}`, ""},
		{"unknown path answered 200", "GET", "/nope", 200, headers(), `{}`, "404"},
		{"other method", "DELETE", "/jobs", 405, headers("Allow", "GET, HEAD, POST"), `{"error":{"code":"method_not_allowed","message":"x"}}`, ""},
		{"other method without Allow", "DELETE", "/jobs", 405, headers(), `{"error":{"code":"method_not_allowed","message":"x"}}`, "Allow"},
		{"other method on a hidden path", "DELETE", "/jobs", 404, headers(), `{"error":{"code":"not_found","message":"no such route: /jobs"}}`, ""},
		{"other method answered 200", "DELETE", "/jobs", 200, headers(), job, "405"},
		{"attempts of a job", "GET", "/jobs/j1", 200, headers("ETag", `"1"`), strings.Replace(job, `"attempts":[]`,
			`"attempts":[{"attempt":1,"startedAt":"2030-01-02T03:04:05.000Z","endedAt":null,"outcome":"running","error":null}]`, 1), ""},
		{"attempt of an unknown outcome", "GET", "/jobs/j1", 200, headers("ETag", `"1"`), strings.Replace(job, `"attempts":[]`,
			`"attempts":[{"attempt":1,"startedAt":"2030-01-02T03:04:05.000Z","endedAt":null,"outcome":"lost","error":null}]`, 1), "outcome"},
		{"job types", "GET", "/job-types", 200, headers(), `{"jobTypes":[{"name":"echo","description":"","timeoutSeconds":300,"parameters":null},` +
			`{"name":"sleep","description":"sleeps","timeoutSeconds":60,"parameters":[{"name":"seconds","kind":"integer"}]}]}`, ""},
		{"job type parameter of an unknown kind", "GET", "/job-types", 200, headers(), `{"jobTypes":[{"name":"sleep","description":"","timeoutSeconds":60,"parameters":[{"name":"seconds","kind":"int"}]}]}`, "kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, tt.path, nil)
			err := c.Check(r, tt.status, tt.header, []byte(tt.body))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("valid answer rejected: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("invalid answer accepted, want an error about %s", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("error %q does not mention %s", err, tt.wantErr)
			}
		})
	}
}

// Handler checks the answers of a wrapped handler and passes them on.
func TestHandlerPassesTheAnswerOn(t *testing.T) {
	t.Parallel()
	c := openapitest.Shared(t)
	h := c.Handler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte(`{"error":{"code":"method_not_allowed","message":"no"}}`))
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("PUT", "/jobs/j1", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" || !strings.Contains(w.Body.String(), "method_not_allowed") {
		t.Errorf("answer changed: %d %v %s", w.Code, w.Header(), w.Body)
	}
}
