package devserver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"jobline/internal/api/openapitest"
	"jobline/internal/deploy"
	"jobline/internal/jobs"
)

type running struct {
	srv  *Server
	base string
	stop context.CancelFunc
	done chan error
}

// start runs a dev server on a free loopback port until the test ends.
func start(t *testing.T, cfg Config) *running {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.FilesDir = t.TempDir()
	cfg.WebDir = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	r := &running{srv: srv, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- srv.Run(ctx, func(a string) { addr <- a }) }()
	select {
	case a := <-addr:
		r.base = "http://" + a
	case err := <-r.done:
		t.Fatalf("server stopped: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

type jobJSON struct {
	ID           string          `json:"id"`
	Status       string          `json:"status"`
	Progress     int             `json:"progress"`
	Result       json.RawMessage `json:"result"`
	ErrorMessage *string         `json:"errorMessage"`
	Attempt      int             `json:"attempt"`
}

// call sends an API request as the user dev-test, checks the answer
// against docs/openapi.yaml and decodes its body into out (if not nil).
func call(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	return callAs(t, "dev-test", method, url, body, out)
}

// callAs is call as user ("" sends no X-User-Id).
func callAs(t *testing.T, user, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("X-User-Id", user)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, url, err)
	}
	check, _ := http.NewRequest(method, url, strings.NewReader(body))
	if err := openapitest.Shared(t).Check(check, resp.StatusCode, resp.Header, got); err != nil {
		t.Errorf("contract: %v\nbody: %s", err, got)
	}
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, got, err)
		}
	}
	return resp.StatusCode
}

