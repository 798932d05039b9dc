package sqsqueue_test

import (
	"errors"
	"testing"

	"jobline/internal/queue"
	"jobline/internal/queue/sqsqueue"
)

// TestReceiptHandle needs no emulator: converting an event source's
// receipt handle is local.
func TestReceiptHandle(t *testing.T) {
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
			got, err := tt.q.ReceiptHandle(tt.source, tt.raw)
			if tt.wantErr {
				if !errors.Is(err, queue.ErrInvalidReceipt) {
					t.Fatalf("ReceiptHandle = %q, %v; want ErrInvalidReceipt", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ReceiptHandle = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
