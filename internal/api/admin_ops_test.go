package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"jobline/internal/api"
	"jobline/internal/jobs"
	"jobline/internal/metrics"
	"jobline/internal/queue"
)

// queuesJSON is the body of GET /admin/queues.
type queuesJSON struct {
	Queues []struct {
		Name             string   `json:"name"`
		Role             string   `json:"role"`
		Visible          int      `json:"visible"`
		InFlight         int      `json:"inFlight"`
		Delayed          int      `json:"delayed"`
		Total            int      `json:"total"`
		OldestAgeSeconds *float64 `json:"oldestAgeSeconds"`
		OldestAgeSource  *string  `json:"oldestAgeSource"`
	} `json:"queues"`
}

func TestAdminQueues(t *testing.T) {
	t.Parallel()
	ab := setupAdmin(t)
	ab.createJob(t, "alice", `{"jobType":"echo"}`)
	dead := ab.createJob(t, "alice", `{"jobType":"echo"}`)
	ab.createJob(t, "alice", `{"jobType":"echo","delaySeconds":60}`)
	ab.clock.Advance(5 * time.Second)
	ab.deadLetter(t, dead.ID)
	var got queuesJSON
	decode(t, ab.admin(t, "GET", "/admin/queues", ""), &got)
	if len(got.Queues) != 2 {
		t.Fatalf("queues = %+v, want the jobs queue and the dead-letter queue", got)
	}
	jq, dlq := got.Queues[0], got.Queues[1]
	if jq.Role != "jobs" || jq.Name != "jobs" || jq.Visible != 1 || jq.InFlight != 0 || jq.Delayed != 1 || jq.Total != 2 ||
		jq.OldestAgeSeconds == nil || *jq.OldestAgeSeconds != 5 || *jq.OldestAgeSource != "queue" {
		t.Errorf("jobs queue = %+v", jq)
	}
	if dlq.Role != "dead-letter" || dlq.Visible != 1 || dlq.Total != 1 || dlq.OldestAgeSeconds == nil || *dlq.OldestAgeSeconds != 0 {
		t.Errorf("dead-letter queue = %+v", dlq)
	}
}

// unknownAges hides the memory queue's ages, as SQS's API does.
type unknownAges struct{ api.Queues }

func (q unknownAges) Stats(ctx context.Context) ([]queue.Stats, error) {
	stats, err := q.Queues.Stats(ctx)
	for i := range stats {
		stats[i].OldestKnown, stats[i].OldestAge = false, 0
	}
	return stats, err
}

func (q unknownAges) DeadLetters() queue.DeadLetterQueue {
	return unknownDLQAge{q.Queues.DeadLetters()}
}

// unknownDLQAge hides the memory dead-letter queue's age.
type unknownDLQAge struct{ queue.DeadLetterQueue }

func (d unknownDLQAge) Stats(ctx context.Context) (queue.Stats, error) {
	st, err := d.DeadLetterQueue.Stats(ctx)
	st.OldestKnown, st.OldestAge = false, 0
	return st, err
}

// fakeAges answers as CloudWatch would, or fails.
type fakeAges struct {
	ages map[string]time.Duration
	err  error
}

func (f fakeAges) OldestMessageAges(_ context.Context, names []string, _ time.Time) (map[string]time.Duration, error) {
	return f.ages, f.err
}

func TestAdminQueueAgesFromCloudWatch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		ages       fakeAges
		wantJobs   string
		wantSource string
	}{
		{"known", fakeAges{ages: map[string]time.Duration{"jobs": 90 * time.Second}}, "90", "cloudwatch"},
		{"idle", fakeAges{ages: map[string]time.Duration{}}, "null", "null"},
		{"unavailable", fakeAges{err: errors.New("AccessDenied")}, "null", "null"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ab := setupAdmin(t, func(c *api.AdminConfig) {
				c.Queues = unknownAges{c.Queues}
				c.QueueAges = tt.ages
			})
			w := ab.admin(t, "GET", "/admin/queues", "")
			var raw struct {
				Queues []map[string]json.RawMessage `json:"queues"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil || w.Code != http.StatusOK {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if got := string(raw.Queues[0]["oldestAgeSeconds"]); got != tt.wantJobs {
				t.Errorf("jobs queue age %s, want %s", got, tt.wantJobs)
			}
			if got := strings.Trim(string(raw.Queues[0]["oldestAgeSource"]), `"`); got != tt.wantSource {
				t.Errorf("jobs queue age source %s, want %s", got, tt.wantSource)
			}
			if got := string(raw.Queues[1]["oldestAgeSeconds"]); got != "null" {
				t.Errorf("dead-letter queue age %s, want null (CloudWatch had none)", got)
			}
		})
	}
}

