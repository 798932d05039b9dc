package sqsqueue_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"jobline/internal/queue"
	"jobline/internal/queue/sqsqueue"
)

// TestMessageFromRecord needs no emulator: converting a Lambda event
// source's record is local.
func TestMessageFromRecord(t *testing.T) {
	t.Parallel()
	const (
		defaultURL = "https://sqs.us-east-1.amazonaws.com/123456789012/jobline-JobsQueue-XyZ"
		highURL    = "https://sqs.us-east-1.amazonaws.com/123456789012/jobline-JobsHighQueue-AbC"
		dlqURL     = "https://sqs.us-east-1.amazonaws.com/123456789012/jobline-DeadLetterQueue-Q"
	)
	twoQueues, err := sqsqueue.New(nil, sqsqueue.Config{QueueURL: defaultURL, HighQueueURL: highURL, DeadLetterQueueURL: dlqURL})
	if err != nil {
		t.Fatal(err)
	}
	oneQueue, err := sqsqueue.New(nil, sqsqueue.Config{QueueURL: defaultURL, DeadLetterQueueURL: dlqURL})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		q       *sqsqueue.Queue
		source  string
		raw     string
		want    string
		wantErr bool
	}{
		{"default queue by ARN", twoQueues, "arn:aws:sqs:us-east-1:123456789012:jobline-JobsQueue-XyZ", "AQEB+x/y==", "d:AQEB+x/y==", false},
		{"high queue by ARN", twoQueues, "arn:aws:sqs:us-east-1:123456789012:jobline-JobsHighQueue-AbC", "rh", "h:rh", false},
		{"high queue by URL", twoQueues, highURL, "rh", "h:rh", false},
		{"one queue for both", oneQueue, "arn:aws:sqs:us-east-1:123456789012:jobline-JobsQueue-XyZ", "rh", "d:rh", false},
		{"dead-letter queue is no event source", twoQueues, "arn:aws:sqs:us-east-1:123456789012:jobline-DeadLetterQueue-Q", "rh", "", true},
		{"unknown queue", twoQueues, "arn:aws:sqs:us-east-1:123456789012:other", "rh", "", true},
		{"empty handle", twoQueues, "arn:aws:sqs:us-east-1:123456789012:jobline-JobsQueue-XyZ", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.q.Message(events.SQSMessage{MessageId: "m", EventSourceARN: tt.source, ReceiptHandle: tt.raw})
			if tt.wantErr {
				if !errors.Is(err, queue.ErrInvalidReceipt) {
					t.Fatalf("Message = %+v, %v; want ErrInvalidReceipt", got, err)
				}
				return
			}
			if err != nil || got.ReceiptHandle != tt.want {
				t.Fatalf("Message = %+v, %v; want receipt %q", got, err, tt.want)
			}
		})
	}

	t.Run("attributes", func(t *testing.T) {
		t.Parallel()
		priority := "5"
		got, err := twoQueues.Message(events.SQSMessage{
			MessageId: "msg-9", ReceiptHandle: "rh-9", Body: `{"jobId":"job-9"}`,
			EventSourceARN:    "arn:aws:sqs:us-east-1:123456789012:jobline-JobsHighQueue-AbC",
			Attributes:        map[string]string{"ApproximateReceiveCount": "3", "SentTimestamp": "1795845600000"},
			MessageAttributes: map[string]events.SQSMessageAttribute{"Priority": {StringValue: &priority, DataType: "Number"}},
		})
		want := queue.Message{ID: "msg-9", Body: `{"jobId":"job-9"}`, ReceiptHandle: "h:rh-9", ReceiveCount: 3, Priority: 5,
			SentAt: time.UnixMilli(1795845600000).UTC()}
		if err != nil || got != want {
			t.Fatalf("Message = %+v, %v; want %+v", got, err, want)
		}
	})
}
