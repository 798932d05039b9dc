package sqsqueue_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"jobline/internal/awsbackend/awstest"
	"jobline/internal/queue"
	"jobline/internal/queue/sqsqueue"
)

// laneSetup is a queue on fresh queues, and a raw look at them.
type laneSetup struct {
	q   *sqsqueue.Queue
	cfg sqsqueue.Config
	sqs *sqs.Client
}

func newLane(t *testing.T) laneSetup {
	t.Helper()
	cfg := awstest.Config(t)
	clients := awstest.Clients(t, cfg)
	qcfg := awstest.NewQueues(t, clients.SQS, cfg, 3)
	if qcfg.HighQueueURL == qcfg.QueueURL {
		t.Fatal("awstest.NewQueues made one queue for both priorities")
	}
	q, err := sqsqueue.New(clients.SQSAPI, qcfg)
	if err != nil {
		t.Fatal(err)
	}
	return laneSetup{q: q, cfg: qcfg, sqs: clients.SQS}
}

// raw receives up to 10 messages of url as they are, with every attribute,
// and makes them visible again.
func (s laneSetup) raw(t *testing.T, url string) []types.Message {
	t.Helper()
	ctx := context.Background()
	out, err := s.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range out.Messages {
		// A zero VisibilityTimeout is not sent; make them visible again.
		if _, err := s.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
			QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0,
		}); err != nil {
			t.Fatal(err)
		}
	}
	return out.Messages
}

// record is a message of the default queue as the event source mapping
// hands it to the Lambda.
func record(m types.Message, queueURL string) events.SQSMessage {
	r := events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
		Body: aws.ToString(m.Body), EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:" + queueURL[len(queueURL)-len(lastSegment(queueURL)):],
		MessageAttributes: map[string]events.SQSMessageAttribute{}}
	for k, v := range m.MessageAttributes {
		r.MessageAttributes[k] = events.SQSMessageAttribute{DataType: aws.ToString(v.DataType), StringValue: v.StringValue}
	}
	return r
}

func lastSegment(url string) string {
	for i := len(url) - 1; i >= 0; i-- {
		if url[i] == '/' {
			return url[i+1:]
		}
	}
	return url
}

// TestLaneWakeUps: a high-priority message goes to the lane with a wake-up
// in the default queue, which the Lambda worker recognizes and Receive
// never returns.
func TestLaneWakeUps(t *testing.T) {
	t.Parallel()
	s := newLane(t)
	ctx := context.Background()
	if _, err := s.q.Send(ctx, queue.SendRequest{Body: `{"jobId":"hi"}`, Priority: 3}, queue.SendRequest{Body: `{"jobId":"lo"}`}); err != nil {
		t.Fatal(err)
	}
	if high := s.raw(t, s.cfg.HighQueueURL); len(high) != 1 || aws.ToString(high[0].Body) != `{"jobId":"hi"}` {
		t.Fatalf("lane holds %d messages, want the high-priority one", len(high))
	}
	def := s.raw(t, s.cfg.QueueURL)
	var wakeUps, jobs int
	for _, m := range def {
		if s.q.IsWakeUp(record(m, s.cfg.QueueURL)) {
			wakeUps++
		} else {
			jobs++
		}
	}
	if wakeUps != 1 || jobs != 1 {
		t.Fatalf("default queue: %d wake-ups and %d job messages, want 1 and 1", wakeUps, jobs)
	}

	lane, err := s.q.ReceiveLane(ctx, 10)
	if err != nil || len(lane) != 1 || lane[0].Priority != 3 {
		t.Fatalf("ReceiveLane = %+v, %v; want the priority-3 message", lane, err)
	}
	if err := s.q.Delete(ctx, lane[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	got, err := s.q.Receive(ctx, queue.ReceiveRequest{Max: 10, Wait: time.Second})
	if err != nil || len(got) != 1 || got[0].Body != `{"jobId":"lo"}` {
		t.Fatalf("Receive = %+v, %v; want only the priority-0 message (the wake-up deleted)", got, err)
	}
	if left := s.raw(t, s.cfg.QueueURL); len(left) != 0 {
		t.Fatalf("%d messages left in the default queue after Receive; want the wake-up deleted", len(left))
	}
}

// TestLaneWakeUpWakesALongPoll: a delayed high-priority message's wake-up
// is delayed like it; a long poll of the default queue that gets it looks
// at the lane again and returns the message.
func TestLaneWakeUpWakesALongPoll(t *testing.T) {
	t.Parallel()
	s := newLane(t)
	ctx := context.Background()
	if _, err := s.q.Send(ctx, queue.SendRequest{Body: `{"jobId":"late"}`, Priority: 1, Delay: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if now := s.raw(t, s.cfg.QueueURL); len(now) != 0 {
		t.Fatalf("the wake-up is visible before its message: %d messages", len(now))
	}
	got, err := s.q.Receive(ctx, queue.ReceiveRequest{Max: 1, Wait: 10 * time.Second})
	if err != nil || len(got) != 1 || got[0].Body != `{"jobId":"late"}` {
		t.Fatalf("Receive = %+v, %v; want the delayed high-priority message", got, err)
	}
}

// TestWakeLane: the safety net sends a wake-up only when the lane has a
// message.
func TestWakeLane(t *testing.T) {
	t.Parallel()
	s := newLane(t)
	ctx := context.Background()
	if sent, err := s.q.WakeLane(ctx); err != nil || sent {
		t.Fatalf("WakeLane on an empty lane = %v, %v; want nothing sent", sent, err)
	}
	// A message that reached the lane without a wake-up (a native redrive).
	if _, err := s.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(s.cfg.HighQueueURL), MessageBody: aws.String(`{"jobId":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	if sent, err := s.q.WakeLane(ctx); err != nil || !sent {
		t.Fatalf("WakeLane with a message in the lane = %v, %v; want a wake-up", sent, err)
	}
	def := s.raw(t, s.cfg.QueueURL)
	if len(def) != 1 || !s.q.IsWakeUp(record(def[0], s.cfg.QueueURL)) {
		t.Fatalf("default queue holds %d messages, want one wake-up", len(def))
	}
}

// TestWakeAfter: the wake-up of a lane message left to come back later is
// delayed like it (processjob sends it for a retry or an unstarted message).
func TestWakeAfter(t *testing.T) {
	t.Parallel()
	s := newLane(t)
	ctx := context.Background()
	if err := s.q.WakeAfter(ctx, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if now := s.raw(t, s.cfg.QueueURL); len(now) != 0 {
		t.Fatalf("the wake-up is visible at once: %d messages", len(now))
	}
	time.Sleep(2500 * time.Millisecond)
	def := s.raw(t, s.cfg.QueueURL)
	if len(def) != 1 || !s.q.IsWakeUp(record(def[0], s.cfg.QueueURL)) {
		t.Fatalf("default queue holds %d messages after the delay, want one wake-up", len(def))
	}
}
