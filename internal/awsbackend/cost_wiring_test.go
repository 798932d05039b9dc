package awsbackend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"jobline/internal/api"
	"jobline/internal/awsbackend/awstest"
	"jobline/internal/blob/s3blob"
	"jobline/internal/clock"
	"jobline/internal/demojobs"
	"jobline/internal/deploy"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/logging"
	"jobline/internal/metrics"
	"jobline/internal/queue"
	"jobline/internal/queue/sqsqueue"
	"jobline/internal/sqsbatch"
	"jobline/internal/worker"
)

// costHarnessName names the code the cost report measures.
const costHarnessName = "this branch"

// clientPolicy is the browsers' poll policy: the web client's default.
var clientPolicy pollPolicy = serverGuided{}

// costSystem is the job system wired as the Lambda functions wire it, on a
// fresh table and fresh queues of the emulator, with every DynamoDB
// request metered and every AWS request of the application counted.
type costSystem struct {
	api        http.Handler
	engine     *worker.Engine
	esm        *sqsqueue.Queue // the event source mapping's view of the queues, on an uncounted client
	counter    *awstest.RequestCounter
	meter      *awstest.Meter
	reconciler *worker.Reconciler
	shards     [2]int    // the store's creation and sweep shards
	logs       *logMeter // the functions' log groups (standard class)
	accessLogs *logMeter // the API's access log group
	accessLog  accessLogGroup
	metrics    *metrics.Batch     // processjob's: flushed after each batch
	lane       *sqsbatch.LaneGate // processjob's: when it looks at the high-priority lane
}

// accessLogGroup is what template.yaml says of the API's access log: the
// line's format, with API Gateway's $context variables, and its log
// group's class.
type accessLogGroup struct {
	format, class string
}

// pricePerGB is the ingestion price of the group's class.
func (g accessLogGroup) pricePerGB() float64 {
	if g.class == "INFREQUENT_ACCESS" {
		return pricePerGBLogsIA
	}
	return pricePerGBLogs
}

// logMeter counts what the functions write to CloudWatch Logs (their log
// lines at template.yaml's default level, INFO, and their EMF metric
// lines), as CloudWatch bills ingestion: the bytes of each event and 26
// bytes of metadata. Lambda's platform lines (START, END, REPORT) are not
// written: the template sets SystemLogLevel WARN.
type logMeter struct {
	mu            sync.Mutex
	bytes, events int
}

// cloudWatchEventOverhead is the metadata CloudWatch Logs bills with each
// log event.
const cloudWatchEventOverhead = 26

func (m *logMeter) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bytes += len(p)
	m.events += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}

// take returns the billed bytes counted since the last take.
func (m *logMeter) take() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	billed := m.bytes + cloudWatchEventOverhead*m.events
	m.bytes, m.events = 0, 0
	return billed
}

// readAccessLogGroup reads the HTTP API's AccessLogSettings.Format and
// ApiAccessLogGroup's LogGroupClass (STANDARD when unset) from template.
func readAccessLogGroup(template string) (accessLogGroup, error) {
	raw, err := os.ReadFile(template)
	if err != nil {
		return accessLogGroup{}, err
	}
	format := regexp.MustCompile(`(?m)^\s+AccessLogSettings:\s*\n(?:\s+\S.*\n)*?\s+Format: '(.+)'\s*$`).FindSubmatch(raw)
	if format == nil {
		return accessLogGroup{}, fmt.Errorf("%s: no AccessLogSettings Format", template)
	}
	g := accessLogGroup{format: string(format[1]), class: "STANDARD"}
	group := regexp.MustCompile(`(?m)^  ApiAccessLogGroup:\s*\n((?:    .*\n|\s*\n)+)`).FindSubmatch(raw)
	if group == nil {
		return accessLogGroup{}, fmt.Errorf("%s: no ApiAccessLogGroup", template)
	}
	if class := regexp.MustCompile(`(?m)^\s+LogGroupClass: (\S+)`).FindSubmatch(group[1]); class != nil {
		g.class = string(class[1])
	}
	return g, nil
}

// accessLogLine is the access log line API Gateway writes for a request
// of route answered with status and a body of length bytes: format's
// variables with values of a real request's lengths (an id of API
// Gateway's, a Cognito sub, "-" for what is absent).
func accessLogLine(format, route string, status, length int) string {
	values := map[string]string{
		"$context.requestId":               "Ld4vOhCjoAMEbHg=",
		"$context.identity.sourceIp":       "203.0.113.77",
		"$context.requestTime":             "29/Nov/2026:16:13:38 +0000",
		"$context.routeKey":                route,
		"$context.status":                  strconv.Itoa(status),
		"$context.responseLength":          strconv.Itoa(length),
		"$context.authorizer.claims.sub":   "8c2bd3b1-6f0d-4a58-9d0e-3f1b5a7c9e21",
		"$context.authorizer.error":        "-",
		"$context.integrationErrorMessage": "-",
	}
	return regexp.MustCompile(`\$context(\.[A-Za-z]+)+`).ReplaceAllStringFunc(format, func(v string) string {
		if value, ok := values[v]; ok {
			return value
		}
		return "-"
	})
}

