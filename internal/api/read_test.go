package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"jobline/internal/api"
	"jobline/internal/jobs"
)

func TestGetJob(t *testing.T) {
	t.Parallel()
	b := setup(t)
	created := b.createJob(t, "alice", `{"jobType":"echo","parameters":{"msg":"hi"}}`)
	b.clock.Advance(time.Minute)
	b.finish(t, created.ID, jobs.StatusCompleted)

	w := b.do(t, request{method: "GET", path: "/jobs/" + created.ID, user: "alice"})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, body %s", w.Code, w.Body)
	}
	// The exact field set: nothing of owner, lease, version or raw history.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &fields); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"attempt", "attempts", "completedAt", "createdAt", "errorMessage", "id", "jobType", "maxAttempts", "parameters", "priority", "progress", "result", "status", "updatedAt"}
	if !slices.Equal(keys, want) {
		t.Errorf("job fields = %v, want %v", keys, want)
	}
	var j jobJSON
	decode(t, w, &j)
	if j.Status != "completed" || j.Attempt != 1 || string(j.Result) != `{"ok":true}` || string(j.Parameters) != `{"msg":"hi"}` ||
		j.CompletedAt == nil || *j.CompletedAt != "2030-01-02T03:05:05.000Z" || *j.UpdatedAt != "2030-01-02T03:05:05.000Z" {
		t.Errorf("job = %+v", j)
	}
	if a := j.Attempts; len(a) != 1 || a[0].Attempt != 1 || a[0].StartedAt != "2030-01-02T03:05:05.000Z" || a[0].EndedAt == nil ||
		*a[0].EndedAt != "2030-01-02T03:05:05.000Z" || a[0].Outcome != "completed" || a[0].Error != nil {
		t.Errorf("attempts = %+v", j.Attempts)
	}
	if got := w.Header().Get("ETag"); got != `"3"` { // create, claim, finish
		t.Errorf("ETag = %q, want \"3\"", got)
	}
	if got := w.Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", got)
	}
}

func TestGetJobConditional(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		ifNoneMatch string
		want        int
	}{
		{"current tag", `"1"`, http.StatusNotModified},
		{"weak form of the current tag", `W/"1"`, http.StatusNotModified},
		{"list holding the current tag", `"7", "1"`, http.StatusNotModified},
		{"any", `*`, http.StatusNotModified},
		{"old tag", `"0"`, http.StatusOK},
		{"unquoted", `1`, http.StatusOK},
		{"none", ``, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			j := b.createJob(t, "alice", `{"jobType":"echo"}`)
			w := b.do(t, request{method: "GET", path: "/jobs/" + j.ID, user: "alice", headers: map[string]string{"If-None-Match": tt.ifNoneMatch}})
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if w.Header().Get("ETag") != `"1"` {
				t.Errorf("ETag = %q", w.Header().Get("ETag"))
			}
			if tt.want == http.StatusNotModified && w.Body.Len() != 0 {
				t.Errorf("304 with a body: %s", w.Body)
			}
		})
	}
}

// A job that changed answers 200 to the tag the client held.
func TestGetJobChangedAfterETag(t *testing.T) {
	t.Parallel()
	b := setup(t)
	j := b.createJob(t, "alice", `{"jobType":"echo"}`)
	w := b.do(t, request{method: "GET", path: "/jobs/" + j.ID, user: "alice"})
	etag := w.Header().Get("ETag")
	b.do(t, request{method: "POST", path: "/jobs/" + j.ID + "/cancel", user: "alice"})
	w = b.do(t, request{method: "GET", path: "/jobs/" + j.ID, user: "alice", headers: map[string]string{"If-None-Match": etag}})
	if w.Code != http.StatusOK || w.Header().Get("ETag") == etag {
		t.Fatalf("status %d ETag %q after a change; want 200 with a new tag than %q", w.Code, w.Header().Get("ETag"), etag)
	}
	var got jobJSON
	decode(t, w, &got)
	if got.Status != "canceled" {
		t.Errorf("status %s, want canceled", got.Status)
	}
}

