package awsbackend

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// TestBackendBuildsOnlyWhatIsUsed: a process gets only the clients of what
// it asks for; getjob (store and assets) builds no SQS client, the one its
// role may not use.
func TestBackendBuildsOnlyWhatIsUsed(t *testing.T) {
	t.Parallel()
	be, err := New(context.Background(), Config{
		Region: "us-east-1", Endpoint: "http://127.0.0.1:1", TableName: "t", QueueURL: "http://127.0.0.1:1/1/q",
		DeadLetterQueueURL: "http://127.0.0.1:1/1/d", AssetsBucket: "files",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	built := func() [3]bool { return [3]bool{be.dynamo.built.Load(), be.sqs.built.Load(), be.s3.built.Load()} }
	if got := built(); got != [3]bool{} {
		t.Fatalf("New built clients (DynamoDB, SQS, S3) %v, want none", got)
	}
	if _, err := be.Store(); err != nil {
		t.Fatal(err)
	}
	if _, err := be.Assets(); err != nil {
		t.Fatal(err)
	}
	if got := built(); got != [3]bool{true, false, true} {
		t.Fatalf("Store and Assets built clients (DynamoDB, SQS, S3) %v, want DynamoDB and S3 only", got)
	}
	q1, err := be.Queue()
	if err != nil {
		t.Fatal(err)
	}
	q2, _ := be.Queue()
	if got := built(); got != [3]bool{true, true, true} || q1 != q2 {
		t.Fatalf("after Queue, built %v and queues %p %p; want every client and one queue", got, q1, q2)
	}
}
