package devserver

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"jobline/internal/api"
)

// as calls the dev server as user ("" sends no X-User-Id) and returns the
// status and body.
func as(t *testing.T, user, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set(api.UserHeader, user)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// adminRoutes are a request per admin route, for job id.
func adminRoutes(id string) [][3]string {
	var out [][3]string
	for _, route := range api.AdminRoutes() {
		method, path, _ := strings.Cut(route, " ")
		body := ""
		if method == "POST" {
			body = `{"all":true,"dryRun":true}`
		}
		out = append(out, [3]string{method, strings.ReplaceAll(path, "{id}", id), body})
	}
	return out
}

// The operator's path on the dev server: a job fails for good, an admin
// (JOBLINE_ADMINS) finds it in the DLQ, redrives it and it completes; the
// metrics count it; anyone else gets 404 from every admin route, the
// answer of a route that does not exist.
func TestAdminRedrivesDeadLetteredJobOnDevServer(t *testing.T) {
	t.Parallel()
	r := start(t, Config{Admins: []string{"ops"}, BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	testOperatorPath(t, r.base)
}

// testOperatorPath runs the operator's path against a dev server at base
// whose admin is "ops", on either backend.
func testOperatorPath(t *testing.T, base string) {
	t.Helper()
	var job jobJSON
	code, body := as(t, "alice", "POST", base+"/jobs", `{"jobType":"flaky","parameters":{"failTimes":1},"maxAttempts":1}`)
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &job) != nil {
		t.Fatalf("create: %d %s", code, body)
	}
	waitUntil(t, func() bool {
		_, b := as(t, "alice", "GET", base+"/jobs/"+job.ID, "")
		return strings.Contains(b, `"status":"failed"`)
	}, "the flaky job fails")
	waitUntil(t, func() bool {
		_, b := as(t, "ops", "GET", base+"/admin/dlq", "")
		return strings.Contains(b, job.ID)
	}, "the failed job shows in the DLQ")

	for _, route := range adminRoutes(job.ID) {
		for _, user := range []string{"alice", ""} {
			code, body := as(t, user, route[0], base+route[1], route[2])
			want := `{"error":{"code":"not_found","message":"no such route: ` + route[1] + `"}}` + "\n"
			if code != http.StatusNotFound || body != want {
				t.Errorf("%s %s as %q: %d %s, want a missing route's 404", route[0], route[1], user, code, body)
			}
		}
	}
	if code, body := as(t, "ops", "GET", base+"/admin/me", ""); code != http.StatusOK || !strings.Contains(body, `"userId":"ops"`) {
		t.Errorf("GET /admin/me as ops: %d %s", code, body)
	}

	code, body = as(t, "ops", "POST", base+"/admin/dlq/redrive", `{"jobIds":["`+job.ID+`"],"reason":"runbook test"}`)
	if code != http.StatusOK || !strings.Contains(body, `"redriven":1`) {
		t.Fatalf("redrive: %d %s", code, body)
	}
	waitUntil(t, func() bool {
		_, b := as(t, "alice", "GET", base+"/jobs/"+job.ID, "")
		return strings.Contains(b, `"status":"completed"`)
	}, "the redriven job completes")
	_, body = as(t, "ops", "GET", base+"/admin/jobs/"+job.ID, "")
	var detail struct {
		Owner    string `json:"owner"`
		Attempts []struct {
			Outcome string `json:"outcome"`
		} `json:"attempts"`
		Redrives []struct {
			By     string `json:"by"`
			Reason string `json:"reason"`
		} `json:"redrives"`
	}
	if err := json.Unmarshal([]byte(body), &detail); err != nil {
		t.Fatal(err)
	}
	if detail.Owner != "alice" || len(detail.Attempts) != 2 || detail.Attempts[0].Outcome != "failed" || detail.Attempts[1].Outcome != "completed" ||
		len(detail.Redrives) != 1 || detail.Redrives[0].By != "ops" || detail.Redrives[0].Reason != "runbook test" {
		t.Errorf("admin view of the job: %s", body)
	}
	waitUntil(t, func() bool {
		_, b := as(t, "ops", "GET", base+"/admin/metrics?window=5m", "")
		return metricSum(t, b, "flaky", "JobsCompleted") == 1 && metricSum(t, b, "flaky", "JobsDeadLettered") == 1 && metricSum(t, b, "flaky", "JobsCreated") == 1
	}, "the metrics count the job")
	if code, body := as(t, "ops", "GET", base+"/admin/queues", ""); code != http.StatusOK || !strings.Contains(body, `"role":"dead-letter"`) {
		t.Errorf("queues: %d %s", code, body)
	}
	code, body = as(t, "ops", "GET", base+"/admin/jobs?owner=alice&status=completed", "")
	if code != http.StatusOK || !strings.Contains(body, `"id":"`+job.ID+`"`) || !strings.Contains(body, `"owner":"alice"`) {
		t.Errorf("admin list of alice's jobs: %d %s", code, body)
	}
}

// metricSum adds up one metric's Sum series of a job type in a metrics body.
func metricSum(t *testing.T, body, jobType, metric string) float64 {
	t.Helper()
	var rep struct {
		Series []struct {
			JobType, Metric, Stat string
			Values                []*float64
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatalf("metrics body %s: %v", body, err)
	}
	total := 0.0
	for _, s := range rep.Series {
		if s.JobType == jobType && s.Metric == metric && s.Stat == "Sum" {
			for _, v := range s.Values {
				total += *v
			}
		}
	}
	return total
}

// waitUntil polls cond for up to 20 seconds.
func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting until %s", what)
}

func TestConfigReadsAdminsAndLogFormat(t *testing.T) {
	t.Setenv("JOBLINE_ADMINS", " ops, alice ,,")
	t.Setenv("JOBLINE_LOG_FORMAT", "text")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Admins, "|") != "ops|alice" || c.LogFormat != "text" {
		t.Fatalf("admins %q, log format %q", c.Admins, c.LogFormat)
	}
	if err := (Config{LogFormat: "xml"}).WithDefaults().Validate(); err == nil {
		t.Error("log format xml accepted")
	}
}