// Invariant 6: another user's job answers exactly like a missing one.
func TestOwnershipAnswersLikeMissing(t *testing.T) {
	t.Parallel()
	paths := []struct {
		method, suffix string
	}{
		{"GET", ""},
		{"GET", "/assets"},
		{"POST", "/cancel"},
	}
	for _, p := range paths {
		t.Run(p.method+" "+p.suffix, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			j := b.createJob(t, "alice", `{"jobType":"echo"}`)
			writesBefore := b.store.writes.Load()

			other := b.do(t, request{method: p.method, path: "/jobs/" + j.ID + p.suffix, user: "mallory"})
			missing := b.do(t, request{method: p.method, path: "/jobs/" + strings.Repeat("a", 26) + p.suffix, user: "mallory"})
			wantError(t, other, http.StatusNotFound, api.CodeJobNotFound)
			wantError(t, missing, http.StatusNotFound, api.CodeJobNotFound)
			if other.Body.String() != missing.Body.String() || other.Header().Get("ETag") != "" {
				t.Errorf("another user's job answers %s (ETag %q); a missing one %s", other.Body, other.Header().Get("ETag"), missing.Body)
			}
			if n := b.store.writes.Load() - writesBefore; n != 0 {
				t.Errorf("store writes = %d, want 0", n)
			}
			if stored, _ := b.mem.Get(context.Background(), j.ID); stored.Status != jobs.StatusQueued {
				t.Errorf("alice's job is %s after mallory's request, want queued", stored.Status)
			}
		})
	}
}

func TestNoIdentity(t *testing.T) {
	t.Parallel()
	b := setup(t)
	j := b.createJob(t, "alice", `{"jobType":"echo"}`)
	for _, r := range []request{
		{method: "GET", path: "/jobs"},
		{method: "GET", path: "/jobs/" + j.ID},
		{method: "GET", path: "/jobs/" + j.ID + "/assets"},
		{method: "POST", path: "/jobs/" + j.ID + "/cancel"},
		{method: "GET", path: "/jobs/" + j.ID, headers: map[string]string{api.UserHeader: "   "}},
	} {
		w := b.do(t, r)
		wantError(t, w, http.StatusUnauthorized, api.CodeUnauthorized)
	}
	if n := b.store.writes.Load(); n != 1 {
		t.Errorf("store writes = %d, want 1 (the setup create)", n)
	}
}

func TestListJobsPaginatesWithFilters(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// alice: 9 jobs of two types, some finished; bob: 3 jobs that alice must never see.
	var all []jobJSON // newest first
	for i := range 9 {
		jobType, params := "echo", fmt.Sprintf(`{"i":%d}`, i)
		if i%3 == 0 {
			jobType, params = "sleep", `{"seconds":1}`
		}
		j := b.createJob(t, "alice", fmt.Sprintf(`{"jobType":%q,"parameters":%s}`, jobType, params))
		if i%2 == 0 {
			b.finish(t, j.ID, jobs.StatusCompleted)
			j.Status = "completed"
		}
		all = append([]jobJSON{j}, all...)
		b.createJob(t, "bob", `{"jobType":"echo"}`)
		b.clock.Advance(time.Second)
	}
	filter := func(status, jobType string) []string {
		var ids []string
		for _, j := range all {
			if (status == "" || j.Status == status) && (jobType == "" || j.JobType == jobType) {
				ids = append(ids, j.ID)
			}
		}
		return ids
	}
	tests := []struct {
		name    string
		status  string
		jobType string
		limit   string
		want    []string
		perPage int
	}{
		{"all, default limit", "", "", "", filter("", ""), 20},
		{"all, two per page", "", "", "2", filter("", ""), 2},
		{"one per page", "", "", "1", filter("", ""), 1},
		{"completed", "completed", "", "2", filter("completed", ""), 2},
		{"queued echo", "queued", "echo", "1", filter("queued", "echo"), 1},
		{"sleep", "", "sleep", "100", filter("", "sleep"), 100},
		{"no match", "canceled", "", "5", nil, 5},
		{"unknown type", "", "nope", "", nil, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			cursor := ""
			for pages := 1; ; pages++ {
				if pages > 20 {
					t.Fatal("pagination does not end")
				}
				q := url.Values{}
				for k, v := range map[string]string{"status": tt.status, "jobType": tt.jobType, "limit": tt.limit, "cursor": cursor} {
					if v != "" {
						q.Set(k, v)
					}
				}
				w := b.do(t, request{method: "GET", path: "/jobs?" + q.Encode(), user: "alice"})
				if w.Code != http.StatusOK {
					t.Fatalf("page %d: status %d, body %s", pages, w.Code, w.Body)
				}
				var page struct {
					Jobs       []jobJSON `json:"jobs"`
					NextCursor *string   `json:"nextCursor"`
				}
				decode(t, w, &page)
				if page.Jobs == nil {
					t.Fatalf("page %d: jobs is null, want an array: %s", pages, w.Body)
				}
				if len(page.Jobs) > tt.perPage {
					t.Fatalf("page %d has %d jobs, limit %d", pages, len(page.Jobs), tt.perPage)
				}
				for _, j := range page.Jobs {
					got = append(got, j.ID)
				}
				if page.NextCursor == nil {
					break
				}
				if *page.NextCursor == "" {
					t.Fatal("nextCursor is an empty string; want null on the last page")
				}
				cursor = *page.NextCursor
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("listed %v\nwant     %v", got, tt.want)
			}
		})
	}
}

