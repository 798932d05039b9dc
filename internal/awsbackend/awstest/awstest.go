// Package awstest connects tests to the AWS emulator that
// scripts/emulators/with-emulators.sh starts (make test does): it reads the
// emulator's environment, builds the clients (Jobline's, with a test's
// hooks, and the SDK's for the test's own setup), and makes fresh queues
// shaped like the ones template.yaml defines; RequestCounter counts the
// requests Jobline's clients send, Meter the capacity units.
//
// Without JOBLINE_TEST_AWS_ENDPOINT the tests skip, unless
// JOBLINE_REQUIRE_EMULATORS=1 (set by make test), when they fail.
package awstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/dynamo"
	"jobline/internal/awsapi/s3api"
	"jobline/internal/awsapi/sqsapi"
	"jobline/internal/awsbackend"
	"jobline/internal/envconfig"
	"jobline/internal/queue/sqsqueue"
)

// Environment variables of the emulator.
const (
	// EnvEndpoint is the emulator's URL, set by scripts/emulators.
	EnvEndpoint = "JOBLINE_TEST_AWS_ENDPOINT"
	// EnvRequire makes a missing emulator a test failure instead of a skip.
	EnvRequire = "JOBLINE_REQUIRE_EMULATORS"
)

// Config returns the awsbackend configuration of the emulator's resources
// (created from template.yaml), or skips (fails under
// JOBLINE_REQUIRE_EMULATORS=1) when no emulator runs.
func Config(t testing.TB) awsbackend.Config {
	t.Helper()
	env := envconfig.New()
	endpoint := env.String(EnvEndpoint, "")
	if endpoint == "" {
		if env.Bool(EnvRequire, false) {
			t.Fatalf("%s is not set but %s=1: run the tests through scripts/emulators/with-emulators.sh (make test does)", EnvEndpoint, EnvRequire)
		}
		t.Skipf("no AWS emulator (%s unset); make test starts one", EnvEndpoint)
	}
	cfg := awsbackend.FromEnv(env)
	if err := env.Err(); err != nil {
		t.Fatalf("emulator environment: %v", err)
	}
	cfg.Endpoint = endpoint
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if err := cfg.WithDefaults().Validate(); err != nil {
		t.Fatalf("emulator environment: %v", err)
	}
	// Dummy static credentials, whatever the machine has configured.
	cfg.Credentials = credentials.NewStaticCredentialsProvider("test", "test", "")
	return cfg
}

// ClientSet is the clients of a test on the emulator: Jobline's own, with
// the test's hooks, for the code under test, and the SDK's, without hooks,
// for the test's own setup and checks (tables, queues, buckets, reads
// that must not be counted).
type ClientSet struct {
	Dynamo *dynamo.Client
	SQSAPI *sqsapi.Client
	S3API  *s3api.Client

	DynamoDB *dynamodb.Client
	SQS      *sqs.Client
	S3       *s3.Client
}

// Clients returns the clients on the emulator, Jobline's built by
// awsbackend as the functions build theirs, with hooks (for example a
// RequestCounter's).
func Clients(t testing.TB, cfg awsbackend.Config, hooks ...awsapi.Hook) ClientSet {
	t.Helper()
	cfg.Hooks = append(cfg.Hooks, hooks...)
	be, err := awsbackend.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("AWS clients: %v", err)
	}
	var cs ClientSet
	var errs [3]error
	cs.Dynamo, errs[0] = be.DynamoDB()
	cs.SQSAPI, errs[1] = be.SQS()
	cs.S3API, errs[2] = be.S3()
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatalf("AWS clients: %v", err)
	}
	awsCfg := be.AWSConfig()
	cs.DynamoDB = dynamodb.NewFromConfig(awsCfg)
	cs.SQS = sqs.NewFromConfig(awsCfg)
	cs.S3 = s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true })
	return cs
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewQueues creates a fresh default, high-priority and dead-letter queue
// with the attributes of the emulator's template queues (visibility
// timeout, retention, redrive policy pointing at the new dead-letter
// queue), deleted when the test ends. maxReceiveCount > 0 overrides the
// template's. It returns the sqsqueue configuration of the new queues.
func NewQueues(t testing.TB, client *sqs.Client, cfg awsbackend.Config, maxReceiveCount int) sqsqueue.Config {
	t.Helper()
	c := queueCopier{t: t, client: client, suffix: randomSuffix()}
	if maxReceiveCount <= 0 {
		maxReceiveCount = c.templateMaxReceiveCount(cfg.QueueURL)
	}
	dlq := c.copy("test-dlq", cfg.DeadLetterQueueURL, nil)
	redrive := map[string]any{"deadLetterTargetArn": c.arn(dlq), "maxReceiveCount": maxReceiveCount}
	high := cfg.HighQueueURL
	if high == "" {
		high = cfg.QueueURL
	}
	return sqsqueue.Config{
		QueueURL:           c.copy("test-jobs", cfg.QueueURL, redrive),
		HighQueueURL:       c.copy("test-jobs-high", high, redrive),
		DeadLetterQueueURL: dlq,
		MaxReceiveCount:    maxReceiveCount,
	}
}

// queueCopier makes a test's queues after the template's.
type queueCopier struct {
	t      testing.TB
	client *sqs.Client
	suffix string
}

// attributes returns the named attributes of a queue.
func (c queueCopier) attributes(url string, names ...types.QueueAttributeName) map[string]string {
	c.t.Helper()
	out, err := c.client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: names})
	if err != nil {
		c.t.Fatalf("attributes of queue %s: %v", url, err)
	}
	return out.Attributes
}

// copy creates the queue name (made unique) with the template queue's
// attributes and the given redrive policy (nil: none), deleted when the
// test ends, and returns its URL.
func (c queueCopier) copy(name, templateURL string, redrive map[string]any) string {
	c.t.Helper()
	attrs := c.attributes(templateURL, types.QueueAttributeNameAll)
	keep := map[string]string{}
	for _, k := range []string{"VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "MaximumMessageSize"} {
		if v, ok := attrs[k]; ok {
			keep[k] = v
		}
	}
	if redrive != nil {
		b, _ := json.Marshal(redrive)
		keep["RedrivePolicy"] = string(b)
	}
	out, err := c.client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name + "-" + c.suffix), Attributes: keep})
	if err != nil {
		c.t.Fatalf("create queue %s: %v", name, err)
	}
	url := aws.ToString(out.QueueUrl)
	c.t.Cleanup(func() { _, _ = c.client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: &url}) })
	return url
}

// arn returns a queue's ARN.
func (c queueCopier) arn(url string) string {
	c.t.Helper()
	return c.attributes(url, types.QueueAttributeNameQueueArn)["QueueArn"]
}

// templateMaxReceiveCount returns the maxReceiveCount of a queue's redrive
// policy.
func (c queueCopier) templateMaxReceiveCount(url string) int {
	c.t.Helper()
	var p struct {
		MaxReceiveCount json.Number `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(c.attributes(url, types.QueueAttributeNameRedrivePolicy)["RedrivePolicy"]), &p); err != nil {
		c.t.Fatalf("redrive policy of %s: %v", url, err)
	}
	n, _ := strconv.Atoi(p.MaxReceiveCount.String())
	return n
}