// lambdaLogger logs as a function of template.yaml does: JSON lines at
// INFO, with the function's name and the invocation's request id
// (lambdafn.newLogger, whose handler is aws-lambda-go's lambdacontext).
func lambdaLogger(function string, w io.Writer) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})
	return slog.New(logging.Milliseconds(h, slog.LevelInfo)).With("requestId", "8c2bd3b1-6f0d-4a58-9d0e-3f1b5a7c9e21", "function", function)
}

func newCostSystem(t testing.TB) *costSystem {
	t.Helper()
	cfg := awstest.Config(t)
	raw := awstest.Clients(t, cfg)
	schema, path := awstest.JobsTableSchema(t)
	s := &costSystem{counter: awstest.NewRequestCounter(), meter: awstest.NewMeter(schema, raw.DynamoDB),
		logs: &logMeter{}, accessLogs: &logMeter{}}
	var err error
	if s.accessLog, err = readAccessLogGroup(path); err != nil {
		t.Fatal(err)
	}
	clients := awstest.Clients(t, cfg, awstest.TimeCalls, s.counter.Hook(), s.meter.Hook())
	storeCfg := awstest.StoreConfig(cfg, awstest.NewTable(t, raw.DynamoDB, cfg)) // the stack's shard counts: template.yaml's defaults
	s.shards = [2]int{storeCfg.CreationShards, storeCfg.SweepShards}
	store, err := dynamostore.New(clients.Dynamo, storeCfg)
	if err != nil {
		t.Fatal(err)
	}
	queues := awstest.NewQueues(t, raw.SQS, cfg, 0)
	q, err := sqsqueue.New(clients.SQSAPI, queues)
	if err != nil {
		t.Fatal(err)
	}
	if s.esm, err = sqsqueue.New(raw.SQSAPI, queues); err != nil {
		t.Fatal(err)
	}
	assets, err := s3blob.New(clients.S3API, s3blob.Config{Bucket: cfg.AssetsBucket, Prefix: "cost-" + time.Now().Format("150405.000000") + "/"})
	if err != nil {
		t.Fatal(err)
	}
	reg := worker.NewRegistry()
	demojobs.Register(reg, assets)
	// Echo's handler as a type without worker.Quick, run through the
	// claim: what echo cost before it was Quick, and what a job type that
	// is not safe to run twice pays.
	worker.Register(reg, claimedEcho, func(_ context.Context, _ *worker.Task, p json.RawMessage) (json.RawMessage, error) { return p, nil })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	const namespace = "Jobline/jobline" // template.yaml's, for a stack named jobline
	h, err := api.New(api.Config{Store: store, Queue: q, ValidateJob: reg.Validate,
		Logger: lambdaLogger("createjob", s.logs), Metrics: metrics.NewEMF(s.logs, namespace, quiet)})
	if err != nil {
		t.Fatal(err)
	}
	s.api = api.HeaderIdentity(h)
	// As processjob configures them.
	s.metrics = metrics.NewBatch(metrics.NewEMF(s.logs, namespace, quiet))
	s.lane = sqsbatch.NewLaneGate(deploy.ProcessBatchSize, sqsbatch.DefaultLaneInterval, time.Now)
	s.engine, err = worker.NewEngine(worker.Config{Store: store, Queue: q, Registry: reg,
		Logger: lambdaLogger("processjob", s.logs), Metrics: s.metrics,
		VisibilityTimeout: deploy.VisibilityTimeout, ProgressInterval: dynamostore.ProgressInterval})
	if err != nil {
		t.Fatal(err)
	}
	// A sweep long after the jobs ended, as the scheduled reconciler sees them.
	s.reconciler, err = worker.NewReconciler(worker.ReconcilerConfig{Store: store, Queue: q, Logger: quiet,
		Clock: clock.NewFake(time.Now().Add(10 * time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// process runs one message; true when it is to be deleted.
func (s *costSystem) process(ctx context.Context, m queue.Message) bool {
	return s.engine.Process(ctx, m).Disposition == worker.AckMessage
}

// reconcile runs one reconciler sweep.
func (s *costSystem) reconcile() error {
	_, err := s.reconciler.RunOnce(context.Background())
	return err
}
