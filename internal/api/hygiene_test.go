package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"jobline/internal/api"
)

// nested returns a create body whose parameters nest depth - 1 objects
// deep, so that the body's own depth is depth.
func nested(depth int) string {
	inner := strings.Repeat(`{"a":`, depth-1) + `1` + strings.Repeat(`}`, depth-1)
	return `{"jobType":"echo","parameters":` + inner + `}`
}

// TestCreateJobInputHygiene: what encoding/json lets through but a job
// must not hold is a 400 that writes nothing: invalid UTF-8 anywhere, a
// key twice in one object at any depth (encoding/json would keep the last:
// the first case would create an echo job), nesting deeper than 32.
func TestCreateJobInputHygiene(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		code string // "" for 201 Created
	}{
		{"duplicate jobType", `{"jobType":"nosuch","jobType":"echo"}`, api.CodeInvalidRequest},
		{"duplicate key in parameters", `{"jobType":"echo","parameters":{"a":1,"a":2}}`, api.CodeInvalidRequest},
		{"duplicate key deep in an array", `{"jobType":"echo","parameters":{"x":[1,{"k":1,"k":2}]}}`, api.CodeInvalidRequest},
		{"duplicate key spelt with an escape", `{"jobType":"echo","parameters":{"a":1,"\u0061":2}}`, api.CodeInvalidRequest},
		{"same key in sibling objects", `{"jobType":"echo","parameters":{"a":{"a":1},"b":{"a":2},"c":[{"a":3},{"a":4}]}}`, ""},
		{"keys differing in case", `{"jobType":"echo","parameters":{"a":1,"A":2}}`, ""},
		{"invalid UTF-8 in parameters", "{\"jobType\":\"echo\",\"parameters\":{\"s\":\"\xff\xfe\"}}", api.CodeInvalidJSON},
		{"invalid UTF-8 in a key", "{\"jobType\":\"echo\",\"parameters\":{\"\xc3\":1}}", api.CodeInvalidJSON},
		{"invalid UTF-8 in jobType", "{\"jobType\":\"ech\xf0\"}", api.CodeInvalidJSON},
		{"valid UTF-8", `{"jobType":"echo","parameters":{"s":"café ☕ 𝄞"}}`, ""},
		{"nesting of 32", nested(32), ""},
		{"nesting of 33", nested(33), api.CodeInvalidRequest},
		{"nesting of 9999", nested(9999), api.CodeInvalidRequest},
		{"arrays nesting of 33", `{"jobType":"echo","parameters":{"a":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}}`, api.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			w := b.do(t, request{method: "POST", path: "/jobs", user: "alice", body: tt.body})
			if tt.code == "" {
				if w.Code != http.StatusCreated {
					t.Fatalf("status %d, want 201; body %s", w.Code, w.Body)
				}
				return
			}
			wantError(t, w, http.StatusBadRequest, tt.code)
			if n, m := b.store.writes.Load(), len(b.queue.Sent()); n != 0 || m != 0 {
				t.Errorf("%d writes and %d sends for a rejected body", n, m)
			}
		})
	}
}

// truncatedBody is what net/http gives a handler when the client sends
// less than its Content-Length and closes the connection.
type truncatedBody struct{ io.Reader }

func (truncatedBody) Close() error { return nil }

// TestCreateJobTruncatedBodyIs400: a body that ends before its
// Content-Length is the client's fault: 400, not 500 internal (and not
// logged as an error).
func TestCreateJobTruncatedBodyIs400(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := newRequest("POST", "/jobs", "alice", "")
	r.Body = truncatedBody{io.MultiReader(strings.NewReader(`{"jobType":"ec`), errReader{io.ErrUnexpectedEOF})}
	r.ContentLength = 100
	w := serve(t, b, r)
	wantError(t, w, http.StatusBadRequest, api.CodeInvalidRequest)
	if b.store.writes.Load() != 0 || strings.Contains(b.logs.String(), `"level":"ERROR"`) {
		t.Errorf("writes %d; logs %s", b.store.writes.Load(), b.logs.String())
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