// redriveJSON is the body of POST /admin/dlq/redrive.
type redriveJSON struct {
	DryRun   bool `json:"dryRun"`
	Redriven int  `json:"redriven"`
	NotFound int  `json:"notFound"`
	Items    []struct {
		deadLetterJSON
		Action string  `json:"action"`
		Detail *string `json:"detail"`
	} `json:"items"`
}

// deadLetterJSON is one entry of GET /admin/dlq.
type deadLetterJSON struct {
	MessageID    *string `json:"messageId"`
	JobID        *string `json:"jobId"`
	JobType      *string `json:"jobType"`
	Owner        *string `json:"owner"`
	Status       *string `json:"status"`
	Error        *string `json:"error"`
	Attempt      int     `json:"attempt"`
	MaxAttempts  int     `json:"maxAttempts"`
	DeadLettered bool    `json:"deadLettered"`
	CreatedAt    *string `json:"createdAt"`
	UpdatedAt    *string `json:"updatedAt"`
	AgeSeconds   int64   `json:"ageSeconds"`
	Problem      *string `json:"problem"`
}

func TestAdminDeadLettersListAndRedrive(t *testing.T) {
	t.Parallel()
	ab := setupAdmin(t)
	var ids []string
	for _, owner := range []string{"alice", "bob", "carol"} {
		j := ab.createJob(t, owner, `{"jobType":"echo"}`)
		ab.deadLetter(t, j.ID)
		ids = append(ids, j.ID)
	}
	ab.clock.Advance(2 * time.Minute)

	var list struct {
		Entries []deadLetterJSON `json:"entries"`
	}
	decode(t, ab.admin(t, "GET", "/admin/dlq", ""), &list)
	if len(list.Entries) != 3 {
		t.Fatalf("DLQ = %+v", list)
	}
	e := list.Entries[0]
	if e.JobID == nil || *e.Status != "failed" || !e.DeadLettered || *e.Error != "boom" || e.AgeSeconds != 119 || e.MessageID == nil || e.Problem != nil {
		t.Errorf("entry = %+v", e)
	}
	decode(t, ab.admin(t, "GET", "/admin/dlq?max=1", ""), &list)
	if len(list.Entries) != 1 {
		t.Errorf("max=1 listed %d", len(list.Entries))
	}

	redrive := func(body string) redriveJSON {
		t.Helper()
		ab.clock.Advance(time.Minute) // past the listing's scan visibility
		var res redriveJSON
		w := ab.admin(t, "POST", "/admin/dlq/redrive", body)
		if w.Code != http.StatusOK {
			t.Fatalf("redrive %s: %d %s", body, w.Code, w.Body)
		}
		decode(t, w, &res)
		return res
	}
	dry := redrive(`{"all":true,"dryRun":true,"reason":"try"}`)
	if !dry.DryRun || dry.Redriven != 3 || len(dry.Items) != 3 || dry.Items[0].Action != "would-redrive" {
		t.Fatalf("dry run = %+v", dry)
	}
	for _, id := range ids {
		if j, _ := ab.mem.Get(context.Background(), id); j.Status != jobs.StatusFailed {
			t.Fatalf("a dry run changed job %s: %s", id, j.Status)
		}
	}
	sel := redrive(`{"jobIds":["` + ids[0] + `","` + ids[2] + `","nope"],"reason":"fixed"}`)
	if sel.Redriven != 2 || sel.NotFound != 1 || len(sel.Items) != 3 {
		t.Fatalf("selection = %+v", sel)
	}
	for i, want := range []jobs.Status{jobs.StatusQueued, jobs.StatusFailed, jobs.StatusQueued} {
		j, _ := ab.mem.Get(context.Background(), ids[i])
		if j.Status != want {
			t.Errorf("job %d is %s, want %s", i, j.Status, want)
		}
		if want == jobs.StatusQueued {
			if r := jobs.Redrives(j); len(r) != 1 || r[0].By != adminID || r[0].Detail != "fixed" {
				t.Errorf("job %d redrives = %+v", i, r)
			}
		}
	}
	rest := redrive(`{"all":true,"jobType":"echo","max":5}`)
	if rest.Redriven != 1 || *rest.Items[0].JobID != ids[1] || rest.Items[0].Action != "redriven" {
		t.Errorf("all = %+v", rest)
	}
	var empty struct {
		Entries []deadLetterJSON `json:"entries"`
	}
	decode(t, ab.admin(t, "GET", "/admin/dlq", ""), &empty)
	if len(empty.Entries) != 0 || empty.Entries == nil {
		t.Errorf("DLQ after the redrives = %+v, want []", empty)
	}
}

