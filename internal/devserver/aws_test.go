package devserver

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"jobline/internal/awsbackend/awstest"
)

// TestAWSBackendRunsJobsEndToEnd runs the dev server on DynamoDB, SQS and
// S3 in the emulator (fresh table and queues shaped like template.yaml's):
// an echo job completes, and a report's asset downloads from S3 through
// its presigned URL.
func TestAWSBackendRunsJobsEndToEnd(t *testing.T) {
	t.Parallel()
	awsCfg := awstest.Config(t)
	clients := awstest.Clients(t, awsCfg)
	awsCfg.TableName = awstest.NewTable(t, clients.DynamoDB, awsCfg)
	queues := awstest.NewQueues(t, clients.SQS, awsCfg, 0)
	awsCfg.QueueURL, awsCfg.HighQueueURL, awsCfg.DeadLetterQueueURL = queues.QueueURL, queues.HighQueueURL, queues.DeadLetterQueueURL
	if awsCfg.AssetsBucket == "" {
		t.Fatal("the emulator environment has no assets bucket (JOBLINE_ASSETS_BUCKET)")
	}

	r := start(t, Config{Backend: BackendAWS, AWS: &awsCfg})
	var echo jobJSON
	if code := call(t, "POST", r.base+"/jobs", `{"jobType":"echo","parameters":{"on":"aws"},"priority":3}`, &echo); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	if done := waitFor(t, r.base, echo.ID, "completed"); string(done.Result) != `{"on":"aws"}` {
		t.Fatalf("echo result %s", done.Result)
	}

	var report jobJSON
	call(t, "POST", r.base+"/jobs", `{"jobType":"report","parameters":{"rows":2}}`, &report)
	waitFor(t, r.base, report.ID, "completed")
	var assets struct {
		Assets []struct {
			URL string `json:"url"`
		} `json:"assets"`
	}
	call(t, "GET", r.base+"/jobs/"+report.ID+"/assets", "", &assets)
	if len(assets.Assets) != 1 || !strings.Contains(assets.Assets[0].URL, "X-Amz-Signature=") {
		t.Fatalf("assets %+v, want one presigned S3 URL", assets)
	}
	resp, err := http.Get(assets.Assets[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "row,square\n1,1\n2,4\n" {
		t.Fatalf("download: %d %q", resp.StatusCode, body)
	}
}

// The operator's path (testOperatorPath) on DynamoDB and SQS in the
// emulator: the same admin API, on the AWS backend.
func TestAdminRedrivesDeadLetteredJobOnAWSBackend(t *testing.T) {
	t.Parallel()
	awsCfg := awstest.Config(t)
	clients := awstest.Clients(t, awsCfg)
	awsCfg.TableName = awstest.NewTable(t, clients.DynamoDB, awsCfg)
	queues := awstest.NewQueues(t, clients.SQS, awsCfg, 0)
	awsCfg.QueueURL, awsCfg.HighQueueURL, awsCfg.DeadLetterQueueURL = queues.QueueURL, queues.HighQueueURL, queues.DeadLetterQueueURL
	r := start(t, Config{Backend: BackendAWS, AWS: &awsCfg, Admins: []string{"ops"}, BackoffBase: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	testOperatorPath(t, r.base)
}
