package awsapi_test

import (
	"context"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/dynamo"
)

// noBackoff retries at once, so that tests do not sleep.
type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// server answers each request with the next of answers (the last one
// repeats) and counts them.
func server(t *testing.T, answers ...func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		answers[min(i, len(answers)-1)](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func status(code int, header map[string]string, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func config(endpoint string) aws.Config {
	return aws.Config{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", "TOKEN"),
		BaseEndpoint: aws.String(endpoint),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.Backoff = noBackoff{}; o.MaxAttempts = 3 })
		},
	}
}

func newDynamo(t *testing.T, endpoint string, hooks ...awsapi.Hook) *dynamo.Client {
	t.Helper()
	c, err := dynamo.New(context.Background(), config(endpoint), awsapi.Options{Hooks: hooks})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func getItem(c *dynamo.Client) (*dynamo.GetItemOutput, error) {
	return c.GetItem(context.Background(), &dynamo.GetItemInput{
		TableName: aws.String("jobs"),
		Key:       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "JOB#1"}},
	})
}

// TestSignsAndTargetsJSONRequests checks the request of a JSON 1.0 call:
// POST /, its target and content type, a SigV4 signature of the region and
// service with the session token, and the body.
func TestSignsAndTargetsJSONRequests(t *testing.T) {
	var got *http.Request
	var body string
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		_, _ = io.WriteString(w, `{"Item":{"PK":{"S":"JOB#1"},"n":{"N":"7"}}}`)
	})
	out, err := getItem(newDynamo(t, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := out.Item["n"].(*types.AttributeValueMemberN); !ok || n.Value != "7" {
		t.Fatalf("Item = %#v", out.Item)
	}
	if got.Method != http.MethodPost || got.URL.Path != "/" {
		t.Errorf("request %s %s, want POST /", got.Method, got.URL.Path)
	}
	if h := got.Header.Get("X-Amz-Target"); h != "DynamoDB_20120810.GetItem" {
		t.Errorf("X-Amz-Target = %q", h)
	}
	if h := got.Header.Get("Content-Type"); h != "application/x-amz-json-1.0" {
		t.Errorf("Content-Type = %q", h)
	}
	auth := got.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKID/") || !strings.Contains(auth, "/eu-west-1/dynamodb/aws4_request") {
		t.Errorf("Authorization = %q", auth)
	}
	if got.Header.Get("X-Amz-Security-Token") != "TOKEN" {
		t.Errorf("no session token header")
	}
	if body != `{"Key":{"PK":{"S":"JOB#1"}},"TableName":"jobs"}` && !strings.Contains(body, `"TableName":"jobs"`) {
		t.Errorf("body = %s", body)
	}
}

// TestRetriesServerErrorsAndThrottling: a 500 and a throttle are retried;
// the Call hook sees one call, the Attempt hook each request.
func TestRetriesServerErrorsAndThrottling(t *testing.T) {
	srv, n := server(t,
		status(500, nil, `{"__type":"InternalServerError","message":"boom"}`),
		status(400, nil, `{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow down"}`),
		status(200, nil, `{}`))
	var calls, attempts int
	hook := awsapi.Hook{
		Call: func(ctx context.Context, c *awsapi.Call, next func(context.Context) error) error {
			calls++
			if c.Service != "DynamoDB" || c.Operation != "GetItem" {
				t.Errorf("call %s.%s", c.Service, c.Operation)
			}
			return next(ctx)
		},
		Attempt: func(context.Context, *awsapi.Call) { attempts++ },
	}
	if _, err := getItem(newDynamo(t, srv.URL, hook)); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 3 || calls != 1 || attempts != 3 {
		t.Fatalf("requests %d, calls %d, attempts %d; want 3, 1, 3", n.Load(), calls, attempts)
	}
}

// TestGivesUpAfterMaxAttempts: a server that keeps failing gets the
// retryer's attempts, and the error keeps the status and code.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	srv, n := server(t, status(503, map[string]string{"X-Amzn-Requestid": "req-1"}, `{"__type":"ServiceUnavailable"}`))
	_, err := getItem(newDynamo(t, srv.URL))
	var re *awsapi.ResponseError
	var api smithy.APIError
	if !errors.As(err, &re) || re.StatusCode != 503 || re.RequestID != "req-1" || !errors.As(err, &api) || api.ErrorCode() != "ServiceUnavailable" {
		t.Fatalf("err = %v", err)
	}
	if n.Load() != 3 {
		t.Fatalf("%d requests, want 3", n.Load())
	}
	var op *smithy.OperationError
	if !errors.As(err, &op) || op.Operation() != "GetItem" || op.Service() != "DynamoDB" {
		t.Fatalf("not an operation error: %v", err)
	}
}

// TestDoesNotRetryClientErrors: a ValidationException is returned at once
// with its code and message.
func TestDoesNotRetryClientErrors(t *testing.T) {
	srv, n := server(t, status(400, nil, `{"__type":"com.amazon.coral.validate#ValidationException","message":"Item size has exceeded the maximum allowed size"}`))
	_, err := getItem(newDynamo(t, srv.URL))
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" || !strings.Contains(api.ErrorMessage(), "maximum allowed size") || api.ErrorFault() != smithy.FaultClient {
		t.Fatalf("err = %v", err)
	}
	if n.Load() != 1 {
		t.Fatalf("%d requests, want 1", n.Load())
	}
}

