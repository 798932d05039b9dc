// Package awstest connects tests to the AWS emulator that
// scripts/emulators/with-emulators.sh starts (make test does): it reads the
// emulator's environment, builds SDK clients, and makes fresh queues shaped
// like the ones template.yaml defines.
//
// Without JOBLINE_TEST_AWS_ENDPOINT the tests skip, unless
// JOBLINE_REQUIRE_EMULATORS=1 (set by make test), when they fail.
package awstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/middleware"

	"jobline/internal/awsbackend"
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
	endpoint := os.Getenv(EnvEndpoint)
	if endpoint == "" {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s is not set but %s=1: run the tests through scripts/emulators/with-emulators.sh (make test does)", EnvEndpoint, EnvRequire)
		}
		t.Skipf("no AWS emulator (%s unset); make test starts one", EnvEndpoint)
	}
	cfg, err := awsbackend.FromEnv()
	if err != nil {
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

// Clients returns SDK clients on the emulator, with apiOptions (for
// example a RequestCounter) on their stacks.
func Clients(t testing.TB, cfg awsbackend.Config, apiOptions ...func(*middleware.Stack) error) awsbackend.Clients {
	t.Helper()
	cfg.APIOptions = append(cfg.APIOptions, apiOptions...)
	c, err := awsbackend.NewClients(context.Background(), cfg)
	if err != nil {
		t.Fatalf("AWS clients: %v", err)
	}
	return c
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
	ctx := context.Background()
	suffix := randomSuffix()
	create := func(name, templateURL string, redrive map[string]any) string {
		t.Helper()
		attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(templateURL), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
		})
		if err != nil {
			t.Fatalf("attributes of template queue %s: %v", templateURL, err)
		}
		keep := map[string]string{}
		for _, k := range []string{"VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "MaximumMessageSize"} {
			if v, ok := attrs.Attributes[k]; ok {
				keep[k] = v
			}
		}
		if redrive != nil {
			b, _ := json.Marshal(redrive)
			keep["RedrivePolicy"] = string(b)
		}
		out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-" + suffix), Attributes: keep})
		if err != nil {
			t.Fatalf("create queue %s: %v", name, err)
		}
		url := aws.ToString(out.QueueUrl)
		t.Cleanup(func() { _, _ = client.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: &url}) })
		return url
	}
	templateMax := func(url string) int {
		attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameRedrivePolicy},
		})
		if err != nil {
			t.Fatalf("redrive policy of %s: %v", url, err)
		}
		var p struct {
			MaxReceiveCount json.Number `json:"maxReceiveCount"`
		}
		if err := json.Unmarshal([]byte(attrs.Attributes["RedrivePolicy"]), &p); err != nil {
			t.Fatalf("redrive policy of %s: %v", url, err)
		}
		n, _ := strconv.Atoi(p.MaxReceiveCount.String())
		return n
	}
	if maxReceiveCount <= 0 {
		maxReceiveCount = templateMax(cfg.QueueURL)
	}
	dlq := create("test-dlq", cfg.DeadLetterQueueURL, nil)
	arn, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(dlq), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatalf("dead-letter queue ARN: %v", err)
	}
	redrive := map[string]any{"deadLetterTargetArn": arn.Attributes["QueueArn"], "maxReceiveCount": maxReceiveCount}
	high := cfg.HighQueueURL
	if high == "" {
		high = cfg.QueueURL
	}
	return sqsqueue.Config{
		QueueURL:           create("test-jobs", cfg.QueueURL, redrive),
		HighQueueURL:       create("test-jobs-high", high, redrive),
		DeadLetterQueueURL: dlq,
		MaxReceiveCount:    maxReceiveCount,
	}
}
