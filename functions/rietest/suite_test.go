//go:build rie

package rietest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"jobline/internal/awsbackend"
	"jobline/internal/envconfig"
	"jobline/internal/queue"
)

// apiJob is the part of the API's Job JSON the suite checks.
type apiJob struct {
	ID           string          `json:"id"`
	JobType      string          `json:"jobType"`
	Status       string          `json:"status"`
	Attempt      int             `json:"attempt"`
	MaxAttempts  int             `json:"maxAttempts"`
	ErrorMessage *string         `json:"errorMessage"`
	Result       json.RawMessage `json:"result"`
}

// suite holds the running functions and an SQS client acting as the
// event source mapping.
type suite struct {
	e                 env
	sqs               *sqs.Client
	queueURL, dlqURL  string
	highQueueURL      string
	createjob, getjob *function
	sub               string
	n                 int
}

func newSuite(t *testing.T) *suite {
	e := requireEnv(t)
	env := envconfig.New()
	cfg := awsbackend.FromEnv(env)
	if err := env.Err(); err != nil {
		t.Fatal(err)
	}
	be, err := awsbackend.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg = be.Config()
	s := &suite{e: e, sqs: sqs.NewFromConfig(be.AWSConfig()), queueURL: cfg.QueueURL, dlqURL: cfg.DeadLetterQueueURL, highQueueURL: cfg.HighQueueURL,
		sub: fmt.Sprintf("rie-user-%d", time.Now().UnixNano())}
	s.createjob = start(t, e, "createjob", 10)
	s.getjob = start(t, e, "getjob", 10)
	return s
}

// create posts a job through createjob and returns it.
func (s *suite) create(t *testing.T, body string) apiJob {
	t.Helper()
	s.n++
	bodyJSON, _ := json.Marshal(body)
	var res events.APIGatewayV2HTTPResponse
	s.createjob.invoke(t, fixture(t, "apigw-create.json", map[string]string{
		"sub": s.sub, "idempotencyKey": fmt.Sprintf("%s-%d", s.sub, s.n), "bodyJSON": string(bodyJSON),
	}), &res)
	if res.StatusCode != 201 {
		t.Fatalf("create %s: status %d: %s", body, res.StatusCode, res.Body)
	}
	var job apiJob
	if err := json.Unmarshal([]byte(res.Body), &job); err != nil {
		t.Fatalf("create: decode %s: %v", res.Body, err)
	}
	if res.Headers["Location"] != "/jobs/"+job.ID {
		t.Errorf("create: Location = %q, want /jobs/%s", res.Headers["Location"], job.ID)
	}
	return job
}

// call invokes getjob with method and path as sub.
func (s *suite) call(t *testing.T, sub, method, path, query string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	var res events.APIGatewayV2HTTPResponse
	s.getjob.invoke(t, fixture(t, "apigw-get.json", map[string]string{"sub": sub, "method": method, "path": path, "query": query}), &res)
	return res
}

func (s *suite) get(t *testing.T, id string) apiJob {
	t.Helper()
	res := s.call(t, s.sub, "GET", "/jobs/"+id, "")
	if res.StatusCode != 200 {
		t.Fatalf("get %s: status %d: %s", id, res.StatusCode, res.Body)
	}
	var job apiJob
	if err := json.Unmarshal([]byte(res.Body), &job); err != nil {
		t.Fatalf("get: decode %s: %v", res.Body, err)
	}
	return job
}

// receive takes n messages from a queue like the event source mapping
// does (long poll, visibility 120s), within 20s.
func (s *suite) receive(t *testing.T, url string, n int) []types.Message {
	t.Helper()
	var out []types.Message
	deadline := time.Now().Add(20 * time.Second)
	for len(out) < n && time.Now().Before(deadline) {
		res, err := s.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: int32(min(10, n-len(out))), WaitTimeSeconds: 2, VisibilityTimeout: 120,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			t.Fatalf("receive from %s: %v", url, err)
		}
		out = append(out, res.Messages...)
	}
	if len(out) != n {
		t.Fatalf("received %d messages from %s, want %d", len(out), url, n)
	}
	return out
}

// dlqDepth returns the dead-letter queue's message count, visible or not.
func (s *suite) dlqDepth(t *testing.T) int { return s.depth(t, s.dlqURL) }

