package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"jobline/internal/api"
	"jobline/internal/jobs"
)

// TestPollHint checks Retry-After on every answer that carries an
// unfinished job (201, 200, 304) and none on a final one: the server's
// estimate of when the job will have changed.
func TestPollHint(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	get := func(id string, headers map[string]string) (int, string) {
		w := b.do(t, request{method: "GET", path: "/jobs/" + id, user: "alice", headers: headers})
		return w.Code, w.Header().Get("Retry-After")
	}
	w := b.do(t, request{method: "POST", path: "/jobs", user: "alice", body: `{"jobType":"echo"}`})
	if w.Code != http.StatusCreated || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("create: %d, Retry-After %q; want 201 with 2 (a worker picks it up)", w.Code, w.Header().Get("Retry-After"))
	}
	var j jobJSON
	decode(t, w, &j)

	b.clock.Advance(20 * time.Second) // a backlog: half the wait so far
	if code, ra := get(j.ID, nil); code != http.StatusOK || ra != "10" {
		t.Errorf("queued 20 s: %d, Retry-After %q; want 10", code, ra)
	}
	// Running: 30% after 3 s, so about 7 s to go (+10% and half a second).
	now := b.clock.Now()
	if _, err := b.mem.Claim(ctx, j.ID, jobs.Claim{LeaseToken: "l", Now: now, LeaseExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(3 * time.Second)
	if _, err := b.mem.Progress(ctx, j.ID, "l", 30, b.clock.Now()); err != nil {
		t.Fatal(err)
	}
	code, ra := get(j.ID, nil)
	if code != http.StatusOK || ra != "9" {
		t.Errorf("30%% after 3 s: %d, Retry-After %q; want 9 (7 s + 10%% + 0.5 s, rounded up)", code, ra)
	}
	w = b.do(t, request{method: "GET", path: "/jobs/" + j.ID, user: "alice"})
	if code, ra := get(j.ID, map[string]string{"If-None-Match": w.Header().Get("ETag")}); code != http.StatusNotModified || ra != "9" {
		t.Errorf("304: %d, Retry-After %q; want the same hint", code, ra)
	}
	if _, err := b.mem.Finish(ctx, j.ID, "l", jobs.Outcome{Status: jobs.StatusCompleted, Now: b.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if code, ra := get(j.ID, nil); code != http.StatusOK || ra != "" {
		t.Errorf("final: %d, Retry-After %q; want none", code, ra)
	}
	w = b.do(t, request{method: "POST", path: "/jobs", user: "alice", body: `{"jobType":"echo","delaySeconds":60}`})
	if ra := w.Header().Get("Retry-After"); ra != "30" {
		t.Errorf("delayed 60 s: Retry-After %q; want the 30 s cap", ra)
	}
}

// TestJSONIsNotHTMLEscaped checks that <, > and & reach the client as they
// are: json.Marshal would make each of them six bytes.
func TestJSONIsNotHTMLEscaped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	j := b.createJob(t, "alice", `{"jobType":"echo","parameters":{"html":"<a href='x'>&</a>"}}`)
	w := b.do(t, request{method: "GET", path: "/jobs/" + j.ID, user: "alice"})
	if !strings.Contains(w.Body.String(), `"parameters":{"html":"<a href='x'>&</a>"}`) {
		t.Errorf("body %s escapes HTML", w.Body)
	}
}

// TestListPageFitsALambdaResponse lists jobs whose bodies would not fit in
// a Lambda response together: 16 jobs of 65 KB of '<' at limit 20 (1 MB
// without HTML escaping, over 6 MB with it), and 100 jobs of 60 KB of
// quotes (each quote two bytes in the body and four once the body is a
// JSON string in the Lambda response), which must be cut into pages whose
// cursors still reach every job once.
func TestListPageFitsALambdaResponse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for range 16 {
		b.createJob(t, "lt", `{"jobType":"echo","parameters":{"s":"`+strings.Repeat("<", 65_000)+`"}}`)
	}
	w := b.do(t, request{method: "GET", path: "/jobs?limit=20", user: "lt"})
	var page struct {
		Jobs       []jobJSON `json:"jobs"`
		NextCursor *string   `json:"nextCursor"`
	}
	decode(t, w, &page)
	if len(page.Jobs) != 16 || page.NextCursor != nil || w.Body.Len() > 6_000_000/5 {
		t.Errorf("'<' jobs: %d jobs, cursor %v, %d bytes; want all 16 in about 1 MB", len(page.Jobs), page.NextCursor, w.Body.Len())
	}

	quotes := `{"jobType":"echo","parameters":{"s":"` + strings.Repeat(`\"`, 30_000) + `"}}`
	for range 100 {
		b.createJob(t, "quotes", quotes)
	}
	seen := map[string]bool{}
	pages := 0
	for cursor := ""; ; pages++ {
		path := "/jobs?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		w := b.do(t, request{method: "GET", path: path, user: "quotes"})
		if w.Code != http.StatusOK {
			t.Fatalf("page %d: %d %s", pages, w.Code, w.Body)
		}
		if size := jsonStringSize(t, w.Body.String()); size > api.MaxListBodyBytes {
			t.Fatalf("page %d is %d bytes as a JSON string, over %d", pages, size, api.MaxListBodyBytes)
		}
		decode(t, w, &page)
		for _, j := range page.Jobs {
			if seen[j.ID] {
				t.Fatalf("job %s listed twice", j.ID)
			}
			seen[j.ID] = true
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if len(seen) != 100 || pages < 2 {
		t.Errorf("listed %d jobs in %d pages; want 100 in several", len(seen), pages+1)
	}
}

// jsonStringSize is the size of s encoded as a JSON string, as a Lambda
// response carries a body.
func jsonStringSize(t *testing.T, s string) int {
	t.Helper()
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return sb.Len() - len("\"\"\n")
}