// TestModelledErrors: the errors callers test for by type come back as
// the SDK's types, with their members.
func TestModelledErrors(t *testing.T) {
	srv, _ := server(t, status(400, nil, `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled","CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed","Item":{"PK":{"S":"JOB#1"},"status":{"S":"running"}}}]}`))
	_, err := getItem(newDynamo(t, srv.URL))
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 2 {
		t.Fatalf("err = %v", err)
	}
	r := tce.CancellationReasons[1]
	if aws.ToString(r.Code) != "ConditionalCheckFailed" || r.Item["status"].(*types.AttributeValueMemberS).Value != "running" {
		t.Fatalf("reason = %+v", r)
	}
	if tce.ErrorCode() != "TransactionCanceledException" || aws.ToString(tce.Message) != "Transaction cancelled" {
		t.Fatalf("code %q message %q", tce.ErrorCode(), aws.ToString(tce.Message))
	}
}

// TestQueryCompatibleErrorCode: SQS's JSON errors carry the query
// protocol's code in x-amzn-query-error, which callers match.
func TestQueryCompatibleErrorCode(t *testing.T) {
	srv, _ := server(t, status(400, map[string]string{"X-Amzn-Query-Error": "AWS.SimpleQueueService.NonExistentQueue;Sender"},
		`{"__type":"com.amazonaws.sqs#SomethingUnmodelled","message":"no queue"}`))
	c, err := awsapi.NewJSONClient(context.Background(), awsapi.JSONService{
		Service: awsapi.Service{ID: "SQS", SigningName: "sqs"}, TargetPrefix: "AmazonSQS",
	}, config(srv.URL), awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Call(context.Background(), "GetQueueAttributes", &struct{ QueueUrl *string }{aws.String("q")}, &struct{}{})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "AWS.SimpleQueueService.NonExistentQueue" || api.ErrorMessage() != "no queue" {
		t.Fatalf("err = %v", err)
	}
}

// TestCanceledContextStopsRetries: a caller that gives up is not kept
// waiting by the retryer.
func TestCanceledContextStopsRetries(t *testing.T) {
	srv, n := server(t, status(500, nil, `{}`))
	cfg := config(srv.URL)
	cfg.Retryer = func() aws.Retryer { return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 10 }) }
	c, err := dynamo.New(context.Background(), cfg, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.GetItem(ctx, &dynamo.GetItemInput{TableName: aws.String("t")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's", err)
	}
	if n.Load() >= 10 {
		t.Fatalf("%d requests", n.Load())
	}
}

// endpoints is a config source of per-service endpoints.
type endpoints map[string]string

func (e endpoints) GetServiceBaseEndpoint(_ context.Context, id string) (string, bool, error) {
	v, ok := e[id]
	return v, ok, nil
}

// TestEndpointResolution: an option's endpoint, else the service's own
// from the config's sources (AWS_ENDPOINT_URL_<SERVICE>), else the base
// endpoint, else AWS's regional one.
func TestEndpointResolution(t *testing.T) {
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("a", "b", "")
	base := aws.Config{Region: "cn-north-1", Credentials: creds}
	cases := []struct {
		name string
		cfg  aws.Config
		opt  string
		want string
	}{
		{"regional", base, "", "https://dynamodb.cn-north-1.amazonaws.com.cn"},
		{"base", aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String("http://127.0.0.1:1/")}, "", "http://127.0.0.1:1"},
		{"service", aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String("http://base"),
			ConfigSources: []any{endpoints{"SQS": "http://sqs"}, endpoints{"DynamoDB": "http://ddb"}}}, "", "http://ddb"},
		{"option", aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String("http://base")}, "http://opt", "http://opt"},
	}
	for _, c := range cases {
		cl, err := awsapi.NewClient(ctx, dynamo.Service.Service, c.cfg, awsapi.Options{Endpoint: c.opt})
		if err != nil {
			t.Fatal(err)
		}
		if cl.Endpoint() != c.want {
			t.Errorf("%s: endpoint %q, want %q", c.name, cl.Endpoint(), c.want)
		}
	}
	if _, err := awsapi.NewClient(ctx, dynamo.Service.Service, aws.Config{Credentials: creds}, awsapi.Options{}); err == nil {
		t.Error("no region: no error")
	}
	if _, err := awsapi.NewClient(ctx, dynamo.Service.Service, aws.Config{Region: "us-east-1"}, awsapi.Options{}); err == nil {
		t.Error("no credentials: no error")
	}
}

// TestRetriesDamagedResponses: a body whose x-amz-crc32 does not match is
// retried, a matching one accepted.
func TestRetriesDamagedResponses(t *testing.T) {
	good := `{"Item":{"PK":{"S":"JOB#1"}}}`
	srv, n := server(t,
		status(200, map[string]string{"X-Amz-Crc32": "12345"}, good),
		status(200, map[string]string{"X-Amz-Crc32": strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(good))), 10)}, good))
	out, err := getItem(newDynamo(t, srv.URL))
	if err != nil || n.Load() != 2 || len(out.Item) != 1 {
		t.Fatalf("out %v, err %v after %d requests; want the item after 2", out, err, n.Load())
	}
	srv, n = server(t, status(200, map[string]string{"X-Amz-Crc32": "1"}, good))
	if _, err := getItem(newDynamo(t, srv.URL)); err == nil || !strings.Contains(err.Error(), "checksum") || n.Load() != 3 {
		t.Fatalf("err %v after %d requests; want a checksum error after 3", err, n.Load())
	}
}