// waitFor polls a job until it reaches status or the deadline passes.
func waitFor(t *testing.T, base, id, status string) jobJSON {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var j jobJSON
	for time.Now().Before(deadline) {
		call(t, "GET", base+"/jobs/"+id, "", &j)
		if j.Status == status {
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job %s is %s, want %s", id, j.Status, status)
	return j
}

func TestEchoJobCompletesEndToEnd(t *testing.T) {
	t.Parallel()
	r := start(t, Config{})
	var created jobJSON
	if code := call(t, "POST", r.base+"/jobs", `{"jobType":"echo","parameters":{"hello":"world"}}`, &created); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	done := waitFor(t, r.base, created.ID, "completed")
	if string(done.Result) != `{"hello":"world"}` || done.Progress != 100 || done.Attempt != 1 {
		t.Fatalf("completed job %+v", done)
	}
}

// The API is served at / and under /api (the web client's default base
// URL), with its OpenAPI document at /openapi.json; the job types are the
// demo ones, and errors say what to send.
func TestAPIRoutes(t *testing.T) {
	t.Parallel()
	r := start(t, Config{})
	var created jobJSON
	if code := call(t, "POST", r.base+"/api/jobs", `{"jobType":"echo","parameters":{"via":"api"}}`, &created); code != http.StatusCreated {
		t.Fatalf("create under /api: %d", code)
	}
	var root jobJSON
	if code := call(t, "GET", r.base+"/jobs/"+created.ID, "", &root); code != http.StatusOK || root.ID != created.ID {
		t.Fatalf("the job created under /api read at /: %d %+v", code, root)
	}

	var types struct {
		JobTypes []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
			Parameters  []struct {
				Name string `json:"name"`
				Kind string `json:"kind"`
			} `json:"parameters"`
		} `json:"jobTypes"`
	}
	if code := call(t, "GET", r.base+"/api/job-types", "", &types); code != http.StatusOK {
		t.Fatalf("job types: %d", code)
	}
	var names []string
	for _, jt := range types.JobTypes {
		names = append(names, jt.Name)
		if jt.Description == "" {
			t.Errorf("job type %s has no description", jt.Name)
		}
		if jt.Name == "sleep" && (len(jt.Parameters) != 1 || jt.Parameters[0].Name != "seconds" || jt.Parameters[0].Kind != "number") {
			t.Errorf("sleep's parameters %+v, want seconds (number)", jt.Parameters)
		}
	}
	if got := strings.Join(names, ","); got != "echo,fail,flaky,partial,report,sleep" {
		t.Errorf("job types %s", got)
	}

	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if code := call(t, "POST", r.base+"/api/jobs", `{"jobType":"nope"}`, &e); code != 422 || !strings.HasSuffix(e.Error.Message, "valid types: echo, fail, flaky, partial, report, sleep") {
		t.Errorf("unknown type: %d %+v", code, e)
	}
	if code := callAs(t, "", "GET", r.base+"/api/jobs", "", &e); code != 401 || !strings.Contains(e.Error.Message, "send the X-User-Id header") {
		t.Errorf("no identity: %d %+v", code, e)
	}

	resp, err := http.Get(r.base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		OpenAPI string                     `json:"openapi"`
		Paths   map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %v (%s)", err, resp.Header.Get("Content-Type"))
	}
	if doc.OpenAPI != "3.1.0" || doc.Paths["/jobs/{id}"] == nil || doc.Paths["/job-types"] == nil {
		t.Errorf("openapi.json: version %q, paths %d", doc.OpenAPI, len(doc.Paths))
	}
}

func TestReportAssetDownloads(t *testing.T) {
	t.Parallel()
	r := start(t, Config{})
	var created jobJSON
	call(t, "POST", r.base+"/jobs", `{"jobType":"report"}`, &created)
	waitFor(t, r.base, created.ID, "completed")
	var assets struct {
		Assets []struct {
			URL      string `json:"url"`
			FileSize int64  `json:"fileSize"`
		} `json:"assets"`
	}
	call(t, "GET", r.base+"/jobs/"+created.ID+"/assets", "", &assets)
	if len(assets.Assets) != 1 || !strings.HasPrefix(assets.Assets[0].URL, "/files/") {
		t.Fatalf("assets %+v", assets)
	}
	resp, err := http.Get(r.base + assets.Assets[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || int64(len(body)) != assets.Assets[0].FileSize || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d, %d bytes (want %d), %q", resp.StatusCode, len(body), assets.Assets[0].FileSize, resp.Header.Get("Content-Disposition"))
	}
	if resp, err := http.Get(r.base + r.srv.links.URL("no/such/file.csv")); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("missing file: %v %v", resp.StatusCode, err)
	}
}

func TestFailJobEndsFailedAfterRetries(t *testing.T) {
	t.Parallel()
	r := start(t, Config{BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	var created jobJSON
	call(t, "POST", r.base+"/jobs", `{"jobType":"fail","maxAttempts":2}`, &created)
	failed := waitFor(t, r.base, created.ID, "failed")
	if failed.Attempt != 2 || failed.ErrorMessage == nil || *failed.ErrorMessage == "" {
		t.Fatalf("failed job %+v", failed)
	}
}

func TestShutdownLetsRunningJobFinish(t *testing.T) {
	t.Parallel()
	r := start(t, Config{ShutdownGrace: 10 * time.Second})
	var created jobJSON
	call(t, "POST", r.base+"/jobs", `{"jobType":"sleep","parameters":{"seconds":1}}`, &created)
	waitFor(t, r.base, created.ID, "processing")
	r.stop()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop within the grace period")
	}
	// The running job was allowed to finish before the server stopped.
	j, err := r.srv.Store().Get(context.Background(), created.ID)
	if err != nil || j.Status != "completed" {
		t.Fatalf("after shutdown the job is %s (%v), want completed", j.Status, err)
	}
}

func TestShutdownAfterGraceLeavesJobForRedelivery(t *testing.T) {
	t.Parallel()
	r := start(t, Config{ShutdownGrace: 200 * time.Millisecond})
	var created jobJSON
	call(t, "POST", r.base+"/jobs", `{"jobType":"sleep","parameters":{"seconds":30}}`, &created)
	waitFor(t, r.base, created.ID, "processing")
	r.stop()
	select {
	case err := <-r.done:
		r.done <- err
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop after the grace period")
	}
	// Not failed, not lost: processing with its lease released, for the
	// redelivered message to reclaim at once, and its attempt not counted.
	j, err := r.srv.Store().Get(context.Background(), created.ID)
	if err != nil || j.Status != "processing" || j.LeaseToken != "" || j.Attempt != 0 {
		t.Fatalf("after an early shutdown the job is %+v (%v), want processing and released", j, err)
	}
}

func TestConfigFromEnvRejectsBadValues(t *testing.T) {
	cases := map[string]string{
		"PORT":                               "eighty",
		"JOBLINE_WORKERS":                    "many",
		"JOBLINE_SHUTDOWN_GRACE":             "10",
		"JOBLINE_VISIBILITY_TIMEOUT_SECONDS": "30s",
		"JOBLINE_MAX_RECEIVE_COUNT":          "0",
		"JOBLINE_REQUEST_TIMEOUT":            "5",
		"JOBLINE_ALLOW_REMOTE":               "yes",
		"JOBLINE_JOB_RETENTION_DAYS":         "0",
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("FromEnv with %s=%q: %v", name, value, err)
			}
		})
	}
}

