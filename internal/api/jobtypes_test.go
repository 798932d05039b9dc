package api_test

import (
	"net/http"
	"strings"
	"testing"

	"jobline/internal/api"
)

func TestListJobTypes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.do(t, request{method: "GET", path: "/job-types", user: "alice"})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, body %s", w.Code, w.Body)
	}
	want := `{"jobTypes":[{"name":"echo","description":"returns its parameters","timeoutSeconds":300,"parameters":null},` +
		`{"name":"sleep","description":"sleeps","timeoutSeconds":90,"parameters":[{"name":"seconds","kind":"integer"}]}]}` + "\n"
	if got := w.Body.String(); got != want {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}

	wantError(t, b.do(t, request{method: "GET", path: "/job-types"}), http.StatusUnauthorized, api.CodeUnauthorized)
	w = b.do(t, request{method: "POST", path: "/job-types", user: "alice"})
	wantError(t, w, http.StatusMethodNotAllowed, api.CodeMethodNotAllowed)
	if got := w.Header().Get("Allow"); got != "GET, HEAD" {
		t.Errorf("Allow = %q", got)
	}
}

// Without Config.JobTypes no type is listed, and a 422 names none.
func TestWithoutJobTypes(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *api.Config) { c.JobTypes = nil })
	w := b.do(t, request{method: "GET", path: "/job-types", user: "alice"})
	if w.Code != http.StatusOK || w.Body.String() != `{"jobTypes":[]}`+"\n" {
		t.Errorf("GET /job-types: %d %s, want an empty list", w.Code, w.Body)
	}
	w = b.do(t, request{method: "POST", path: "/jobs", user: "alice", body: `{"jobType":"nope"}`})
	if e := wantError(t, w, http.StatusUnprocessableEntity, api.CodeUnknownJobType); e.Error.Message != `unknown job type "nope"` {
		t.Errorf("message %q", e.Error.Message)
	}
}

func TestUnknownJobTypeNamesTheValidTypes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.do(t, request{method: "POST", path: "/jobs", user: "alice", body: `{"jobType":"mine-bitcoin"}`})
	e := wantError(t, w, http.StatusUnprocessableEntity, api.CodeUnknownJobType)
	if want := `unknown job type "mine-bitcoin"; valid types: echo, sleep`; e.Error.Message != want {
		t.Errorf("message %q, want %q", e.Error.Message, want)
	}
}

// A 401 says what to send: behind HeaderIdentity (the dev server), the
// X-User-Id header; otherwise (a route that lost its authorizer), to sign in.
func TestUnauthorizedSaysWhatToSend(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name    string
		headers map[string]string
		want    []string
	}{
		{"no header", nil, []string{"no identity", "send the X-User-Id header", "1..256 printable ASCII"}},
		{"blank header", map[string]string{api.UserHeader: "  "}, []string{"no identity", "send the X-User-Id header"}},
		{"invalid header", map[string]string{api.UserHeader: "al\x01ice"}, []string{"invalid X-User-Id header", "1..256 printable ASCII"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := wantError(t, b.do(t, request{method: "GET", path: "/jobs", headers: tt.headers}), http.StatusUnauthorized, api.CodeUnauthorized)
			for _, part := range tt.want {
				if !strings.Contains(e.Error.Message, part) {
					t.Errorf("message %q does not say %q", e.Error.Message, part)
				}
			}
		})
	}

	t.Run("without HeaderIdentity", func(t *testing.T) {
		t.Parallel()
		h, err := api.New(api.Config{Store: b.store, Queue: b.queue, ValidateJob: validateJob, JobTypes: jobTypes})
		if err != nil {
			t.Fatal(err)
		}
		bare := &bundle{handler: h}
		e := wantError(t, bare.do(t, request{method: "GET", path: "/jobs", user: "alice"}), http.StatusUnauthorized, api.CodeUnauthorized)
		if e.Error.Message != "no identity: sign in first" {
			t.Errorf("message %q", e.Error.Message)
		}
	})
}