func TestListJobsRejectsBadQueries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.createJob(t, "alice", `{"jobType":"echo"}`)
	for _, q := range []string{"status=done", "status=QUEUED", "limit=0", "limit=101", "limit=-1", "limit=ten", "limit=2.5", "cursor=not-a-cursor"} {
		t.Run(q, func(t *testing.T) {
			t.Parallel()
			w := b.do(t, request{method: "GET", path: "/jobs?" + q, user: "alice"})
			wantError(t, w, http.StatusBadRequest, api.CodeInvalidRequest)
		})
	}
}

func TestListAssets(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *api.Config) {
		c.AssetURL = func(_ context.Context, a jobs.Asset) (string, error) {
			return "https://files.example/" + a.StoragePath + "?sig=1", nil
		}
	})
	j := b.createJob(t, "alice", `{"jobType":"echo"}`)
	empty := b.createJob(t, "alice", `{"jobType":"echo"}`)
	ctx, now := context.Background(), b.clock.Now()
	if _, err := b.mem.Claim(ctx, j.ID, jobs.Claim{LeaseToken: "L", Now: now, LeaseExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	for i, meta := range []map[string]any{{"rows": float64(3)}, nil} {
		a := jobs.Asset{ID: fmt.Sprintf("a%d", i), JobID: j.ID, AssetType: "report", StoragePath: fmt.Sprintf("jobs/%s/r%d.csv", j.ID, i),
			FileSize: int64(10 + i), Metadata: meta, CreatedAt: now.Add(time.Duration(i) * time.Second)}
		if _, err := b.mem.AddAsset(ctx, "L", a); err != nil {
			t.Fatal(err)
		}
	}

	w := b.do(t, request{method: "GET", path: "/jobs/" + j.ID + "/assets", user: "alice"})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, body %s", w.Code, w.Body)
	}
	var got struct {
		Assets []struct {
			ID          string          `json:"id"`
			JobID       string          `json:"jobId"`
			AssetType   string          `json:"assetType"`
			URL         string          `json:"url"`
			StoragePath string          `json:"storagePath"`
			FileSize    int64           `json:"fileSize"`
			Metadata    json.RawMessage `json:"metadata"`
			CreatedAt   string          `json:"createdAt"`
		} `json:"assets"`
	}
	decode(t, w, &got)
	if len(got.Assets) != 2 {
		t.Fatalf("assets = %s", w.Body)
	}
	a0, a1 := got.Assets[0], got.Assets[1]
	if a0.ID != "a0" || a0.JobID != j.ID || a0.AssetType != "report" || a0.FileSize != 10 || string(a0.Metadata) != `{"rows":3}` ||
		a0.StoragePath != "jobs/"+j.ID+"/r0.csv" || a0.URL != "https://files.example/jobs/"+j.ID+"/r0.csv?sig=1" ||
		a0.CreatedAt != "2030-01-02T03:04:05.000Z" {
		t.Errorf("asset 0 = %+v", a0)
	}
	if a1.ID != "a1" || string(a1.Metadata) != "null" || a1.CreatedAt != "2030-01-02T03:04:06.000Z" {
		t.Errorf("asset 1 = %+v (metadata %s)", a1, a1.Metadata)
	}

	w = b.do(t, request{method: "GET", path: "/jobs/" + empty.ID + "/assets", user: "alice"})
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"assets":[]}` {
		t.Errorf("no assets: status %d body %s, want 200 {\"assets\":[]}", w.Code, w.Body)
	}
}

func TestCancelJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		prepare  func(t *testing.T, b *bundle, id string)
		status   int
		code     string
		wantJob  string // status of the answered job
		wantKept jobs.Status
	}{
		{"queued", func(*testing.T, *bundle, string) {}, 200, "", "canceled", jobs.StatusCanceled},
		{"processing", func(t *testing.T, b *bundle, id string) {
			now := b.clock.Now()
			if _, err := b.mem.Claim(context.Background(), id, jobs.Claim{LeaseToken: "L", Now: now, LeaseExpiresAt: now.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}, 200, "", "canceled", jobs.StatusCanceled},
		{"completed", func(t *testing.T, b *bundle, id string) { b.finish(t, id, jobs.StatusCompleted) }, 409, api.CodeInvalidTransition, "", jobs.StatusCompleted},
		{"failed", func(t *testing.T, b *bundle, id string) { b.finish(t, id, jobs.StatusFailed) }, 409, api.CodeInvalidTransition, "", jobs.StatusFailed},
		{"already canceled", func(t *testing.T, b *bundle, id string) {
			if _, err := b.mem.Cancel(context.Background(), id, jobs.CancelRequest{Owner: "alice", Now: b.clock.Now()}); err != nil {
				t.Fatal(err)
			}
		}, 409, api.CodeInvalidTransition, "", jobs.StatusCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			j := b.createJob(t, "alice", `{"jobType":"echo"}`)
			tt.prepare(t, b, j.ID)
			b.clock.Advance(time.Minute)
			writesBefore := b.store.writes.Load()

			w := b.do(t, request{method: "POST", path: "/jobs/" + j.ID + "/cancel", user: "alice"})
			wantWrites := int64(1)
			if tt.code != "" {
				e := wantError(t, w, tt.status, tt.code)
				if !strings.Contains(e.Error.Message, string(tt.wantKept)) {
					t.Errorf("message %q does not name the status %s", e.Error.Message, tt.wantKept)
				}
				wantWrites = 0
			} else {
				if w.Code != tt.status {
					t.Fatalf("status %d, body %s", w.Code, w.Body)
				}
				var got jobJSON
				decode(t, w, &got)
				if got.ID != j.ID || got.Status != tt.wantJob || got.CompletedAt == nil || *got.CompletedAt != "2030-01-02T03:05:05.000Z" {
					t.Errorf("canceled job = %+v", got)
				}
				if w.Header().Get("ETag") == "" {
					t.Error("no ETag on the canceled job")
				}
			}
			if n := b.store.writes.Load() - writesBefore; n != wantWrites {
				t.Errorf("store writes = %d, want %d", n, wantWrites)
			}
			if stored, _ := b.mem.Get(context.Background(), j.ID); stored.Status != tt.wantKept {
				t.Errorf("stored status %s, want %s", stored.Status, tt.wantKept)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		method, path string
		status       int
		code         string
		allow        string
	}{
		{"GET", "/", 404, api.CodeNotFound, ""},
		{"GET", "/jobz", 404, api.CodeNotFound, ""},
		{"GET", "/jobs/abc/result", 404, api.CodeNotFound, ""},
		{"DELETE", "/jobs", 405, api.CodeMethodNotAllowed, "GET, HEAD, POST"},
		{"PUT", "/jobs/abc", 405, api.CodeMethodNotAllowed, "GET, HEAD"},
		{"DELETE", "/jobs/abc", 405, api.CodeMethodNotAllowed, "GET, HEAD"},
		{"POST", "/jobs/abc/assets", 405, api.CodeMethodNotAllowed, "GET, HEAD"},
		{"GET", "/jobs/abc/cancel", 405, api.CodeMethodNotAllowed, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			w := b.do(t, request{method: tt.method, path: tt.path, user: "alice"})
			wantError(t, w, tt.status, tt.code)
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

// A store failure is a 500 with a generic message; the details go to the log only.
func TestInternalErrorHidesDetails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*api.Config)
		req    request
	}{
		{"store", func(c *api.Config) { c.Store = failingGetStore{c.Store} }, request{method: "GET", path: "/jobs/x", user: "alice"}},
		{"asset URL", func(c *api.Config) {
			c.AssetURL = func(context.Context, jobs.Asset) (string, error) {
				return "", errors.New("s3 presign: secret-table-name credentials expired")
			}
		}, request{method: "GET", path: "/jobs/{id}/assets", user: "alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.change)
			j := b.createJob(t, "alice", `{"jobType":"echo"}`)
			now := b.clock.Now()
			if _, err := b.mem.Claim(context.Background(), j.ID, jobs.Claim{LeaseToken: "L", Now: now, LeaseExpiresAt: now.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			if _, err := b.mem.AddAsset(context.Background(), "L", jobs.Asset{ID: "a", JobID: j.ID, AssetType: "report", StoragePath: "p", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			tt.req.path = strings.ReplaceAll(tt.req.path, "{id}", j.ID)
			w := b.do(t, tt.req)
			e := wantError(t, w, http.StatusInternalServerError, api.CodeInternal)
			if strings.Contains(w.Body.String(), "secret") {
				t.Errorf("the 500 leaks details: %s", e.Error.Message)
			}
			if !strings.Contains(b.logs.String(), "secret-table-name") {
				t.Errorf("the cause is not logged:\n%s", b.logs)
			}
		})
	}
}

// throttledStore answers every Get as a throttled backend would.
type throttledStore struct{ api.Store }

func (throttledStore) Get(context.Context, string) (jobs.Job, error) {
	return jobs.Job{}, fmt.Errorf("get job x: %w: ProvisionedThroughputExceededException on secret-table-name", jobs.ErrUnavailable)
}

func TestThrottledStoreAnswers503WithRetryAfter(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *api.Config) { c.Store = throttledStore{c.Store} })
	w := b.do(t, request{method: "GET", path: "/jobs/x", user: "alice"})
	wantError(t, w, http.StatusServiceUnavailable, api.CodeUnavailable)
	if got := w.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	if strings.Contains(w.Body.String(), "secret") {
		t.Errorf("the 503 leaks details: %s", w.Body.String())
	}
}

// A read-only handler (getjob's) needs no queue and no validator, serves
// the reads and cancel, and answers POST /jobs 405 without touching the
// store.
func TestReadOnlyServesEverythingButCreate(t *testing.T) {
	t.Parallel()
	full := setup(t)
	j := full.createJob(t, "alice", `{"jobType":"echo"}`)
	h, err := api.New(api.Config{Store: full.store, ReadOnly: true, Clock: full.clock, JobTypes: jobTypes})
	if err != nil {
		t.Fatalf("api.New read-only without Queue and ValidateJob: %v", err)
	}
	ro := &bundle{handler: api.HeaderIdentity(h), store: full.store}
	writes := full.store.writes.Load()

	w := ro.do(t, request{method: "POST", path: "/jobs", user: "alice", body: `{"jobType":"echo"}`})
	wantError(t, w, http.StatusMethodNotAllowed, api.CodeMethodNotAllowed)
	if got := w.Header().Get("Allow"); got != "GET, HEAD" {
		t.Errorf("Allow = %q, want GET, HEAD", got)
	}
	for _, req := range []request{
		{method: "GET", path: "/jobs/" + j.ID, user: "alice"},
		{method: "GET", path: "/jobs", user: "alice"},
		{method: "GET", path: "/jobs/" + j.ID + "/assets", user: "alice"},
		{method: "POST", path: "/jobs/" + j.ID + "/cancel", user: "alice"},
		{method: "GET", path: "/job-types", user: "alice"},
	} {
		if w := ro.do(t, req); w.Code != http.StatusOK {
			t.Errorf("%s %s: %d %s", req.method, req.path, w.Code, w.Body)
		}
	}
	if got := full.store.writes.Load(); got != writes+1 {
		t.Errorf("store writes %d, want %d (the cancel only)", got, writes+1)
	}
	if sent := len(full.queue.Sent()); sent != 1 {
		t.Errorf("%d messages sent, want only the full handler's create", sent)
	}
}