// The dev server reads the visibility timeout as processjob does (whole
// seconds, deploy.EnvVisibilityTimeout), and the AWS backend's variables
// when JOBLINE_BACKEND=aws.
func TestConfigFromEnv(t *testing.T) {
	for name, value := range map[string]string{
		"PORT": "9090", "JOBLINE_ADDR": "", "JOBLINE_WORKERS": "8", "JOBLINE_SHUTDOWN_GRACE": "2s",
		"JOBLINE_VISIBILITY_TIMEOUT_SECONDS": "45", "JOBLINE_MAX_RECEIVE_COUNT": "7",
		"JOBLINE_REQUEST_TIMEOUT": "2s", "JOBLINE_ALLOW_REMOTE": "1",
		"JOBLINE_BACKEND": "aws", "JOBLINE_TABLE": "jobs-table", "JOBLINE_QUEUE_URL": "http://q/jobs", "JOBLINE_DLQ_URL": "http://q/dlq",
	} {
		t.Setenv(name, value)
	}
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9090" || c.Workers != 8 || c.ShutdownGrace != 2*time.Second || c.VisibilityTimeout != 45*time.Second ||
		c.MaxReceiveCount != 7 || c.Backend != BackendAWS || c.AWS == nil || c.AWS.TableName != "jobs-table" ||
		c.RequestTimeout != 2*time.Second || !c.AllowRemote {
		t.Fatalf("FromEnv = %+v (AWS %+v)", c, c.AWS)
	}
	if err := c.WithDefaults().Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	bad := []Config{
		{Backend: "postgres"},
		{Workers: -1},
		{Addr: "no-port"},
		{BackoffBase: time.Minute, BackoffMax: time.Second},
		{LogLevel: "loud"},
		{VisibilityTimeout: 13 * time.Hour},
		{Backend: BackendAWS},
		{JobRetention: -time.Hour},
	}
	for _, c := range bad {
		if err := c.WithDefaults().Validate(); err == nil {
			t.Errorf("%+v: valid, want an error", c)
		}
	}
	defaults := Config{}.WithDefaults()
	if err := defaults.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if defaults.JobRetention != deploy.JobRetention {
		t.Fatalf("default job retention %v, want template.yaml's %v", defaults.JobRetention, deploy.JobRetention)
	}
}

// JOBLINE_JOB_RETENTION_DAYS, the functions' variable, sets how long the
// memory store keeps final jobs.
func TestJobRetentionFromEnv(t *testing.T) {
	t.Setenv("JOBLINE_JOB_RETENTION_DAYS", "7")
	cfg, err := FromEnv()
	if err != nil || cfg.JobRetention != 7*24*time.Hour {
		t.Fatalf("FromEnv: job retention %v (%v), want 7 days", cfg.JobRetention, err)
	}
	cfg.Addr, cfg.FilesDir, cfg.WebDir = "127.0.0.1:0", t.TempDir(), t.TempDir()
	srv, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	store, ok := srv.Store().(*jobs.MemoryStore)
	if !ok {
		t.Fatalf("store %T, want the memory store", srv.Store())
	}
	if store.Retention() != 7*24*time.Hour {
		t.Fatalf("the store keeps final jobs %v, want 7 days", store.Retention())
	}
}