// depth returns a queue's message count, visible or not.
func (s *suite) depth(t *testing.T, url string) int {
	t.Helper()
	res, err := s.sqs.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible},
	})
	if err != nil {
		t.Fatalf("%s attributes: %v", url, err)
	}
	visible, _ := strconv.Atoi(res.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	hidden, _ := strconv.Atoi(res.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return visible + hidden
}

// sqsEvent builds the SQS event of msgs from testdata/sqs-record.json.
func (s *suite) sqsEvent(t *testing.T, msgs []types.Message) []byte {
	t.Helper()
	arn := "arn:aws:sqs:us-east-1:123456789012:" + s.queueURL[strings.LastIndex(s.queueURL, "/")+1:]
	var records []string
	for _, m := range msgs {
		body, rh := aws.ToString(m.Body), aws.ToString(m.ReceiptHandle)
		bodyJSON, _ := json.Marshal(body)
		rhJSON, _ := json.Marshal(rh)
		sum := md5.Sum([]byte(body))
		attrs := map[string]events.SQSMessageAttribute{}
		for k, v := range m.MessageAttributes {
			attrs[k] = events.SQSMessageAttribute{DataType: aws.ToString(v.DataType), StringValue: v.StringValue}
		}
		attrsJSON, _ := json.Marshal(attrs)
		records = append(records, string(fixture(t, "sqs-record.json", map[string]string{
			"messageAttributesJSON": string(attrsJSON),
			"messageId":             aws.ToString(m.MessageId), "receiptHandleJSON": string(rhJSON), "bodyJSON": string(bodyJSON),
			"receiveCount": m.Attributes["ApproximateReceiveCount"], "sentTimestamp": m.Attributes["SentTimestamp"],
			"md5": hex.EncodeToString(sum[:]), "queueArn": arn,
		})))
	}
	return []byte(`{"Records":[` + strings.Join(records, ",") + `]}`)
}

// process invokes fn with msgs as one batch and returns the failures.
func (s *suite) process(t *testing.T, fn *function, msgs []types.Message) []string {
	t.Helper()
	var res events.SQSEventResponse
	fn.invoke(t, s.sqsEvent(t, msgs), &res)
	ids := []string{}
	for _, f := range res.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	sort.Strings(ids)
	return ids
}

// jobIDOf returns the job of a message, or "" for a wake-up (no job).
func jobIDOf(t *testing.T, m types.Message) string {
	if _, ok := m.MessageAttributes["WakeUp"]; ok {
		return ""
	}
	jm, err := queue.DecodeJobMessage(aws.ToString(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	return jm.JobID
}

// TestRIEFunctions drives every function through its real bootstrap, in
// order, against one emulated table and set of queues.
func TestRIEFunctions(t *testing.T) {
	s := newSuite(t)
	processjob := start(t, s.e, "processjob", 60, "JOBLINE_MIN_REMAINING_SECONDS=5")

	t.Run("no identity answers 401", func(t *testing.T) {
		var res events.APIGatewayV2HTTPResponse
		s.getjob.invoke(t, fixture(t, "apigw-no-auth.json", nil), &res)
		if res.StatusCode != 401 || !strings.Contains(res.Body, `"unauthorized"`) {
			t.Fatalf("got %d %s, want 401 unauthorized", res.StatusCode, res.Body)
		}
	})

	t.Run("processjob and getjob refuse to start without the assets bucket", func(t *testing.T) {
		for _, fn := range []string{"processjob", "getjob"} {
			f := start(t, s.e, fn, 10, "JOBLINE_ASSETS_BUCKET=")
			res, err := http.Post(f.url, "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatalf("invoke %s: %v", fn, err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			// RIE answers the invocation with an error (502), and the log says why.
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(f.logs.String(), "assets bucket is required (JOBLINE_ASSETS_BUCKET)") && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if res.StatusCode == http.StatusOK || !strings.Contains(f.logs.String(), "assets bucket is required (JOBLINE_ASSETS_BUCKET)") {
				t.Fatalf("%s without a bucket answered %d %s; logs:\n%s", fn, res.StatusCode, body, f.logs.String())
			}
		}
	})

	t.Run("create then get, process, list", func(t *testing.T) {
		job := s.create(t, `{"jobType":"echo","parameters":{"hello":"rie"}}`)
		if job.Status != "queued" || job.JobType != "echo" {
			t.Fatalf("created %+v", job)
		}
		if got := s.get(t, job.ID); got.ID != job.ID || got.Status != "queued" {
			t.Fatalf("get = %+v", got)
		}
		if res := s.call(t, "someone-else", "GET", "/jobs/"+job.ID, ""); res.StatusCode != 404 {
			t.Fatalf("another user's get = %d %s, want 404", res.StatusCode, res.Body)
		}
		msgs := s.receive(t, s.queueURL, 1)
		if failed := s.process(t, processjob, msgs); len(failed) != 0 {
			t.Fatalf("batchItemFailures = %v, want none", failed)
		}
		done := s.get(t, job.ID)
		if done.Status != "completed" || string(done.Result) != `{"hello":"rie"}` {
			t.Fatalf("after processing: %+v result %s", done, done.Result)
		}
		res := s.call(t, s.sub, "GET", "/jobs", "status=completed&limit=5")
		if res.StatusCode != 200 || !strings.Contains(res.Body, job.ID) {
			t.Fatalf("list = %d %s", res.StatusCode, res.Body)
		}
	})

	t.Run("a list of big jobs fits a Lambda response", func(t *testing.T) {
		// 16 jobs of 65 KB parameters of '<': with json.Marshal's HTML
		// escaping the page was 6.2 MB and RIE answered 502
		// Function.ResponseSizeTooLarge; without it, about 1 MB.
		owner := s.sub
		s.sub = owner + "-big"
		defer func() { s.sub = owner }()
		for range 16 {
			s.create(t, `{"jobType":"echo","parameters":{"s":"`+strings.Repeat("<", 65_000)+`"}}`)
		}
		// (moto ends an index Query at 1 MB of whole items, where DynamoDB
		// counts the keys it read: the first page may stop at 15.)
		listed, query := 0, "limit=20"
		for range 3 {
			var res events.APIGatewayV2HTTPResponse
			raw := s.getjob.invoke(t, fixture(t, "apigw-get.json", map[string]string{"sub": s.sub, "method": "GET", "path": "/jobs", "query": query}), &res)
			var page struct {
				Jobs       []apiJob
				NextCursor *string
			}
			if err := json.Unmarshal([]byte(res.Body), &page); res.StatusCode != 200 || err != nil {
				t.Fatalf("list = %d (%v)", res.StatusCode, err)
			}
			if len(raw) > 6_000_000/5 {
				t.Errorf("the invocation's response is %d bytes; want about 1 MB, far under Lambda's 6 MB", len(raw))
			}
			listed += len(page.Jobs)
			if page.NextCursor == nil {
				break
			}
			query = "limit=20&cursor=" + *page.NextCursor
		}
		if listed != 16 {
			t.Errorf("listed %d jobs, want 16", listed)
		}
		// Run them, so that the next cases find the queue as they left it.
		if failed := s.process(t, processjob, s.receive(t, s.queueURL, 16)); len(failed) != 0 {
			t.Fatalf("batchItemFailures = %v", failed)
		}
	})

	var failing []string // the "fail" jobs of the batch
	t.Run("batch of 10 with 3 failing reports exactly those 3", func(t *testing.T) {
		want := map[string]bool{}
		for i := 0; i < 10; i++ {
			if i%3 == 1 { // 1, 4, 7
				j := s.create(t, `{"jobType":"fail","maxAttempts":2}`)
				failing = append(failing, j.ID)
				want[j.ID] = true
			} else {
				s.create(t, fmt.Sprintf(`{"jobType":"echo","parameters":{"i":%d}}`, i))
			}
		}
		msgs := s.receive(t, s.queueURL, 10)
		var wantFailed []string
		for _, m := range msgs {
			if want[jobIDOf(t, m)] {
				wantFailed = append(wantFailed, aws.ToString(m.MessageId))
			}
		}
		sort.Strings(wantFailed)
		got := s.process(t, processjob, msgs)
		if strings.Join(got, ",") != strings.Join(wantFailed, ",") || len(got) != 3 {
			t.Fatalf("batchItemFailures = %v, want exactly %v", got, wantFailed)
		}
		for _, m := range msgs {
			j := s.get(t, jobIDOf(t, m))
			switch {
			case want[j.ID] && (j.Status != "processing" || j.Attempt != 1 || j.ErrorMessage == nil):
				t.Errorf("failing job after attempt 1: %+v", j)
			case !want[j.ID] && j.Status != "completed":
				t.Errorf("echo job: %+v", j)
			}
		}
	})

	t.Run("exhausted attempts end failed with the message in the DLQ", func(t *testing.T) {
		// The engine made the 3 messages visible again after the backoff.
		msgs := s.receive(t, s.queueURL, 3)
		if failed := s.process(t, processjob, msgs); len(failed) != 0 {
			t.Fatalf("batchItemFailures = %v, want none (dead-lettered messages are done)", failed)
		}
		for _, id := range failing {
			if j := s.get(t, id); j.Status != "failed" || j.Attempt != 2 {
				t.Errorf("job %s: %+v, want failed after 2 attempts", id, j)
			}
		}
		// The DLQ holds exactly their messages: the Lambda form of
		// dlqredrive reads them, and a dry run changes nothing.
		if n := s.dlqDepth(t); n != 3 {
			t.Fatalf("DLQ depth = %d, want 3", n)
		}
		fn := start(t, s.e, "dlqredrive", 60)
		var out struct {
			Result struct {
				DryRun   bool `json:"dryRun"`
				Redriven int  `json:"redriven"`
				Items    []struct {
					JobID  string `json:"jobId"`
					Action string `json:"action"`
				} `json:"items"`
			} `json:"result"`
		}
		fn.invoke(t, fixture(t, "dlqredrive-redrive.json", map[string]string{"jobType": "fail", "max": "10", "dryRun": "true"}), &out)
		var got []string
		for _, it := range out.Result.Items {
			if it.Action == "would-redrive" {
				got = append(got, it.JobID)
			}
		}
		sort.Strings(got)
		sorted := append([]string{}, failing...)
		sort.Strings(sorted)
		if !out.Result.DryRun || out.Result.Redriven != 3 || strings.Join(got, ",") != strings.Join(sorted, ",") {
			t.Fatalf("dry-run redrive = %+v, want the 3 jobs %v", out.Result, sorted)
		}
		for _, id := range failing {
			if j := s.get(t, id); j.Status != "failed" {
				t.Errorf("dry run changed job %s: %+v", id, j)
			}
		}
	})

	t.Run("the admin function serves admins only: DLQ, queues, timeline, dry-run redrive, metrics", func(t *testing.T) {
		admin := start(t, s.e, "admin", 29, "JOBLINE_ADMIN_CLAIM=cognito:groups", "JOBLINE_ADMIN_CLAIM_VALUE=jobline-admins")
		call := func(groups, method, path, query, body string) events.APIGatewayV2HTTPResponse {
			t.Helper()
			bodyJSON, _ := json.Marshal(body)
			var res events.APIGatewayV2HTTPResponse
			admin.invoke(t, fixture(t, "apigw-admin.json", map[string]string{"sub": "rie-ops", "groups": groups, "method": method,
				"path": path, "query": query, "bodyJSON": string(bodyJSON)}), &res)
			return res
		}
		if res := call("[users]", "GET", "/admin/dlq", "", ""); res.StatusCode != 404 || res.Body != `{"error":{"code":"not_found","message":"no such route: /admin/dlq"}}`+"\n" {
			t.Fatalf("a non-admin's GET /admin/dlq = %d %s, want a missing route's 404", res.StatusCode, res.Body)
		}
		ops := "[users jobline-admins]"
		res := call(ops, "GET", "/admin/dlq", "", "")
		for _, id := range failing {
			if res.StatusCode != 200 || !strings.Contains(res.Body, id) {
				t.Fatalf("admin DLQ = %d %s, want job %s", res.StatusCode, res.Body, id)
			}
		}
		if res := call(ops, "GET", "/admin/queues", "", ""); res.StatusCode != 200 || !strings.Contains(res.Body, `"role":"dead-letter"`) {
			t.Errorf("admin queues = %d %s", res.StatusCode, res.Body)
		}
		if res := call(ops, "GET", "/admin/jobs/"+failing[0], "", ""); res.StatusCode != 200 || !strings.Contains(res.Body, `"outcome":"failed"`) ||
			!strings.Contains(res.Body, `"timeline":[`) || !strings.Contains(res.Body, `"owner":"`+s.sub+`"`) {
			t.Errorf("admin job = %d %s", res.StatusCode, res.Body)
		}
		res = call(ops, "POST", "/admin/dlq/redrive", "", `{"all":true,"jobType":"fail","dryRun":true}`)
		if res.StatusCode != 200 || strings.Count(res.Body, `"action":"would-redrive"`) != 3 {
			t.Errorf("admin dry-run redrive = %d %s", res.StatusCode, res.Body)
		}
		if res := call(ops, "GET", "/admin/metrics", "window=5m", ""); res.StatusCode != 200 || !strings.Contains(res.Body, `"stepSeconds":60`) {
			t.Errorf("admin metrics = %d %s", res.StatusCode, res.Body)
		}
		for _, id := range failing {
			if j := s.get(t, id); j.Status != "failed" {
				t.Errorf("the admin's dry run changed job %s: %+v", id, j)
			}
		}
		// processjob's logs carry the invocation's request id and its EMF
		// metric lines: one per job type and invocation, a metric's
		// samples as an array when there are several.
		if logs := processjob.logs.String(); !strings.Contains(logs, "requestId") || !strings.Contains(logs, `"_aws":{"Timestamp"`) ||
			!regexp.MustCompile(`"JobsDeadLettered":(1|\[1(,1)*\])[,}]`).MatchString(logs) {
			t.Errorf("processjob logs lack the request id or the EMF lines:\n%s", logs)
		}
	})

	t.Run("dlqredrive brings a dead-lettered job back and it completes", func(t *testing.T) {
		// Storage is broken for the first run: the worker's bucket does
		// not exist, so the report job cannot write and exhausts its
		// single attempt.
		brokenWorker := start(t, s.e, "processjob", 60, "JOBLINE_ASSETS_BUCKET=jobline-no-such-bucket")
		job := s.create(t, `{"jobType":"report","parameters":{"rows":3},"maxAttempts":1}`)
		if failed := s.process(t, brokenWorker, s.receive(t, s.queueURL, 1)); len(failed) != 0 {
			t.Fatalf("batchItemFailures = %v", failed)
		}
		if j := s.get(t, job.ID); j.Status != "failed" {
			t.Fatalf("report job with broken storage: %+v", j)
		}

		// The Lambda form lists it.
		redriveFn := start(t, s.e, "dlqredrive", 60)
		var listed struct {
			Entries []struct {
				JobID, JobType, Owner string
				Status                string
			} `json:"entries"`
		}
		redriveFn.invoke(t, fixture(t, "dlqredrive-list.json", nil), &listed)
		found := false
		for _, e := range listed.Entries {
			if e.JobID == job.ID && e.JobType == "report" && e.Owner == s.sub && e.Status == "failed" {
				found = true
			}
		}
		if !found {
			t.Fatalf("dlqredrive list = %+v, want the report job", listed.Entries)
		}

		// The CLI form redrives it (by ID: the listing hid the messages).
		cli := func(args ...string) (string, int) {
			cmd := exec.Command(filepath.Join(s.e.binDir, "dlqredrive", "bootstrap"), args...)
			cmd.Env = s.e.vars
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("dlqredrive %v: %v", args, err)
			}
			return string(out), code
		}
		if out, code := cli("redrive", "--max", "-1"); code != 2 {
			t.Fatalf("bad flag: exit %d, want 2\n%s", code, out)
		}
		if out, code := cli("redrive", "--job-id", job.ID, "--dry-run"); code != 0 || !strings.Contains(out, "would be redriven") {
			t.Fatalf("dry run: exit %d\n%s", code, out)
		}
		if j := s.get(t, job.ID); j.Status != "failed" {
			t.Fatalf("dry run changed the job: %+v", j)
		}
		out, code := cli("redrive", "--job-id", job.ID, "--reason", "storage fixed")
		if code != 0 || !strings.Contains(out, "1 job(s) redriven") {
			t.Fatalf("redrive: exit %d\n%s", code, out)
		}
		if j := s.get(t, job.ID); j.Status != "queued" || j.Attempt != 0 {
			t.Fatalf("after redrive: %+v", j)
		}
		// Twice is harmless.
		if out, code := cli("redrive", "--job-id", job.ID); code != 0 || !strings.Contains(out, "0 job(s) redriven") {
			t.Fatalf("second redrive: exit %d\n%s", code, out)
		}

		// With storage fixed, the job runs again and completes.
		if failed := s.process(t, processjob, s.receive(t, s.queueURL, 1)); len(failed) != 0 {
			t.Fatalf("batchItemFailures = %v", failed)
		}
		if j := s.get(t, job.ID); j.Status != "completed" || j.Attempt != 1 {
			t.Fatalf("redriven job: %+v", j)
		}
		// Its report is in S3, and the asset's url (presigned by getjob)
		// downloads it with a plain GET.
		res := s.call(t, s.sub, "GET", "/jobs/"+job.ID+"/assets", "")
		var assets struct {
			Assets []struct {
				AssetType   string `json:"assetType"`
				URL         string `json:"url"`
				StoragePath string `json:"storagePath"`
				FileSize    int64  `json:"fileSize"`
			} `json:"assets"`
		}
		if err := json.Unmarshal([]byte(res.Body), &assets); res.StatusCode != 200 || err != nil || len(assets.Assets) != 1 || assets.Assets[0].AssetType != "report" {
			t.Fatalf("assets = %d %s (%v)", res.StatusCode, res.Body, err)
		}
		a := assets.Assets[0]
		if a.StoragePath != "reports/"+job.ID+"/report.csv" || !strings.Contains(a.URL, "X-Amz-Signature=") {
			t.Fatalf("asset %+v: want the S3 key and a presigned URL", a)
		}
		const wantCSV = "row,square\n1,1\n2,4\n3,9\n"
		dl, err := http.Get(a.URL)
		if err != nil {
			t.Fatalf("download %s: %v", a.URL, err)
		}
		body, _ := io.ReadAll(dl.Body)
		dl.Body.Close()
		if dl.StatusCode != 200 || string(body) != wantCSV || a.FileSize != int64(len(wantCSV)) {
			t.Fatalf("download %s: %d %q (fileSize %d); want 200 %q", a.URL, dl.StatusCode, body, a.FileSize, wantCSV)
		}
	})

	t.Run("cancel through getjob", func(t *testing.T) {
		job := s.create(t, `{"jobType":"echo","delaySeconds":900}`)
		res := s.call(t, s.sub, "POST", "/jobs/"+job.ID+"/cancel", "")
		if res.StatusCode != 200 || !strings.Contains(res.Body, `"status":"canceled"`) {
			t.Fatalf("cancel = %d %s", res.StatusCode, res.Body)
		}
	})

	t.Run("a high-priority job runs from the lane on its wake-up", func(t *testing.T) {
		job := s.create(t, `{"jobType":"echo","priority":5,"parameters":{"lane":true}}`)
		// Only the wake-up is in the mapped queue; the job's message waits
		// in the lane, which processjob drains at the start of the
		// invocation the wake-up starts.
		wake := s.receive(t, s.queueURL, 1)
		if got := jobIDOf(t, wake[0]); got != "" {
			t.Fatalf("the mapped queue holds job %s's message, want a wake-up", got)
		}
		if failed := s.process(t, processjob, wake); len(failed) != 0 {
			t.Fatalf("batchItemFailures = %v, want none (a wake-up is done at once)", failed)
		}
		if done := s.get(t, job.ID); done.Status != "completed" || string(done.Result) != `{"lane":true}` {
			t.Fatalf("high-priority job after the wake-up: %+v result %s", done, done.Result)
		}
		if n := s.depth(t, s.highQueueURL); n != 0 {
			t.Fatalf("the lane holds %d messages after processing, want 0", n)
		}
	})

	t.Run("reconcile sweeps", func(t *testing.T) {
		fn := start(t, s.e, "reconcile", 60)
		var rep map[string]int
		fn.invoke(t, fixture(t, "schedule-event.json", nil), &rep)
		if _, ok := rep["Scanned"]; !ok {
			t.Fatalf("reconcile report = %v", rep)
		}
	})
}
