package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"jobline/internal/api"
	"jobline/internal/apigw"
	"jobline/internal/clock"
	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/queue"
	"jobline/internal/queue/queuetest"
	"jobline/internal/redrive"
)

// adminID is the admin of setupAdmin's API.
const adminID = "root"

// adminBundle is a full API with the admin routes: the dev server's
// wiring, on memory backends and a fake clock.
type adminBundle struct {
	*bundle
	mq      *queue.Memory
	metrics *metrics.Memory
	// raw and rawPlain are the API with and without the admin routes,
	// before any identity layer; plain is rawPlain behind the dev server's
	// identity layers: what a missing route answers.
	raw, rawPlain, plain http.Handler
}

// setupAdmin builds the API with the admin routes behind the dev server's
// identity (X-User-Id, root the only admin); change, if given, adjusts the
// admin config before NewAdmin.
func setupAdmin(t *testing.T, change ...func(*api.AdminConfig)) *adminBundle {
	t.Helper()
	mem, err := metrics.NewMemory(0)
	if err != nil {
		t.Fatal(err)
	}
	store := jobs.NewMemoryStore()
	fake := clock.NewFake(testStart)
	mq := queuetest.NewMemory(t, queue.MemoryConfig{Clock: fake, MaxReceiveCount: 3})
	ab := &adminBundle{mq: mq, metrics: mem, bundle: &bundle{
		mem: store, store: &countingStore{Store: store}, queue: &countingQueue{Queue: mq}, clock: fake, logs: &syncBuffer{},
	}}
	log := slog.New(slog.NewJSONHandler(ab.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	adminCfg := api.AdminConfig{
		Store: store, Queues: mq, Metrics: mem, Recorder: mem, Clock: fake, Logger: log,
		DeadLetters: &redrive.Redriver{Store: store, Queue: mq, Clock: fake, Logger: log, PollWait: time.Millisecond},
	}
	for _, ch := range change {
		ch(&adminCfg)
	}
	admin, err := api.NewAdmin(adminCfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := api.Config{Store: ab.store, Queue: ab.queue, Clock: fake, Logger: log, ValidateJob: validateJob, QueuedGrace: testGrace, Metrics: mem}
	if ab.rawPlain, err = api.New(cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Admin = admin
	if ab.raw, err = api.New(cfg); err != nil {
		t.Fatal(err)
	}
	devIdentity := func(h http.Handler) http.Handler { return api.HeaderIdentity(api.AdminUsers([]string{adminID}, h)) }
	ab.handler, ab.plain = devIdentity(ab.raw), devIdentity(ab.rawPlain)
	return ab
}

// admin calls the API as root.
func (ab *adminBundle) admin(t *testing.T, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return ab.do(t, request{method: method, path: path, user: adminID, body: body})
}

// deadLetter runs a job's attempts to a dead-lettered failure as the
// engine does: claim, finish failed and dead-lettered, and move its
// message to the dead-letter queue.
func (ab *adminBundle) deadLetter(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	msgs, err := ab.mq.Receive(ctx, queue.ReceiveRequest{Max: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if jm, _ := queue.DecodeJobMessage(m.Body); jm.JobID != id {
			if err := ab.mq.ChangeVisibility(ctx, m.ReceiptHandle, 0); err != nil {
				t.Fatal(err)
			}
			continue
		}
		now := ab.clock.Now()
		claimed, err := ab.mem.Claim(ctx, id, jobs.Claim{LeaseToken: "L-" + id, Now: now, LeaseExpiresAt: now.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		failed, err := ab.mem.Finish(ctx, id, "L-"+id, jobs.Outcome{Status: jobs.StatusFailed, ErrorMessage: "boom", DeadLettered: true, Now: now.Add(time.Second), Attempt: claimed.Attempt})
		if err != nil {
			t.Fatal(err)
		}
		m.Body = queue.DeadLetterSend(failed).Body
		if err := ab.mq.DeadLetter(ctx, m); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no message of job %s", id)
}

// adminRequests are one request per admin route, for a job id.
func adminRequests(id string) []request {
	var out []request
	for _, route := range api.AdminRoutes() {
		method, path, _ := strings.Cut(route, " ")
		r := request{method: method, path: strings.ReplaceAll(path, "{id}", id)}
		if method == "POST" {
			r.body = `{"all":true,"dryRun":true}`
			if strings.HasSuffix(path, "/cancel") {
				r.body = `{"reason":"test"}`
			}
		}
		out = append(out, r)
	}
	return out
}

// sameResponse asserts that got answers exactly as want: status, the
// headers a client sees, body bytes.
func sameResponse(t *testing.T, what string, got, want *httptest.ResponseRecorder) {
	t.Helper()
	if got.Code != want.Code || got.Body.String() != want.Body.String() {
		t.Errorf("%s: %d %s; a missing route answers %d %s", what, got.Code, got.Body, want.Code, want.Body)
	}
	for _, h := range []string{"Content-Type", "Cache-Control", "Allow", "ETag", "Location"} {
		if got.Header().Get(h) != want.Header().Get(h) {
			t.Errorf("%s: header %s = %q, a missing route's %q", what, h, got.Header().Get(h), want.Header().Get(h))
		}
	}
}

// TestAdminRoutesAreMissingRoutesForOthers: every admin route answers a
// non-admin (another user, no identity, a wrong method, and through API
// Gateway a JWT without the admin group) exactly as a path that does not
// exist does; admins are served.
func TestAdminRoutesAreMissingRoutesForOthers(t *testing.T) {
	t.Parallel()
	ab := setupAdmin(t)
	job := ab.createJob(t, "alice", `{"jobType":"echo"}`)
	reqs := adminRequests(job.ID)
	if len(reqs) != 8 {
		t.Fatalf("%d admin routes; this test expects 8 (update it with the routes)", len(reqs))
	}
	reqs = append(reqs, request{method: "DELETE", path: "/admin/jobs"}, request{method: "GET", path: "/admin"},
		request{method: "GET", path: "/admin/"}, request{method: "GET", path: "/admin/nope"})
	for _, req := range reqs {
		for _, user := range []string{"alice", "", "Root", " root-2"} {
			req.user = user
			missing := serveWith(ab.plain, req)
			if missing.Code != http.StatusNotFound {
				t.Fatalf("%s %s without admin routes: %d", req.method, req.path, missing.Code)
			}
			sameResponse(t, fmt.Sprintf("%s %s as %q", req.method, req.path, user), ab.do(t, req), missing)
		}
	}
	for _, req := range reqs[:8] {
		if w := ab.admin(t, req.method, req.path, req.body); w.Code != http.StatusOK {
			t.Errorf("%s %s as the admin: %d %s", req.method, req.path, w.Code, w.Body)
		}
	}
	if w := ab.admin(t, "DELETE", "/admin/jobs", ""); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("DELETE /admin/jobs as the admin: %d, Allow %q; want 405", w.Code, w.Header().Get("Allow"))
	}

	// API Gateway: the identity and the role come from the JWT's claims.
	gw := func(h http.Handler, claims map[string]string, req request) *httptest.ResponseRecorder {
		a, err := apigw.New(apigw.Config{Handler: h, WithUser: api.WithUser, WithAdmin: api.WithAdmin,
			AdminClaim: "cognito:groups", AdminClaimValue: "jobline-admins", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		path, query, _ := strings.Cut(req.path, "?")
		ev := events.APIGatewayV2HTTPRequest{RawPath: path, RawQueryString: query, Body: req.body}
		ev.RequestContext.HTTP.Method = req.method
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
		res, err := a.Handle(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		for k, v := range res.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(res.StatusCode)
		w.Body.WriteString(res.Body)
		return w
	}
	adminAPI, plainAPI := ab.raw, ab.rawPlain
	for _, req := range reqs {
		for _, claims := range []map[string]string{
			{"sub": "alice", "cognito:groups": "[users]"},
			{"sub": "alice"},
			{"cognito:groups": "[jobline-admins]"}, // no subject: no identity
			{"sub": "alice", "cognito:groups": "[jobline-admins-x]"},
		} {
			sameResponse(t, fmt.Sprintf("API Gateway %s %s with %v", req.method, req.path, claims), gw(adminAPI, claims, req), gw(plainAPI, claims, req))
		}
	}
	other := ab.createJob(t, "bob", `{"jobType":"echo"}`)
	for _, req := range adminRequests(other.ID) {
		if w := gw(adminAPI, map[string]string{"sub": "ops-1", "cognito:groups": "[users jobline-admins]"}, req); w.Code != http.StatusOK {
			t.Errorf("API Gateway %s %s as an admin: %d %s", req.method, req.path, w.Code, w.Body)
		}
	}
}

// serveWith runs req through h.
func serveWith(h http.Handler, req request) *httptest.ResponseRecorder {
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r := httptest.NewRequest(req.method, req.path, body)
	if req.user != "" {
		r.Header.Set(api.UserHeader, req.user)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// adminJobJSON is the admin view of a job.
type adminJobJSON struct {
	jobJSON
	Owner        string          `json:"owner"`
	DeadLettered bool            `json:"deadLettered"`
	Redrives     []operatorEvent `json:"redrives"`
	Cancels      []operatorEvent `json:"cancels"`
	Timeline     []struct {
		At      string  `json:"at"`
		Type    string  `json:"type"`
		Attempt *int    `json:"attempt"`
		Outcome *string `json:"outcome"`
		Detail  *string `json:"detail"`
		By      *string `json:"by"`
	} `json:"timeline"`
}

type operatorEvent struct {
	At     string  `json:"at"`
	By     string  `json:"by"`
	Reason *string `json:"reason"`
}

// adminListJSON is the body of GET /admin/jobs.
type adminListJSON struct {
	Jobs       []adminJobJSON `json:"jobs"`
	NextCursor *string        `json:"nextCursor"`
}

func TestAdminListsEveryOwnersJobsNewestFirst(t *testing.T) {
	t.Parallel()
	ab := setupAdmin(t)
	var ids []string
	for i, owner := range []string{"alice", "bob", "alice", "carol", "bob"} {
		body := `{"jobType":"echo"}`
		if i == 3 {
			body = `{"jobType":"sleep","parameters":{"seconds":1}}`
		}
		ids = append(ids, ab.createJob(t, owner, body).ID)
		ab.clock.Advance(time.Second)
	}
	ab.finish(t, ids[2], jobs.StatusCompleted)
	tests := []struct {
		query string
		want  []int // indexes into ids, newest first
	}{
		{"", []int{4, 3, 2, 1, 0}},
		{"?owner=alice", []int{2, 0}},
		{"?status=completed", []int{2}},
		{"?jobType=sleep", []int{3}},
		{"?owner=bob&status=queued&jobType=echo", []int{4, 1}},
		{"?owner=nobody", nil},
	}
	for _, tt := range tests {
		var page adminListJSON
		w := ab.admin(t, "GET", "/admin/jobs"+tt.query, "")
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", tt.query, w.Code, w.Body)
		}
		decode(t, w, &page)
		var got []string
		for _, j := range page.Jobs {
			got = append(got, j.ID)
		}
		var want []string
		for _, i := range tt.want {
			want = append(want, ids[i])
		}
		if strings.Join(got, ",") != strings.Join(want, ",") || page.NextCursor != nil {
			t.Errorf("%s: %v (cursor %v), want %v", tt.query, got, page.NextCursor, want)
		}
	}
	// Pages of two, with cursors, carry owners.
	var all []string
	cursor := ""
	for pages := 0; pages < 5; pages++ {
		var page adminListJSON
		decode(t, ab.admin(t, "GET", "/admin/jobs?limit=2"+cursor, ""), &page)
		for _, j := range page.Jobs {
			all = append(all, j.Owner+":"+j.ID)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = "&cursor=" + *page.NextCursor
	}
	if want := fmt.Sprintf("bob:%s,carol:%s,alice:%s,bob:%s,alice:%s", ids[4], ids[3], ids[2], ids[1], ids[0]); strings.Join(all, ",") != want {
		t.Errorf("paged = %v, want %v", all, want)
	}
	for _, q := range []string{"status=done", "limit=0", "limit=101", "cursor=garbage"} {
		wantError(t, ab.admin(t, "GET", "/admin/jobs?"+q, ""), http.StatusBadRequest, api.CodeInvalidRequest)
	}
}

// A job's whole story through the admin API: a retry, a dead-lettered
// failure, a redrive by the admin, a cancel by the admin with a reason.
// The owner sees the attempts only; the admin sees who did what.
func TestAdminJobTimelineAndCancel(t *testing.T) {
	t.Parallel()
	ab := setupAdmin(t)
	ctx := context.Background()
	j := ab.createJob(t, "alice", `{"jobType":"echo","maxAttempts":2}`)
	now := ab.clock.Now()
	if _, err := ab.mem.Claim(ctx, j.ID, jobs.Claim{LeaseToken: "L1", Now: now, LeaseExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ab.mem.Retry(ctx, j.ID, "L1", jobs.RetryWait{ErrorMessage: "flaky <disk>", NextAttemptAt: now.Add(time.Second), Now: now.Add(time.Second), Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	ab.clock.Advance(2 * time.Second)
	ab.deadLetter(t, j.ID) // attempt 2 fails for good
	ab.clock.Advance(time.Minute)
	if w := ab.admin(t, "POST", "/admin/dlq/redrive", `{"jobIds":["`+j.ID+`"],"reason":"disk replaced"}`); w.Code != http.StatusOK {
		t.Fatalf("redrive: %d %s", w.Code, w.Body)
	}
	ab.clock.Advance(time.Minute)
	w := ab.admin(t, "POST", "/admin/jobs/"+j.ID+"/cancel", `{"reason":"customer asked"}`)
	if w.Code != http.StatusOK || w.Header().Get("ETag") == "" {
		t.Fatalf("cancel: %d %s", w.Code, w.Body)
	}
	var canceled adminJobJSON
	decode(t, w, &canceled)
	if canceled.Status != "canceled" || canceled.Owner != "alice" || len(canceled.Cancels) != 1 || canceled.Cancels[0].By != adminID ||
		*canceled.Cancels[0].Reason != "customer asked" || canceled.Cancels[0].At != "2030-01-02T03:06:07.000Z" {
		t.Fatalf("canceled job = %+v", canceled)
	}

	var detail adminJobJSON
	decode(t, ab.admin(t, "GET", "/admin/jobs/"+j.ID, ""), &detail)
	if len(detail.Redrives) != 1 || detail.Redrives[0].By != adminID || *detail.Redrives[0].Reason != "disk replaced" ||
		detail.Redrives[0].At != "2030-01-02T03:05:07.000Z" || detail.DeadLettered {
		t.Errorf("redrives = %+v (deadLettered %v)", detail.Redrives, detail.DeadLettered)
	}
	var types []string
	for _, e := range detail.Timeline {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, ","); got != "attempt-started,attempt-ended,attempt-started,attempt-ended,redrive,cancel" {
		t.Errorf("timeline = %s", got)
	}
	if e := detail.Timeline[1]; *e.Attempt != 1 || *e.Outcome != "retry" || *e.Detail != "flaky <disk>" || e.By != nil {
		t.Errorf("attempt-ended event = %+v", e)
	}
	if e := detail.Timeline[5]; *e.By != adminID || *e.Detail != "customer asked" || e.Attempt != nil || e.Outcome != nil {
		t.Errorf("cancel event = %+v", e)
	}
	if a := detail.Attempts; len(a) != 2 || a[0].Outcome != "retry" || *a[0].Error != "flaky <disk>" || a[1].Attempt != 2 || a[1].Outcome != "failed" || *a[1].Error != "boom" {
		t.Errorf("attempts = %+v", a)
	}

	// The owner sees the attempts, not who redrove or canceled.
	w = ab.do(t, request{method: "GET", path: "/jobs/" + j.ID, user: "alice"})
	for _, hidden := range []string{adminID, "owner", "redrives", "cancels", "timeline", "customer asked"} {
		if strings.Contains(w.Body.String(), hidden) {
			t.Errorf("the owner's view shows %q: %s", hidden, w.Body)
		}
	}
	var own jobJSON
	decode(t, w, &own)
	if len(own.Attempts) != 2 {
		t.Errorf("owner's attempts = %+v", own.Attempts)
	}
	rep, _ := ab.metrics.Query(ctx, metrics.LastWindow(ab.clock.Now(), time.Hour))
	if got := sumOf(rep, "echo", metrics.Canceled) + 10*sumOf(rep, "echo", metrics.Created); got != 11 {
		t.Errorf("created and canceled counted %v, want 1 each", got)
	}
}

// sumOf adds up a count's values in a report.
func sumOf(rep metrics.Report, jobType string, n metrics.Name) float64 {
	total := 0.0
	for _, s := range rep.Series {
		if s.JobType == jobType && s.Metric == n && s.Stat == metrics.StatSum {
			for _, v := range s.Values {
				total += *v
			}
		}
	}
	return total
}

func TestAdminCancelErrors(t *testing.T) {
	t.Parallel()
	ab := setupAdmin(t)
	done := ab.createJob(t, "alice", `{"jobType":"echo"}`)
	ab.finish(t, done.ID, jobs.StatusCompleted)
	queued := ab.createJob(t, "alice", `{"jobType":"echo"}`)
	for _, c := range []struct {
		path, body string
		status     int
		code       string
	}{
		{"/admin/jobs/" + done.ID + "/cancel", "", http.StatusConflict, api.CodeInvalidTransition},
		{"/admin/jobs/nope/cancel", "", http.StatusNotFound, api.CodeJobNotFound},
		{"/admin/jobs/" + queued.ID + "/cancel", `{"why":"x"}`, http.StatusBadRequest, api.CodeInvalidRequest},
		{"/admin/jobs/" + queued.ID + "/cancel", `{"reason":7}`, http.StatusBadRequest, api.CodeInvalidRequest},
		{"/admin/jobs/" + queued.ID + "/cancel", `{"reason":"` + strings.Repeat("x", jobs.MaxEventDetail+1) + `"}`, http.StatusBadRequest, api.CodeInvalidRequest},
		{"/admin/jobs/" + queued.ID + "/cancel", `{"reason":"x"} {}`, http.StatusBadRequest, api.CodeInvalidJSON},
		{"/admin/jobs/" + queued.ID + "/cancel", `[]`, http.StatusBadRequest, api.CodeInvalidRequest},
	} {
		wantError(t, ab.admin(t, "POST", c.path, c.body), c.status, c.code)
	}
	if j, _ := ab.mem.Get(context.Background(), queued.ID); j.Status != jobs.StatusQueued {
		t.Errorf("a rejected cancel canceled the job")
	}
	// No body at all is a cancel without a reason.
	var canceled adminJobJSON
	decode(t, ab.admin(t, "POST", "/admin/jobs/"+queued.ID+"/cancel", ""), &canceled)
	if canceled.Status != "canceled" || len(canceled.Cancels) != 1 || canceled.Cancels[0].Reason != nil {
		t.Errorf("cancel without a body = %+v", canceled)
	}
	wantError(t, ab.admin(t, "GET", "/admin/jobs/nope", ""), http.StatusNotFound, api.CodeJobNotFound)
}