func TestAdminRedriveRejectsBadRequests(t *testing.T) {
	t.Parallel()
	ab := setupAdmin(t)
	many := `"` + strings.Repeat(`a","`, api.MaxRedriveSelection) + `a"`
	for _, body := range []string{
		``, `{}`, `{"all":false}`, `{"jobIds":[]}`, `{"all":true,"jobIds":["a"]}`, `{"jobIds":"a"}`, `{"jobIds":[""]}`,
		`{"jobIds":[" a"]}`, `{"all":true,"max":-1}`, `{"all":"yes"}`, `{"all":true,"force":true}`, `{"jobIds":[` + many + `]}`,
		`{"all":true,"reason":"` + strings.Repeat("r", jobs.MaxEventDetail+1) + `"}`, `not json`,
	} {
		w := ab.admin(t, "POST", "/admin/dlq/redrive", body)
		if w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", body, w.Code, w.Body)
		}
	}
	for _, q := range []string{"max=0", "max=1001", "max=x"} {
		wantError(t, ab.admin(t, "GET", "/admin/dlq?"+q, ""), http.StatusBadRequest, api.CodeInvalidRequest)
	}
}

// metricsJSON is the body of GET /admin/metrics.
type metricsJSON struct {
	Start       string   `json:"start"`
	End         string   `json:"end"`
	StepSeconds int      `json:"stepSeconds"`
	Timestamps  []string `json:"timestamps"`
	Series      []struct {
		JobType string     `json:"jobType"`
		Metric  string     `json:"metric"`
		Stat    string     `json:"stat"`
		Unit    string     `json:"unit"`
		Values  []*float64 `json:"values"`
	} `json:"series"`
}

func TestAdminMetrics(t *testing.T) {
	t.Parallel()
	ab := setupAdmin(t)
	ab.createJob(t, "alice", `{"jobType":"echo"}`) // JobsCreated, at 03:04
	ab.metrics.Record(testStart.Add(-2*time.Minute), "sleep", metrics.Count(metrics.Completed), metrics.Duration(metrics.RunTime, 1500*time.Millisecond))
	var got metricsJSON
	decode(t, ab.admin(t, "GET", "/admin/metrics?window=5m", ""), &got)
	if got.Start != "2030-01-02T03:00:00.000Z" || got.End != "2030-01-02T03:05:00.000Z" || got.StepSeconds != 60 || len(got.Timestamps) != 5 ||
		got.Timestamps[4] != "2030-01-02T03:04:00.000Z" {
		t.Fatalf("frame = %+v", got)
	}
	found := 0
	for _, s := range got.Series {
		if len(s.Values) != 5 {
			t.Fatalf("series %+v has %d values", s, len(s.Values))
		}
		switch {
		case s.JobType == "echo" && s.Metric == "JobsCreated":
			found++
			if *s.Values[4] != 1 || *s.Values[0] != 0 || s.Unit != "Count" || s.Stat != "Sum" {
				t.Errorf("echo created = %+v", s)
			}
		case s.JobType == "sleep" && s.Metric == "RunTime" && s.Stat == "Average":
			found++
			if s.Values[2] == nil || *s.Values[2] != 1500 || s.Values[3] != nil || s.Unit != "Milliseconds" {
				t.Errorf("sleep run time = %+v", s)
			}
		}
	}
	if found != 2 {
		t.Errorf("series found %d of 2: %+v", found, got.Series)
	}
	var hour metricsJSON
	decode(t, ab.admin(t, "GET", "/admin/metrics", ""), &hour)
	if len(hour.Timestamps) != 60 {
		t.Errorf("default window: %d steps, want 60", len(hour.Timestamps))
	}
	for _, q := range []string{"window=30s", "window=4h", "window=90s", "window=soon"} {
		wantError(t, ab.admin(t, "GET", "/admin/metrics?"+q, ""), http.StatusBadRequest, api.CodeInvalidRequest)
	}
}
