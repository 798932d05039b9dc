package sqsqueue

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"jobline/internal/awsapi/sqsapi"
	"jobline/internal/queue"
)

// The high-priority queue is a lane that no event source mapping polls:
// one mapping, on the default queue, keeps the stack's idle polling cost
// down (docs/aws.md, "Idle cost"). The Lambda worker drains the lane at the
// start of every invocation (ReceiveLane), so that under load high-priority
// jobs start first, and every message sent to the lane is paired with a
// wake-up message in the default queue, delayed like it, so that an idle
// mapping starts an invocation for it. A wake-up carries no job: Receive
// deletes it and looks at the lane again; the Lambda worker acknowledges it
// (IsWakeUp).

// wakeUpAttr is the message attribute that marks a wake-up message.
const wakeUpAttr = "WakeUp"

// wakeUpBody is a wake-up message's body (SQS wants one).
const wakeUpBody = `{"wakeUp":true}`

// hasLane reports whether high-priority messages have a queue of their own.
func (q *Queue) hasLane() bool { return q.cfg.HighQueueURL != q.cfg.QueueURL }

// IsWakeUp reports whether a record of a Lambda SQS event is a wake-up
// message: no job, only the sign that the high-priority lane has one.
func (q *Queue) IsWakeUp(r events.SQSMessage) bool {
	_, ok := r.MessageAttributes[wakeUpAttr]
	return ok
}

// ReceiveLane takes up to max messages from the high-priority lane, highest
// priority first, without waiting; with one queue for every priority it
// returns nothing.
func (q *Queue) ReceiveLane(ctx context.Context, max int) ([]queue.Message, error) {
	if !q.hasLane() {
		return nil, nil
	}
	if err := validateReceive(queue.ReceiveRequest{Max: max}); err != nil {
		return nil, err
	}
	return q.receiveLane(ctx, max, 0)
}

// receiveLane is ReceiveLane with a visibility timeout (0: the queue's).
func (q *Queue) receiveLane(ctx context.Context, max int, visibility time.Duration) ([]queue.Message, error) {
	msgs, err := q.receive(ctx, q.cfg.HighQueueURL, prefixHigh, max, visibility, 0)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(msgs, func(a, b int) bool { return msgs[a].Priority > msgs[b].Priority })
	return msgs, nil
}

// WakeLane sends a wake-up message when the lane holds visible messages:
// the safety net of the wake-ups (reconcile calls it every minute), for a
// message that reached the lane without one, such as one moved back by a
// native dead-letter-queue redrive. It reports whether it sent one.
func (q *Queue) WakeLane(ctx context.Context) (bool, error) {
	if !q.hasLane() {
		return false, nil
	}
	out, err := q.sqs.GetQueueAttributes(ctx, &sqsapi.GetQueueAttributesInput{
		QueueUrl:       &q.cfg.HighQueueURL,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages},
	})
	if err != nil {
		return false, translate("lane depth", err)
	}
	if n, _ := strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)]); n == 0 {
		return false, nil
	}
	return true, q.wake(ctx, []time.Duration{0})
}

// WakeAfter sends a wake-up message delayed by d (at most SQS's 15
// minutes), for a lane message that comes back after d without one: one the
// Lambda worker kept for a retry, or left unstarted.
func (q *Queue) WakeAfter(ctx context.Context, d time.Duration) error {
	if !q.hasLane() {
		return nil
	}
	return q.wake(ctx, []time.Duration{min(max(d, 0), queue.MaxDelay)})
}

// wake sends one wake-up message to the default queue for each delay (the
// delays of the lane's messages it pairs with), ten per request.
func (q *Queue) wake(ctx context.Context, delays []time.Duration) error {
	for start := 0; start < len(delays); start += queue.MaxBatch {
		chunk := delays[start:min(start+queue.MaxBatch, len(delays))]
		entries := make([]types.SendMessageBatchRequestEntry, len(chunk))
		for i, d := range chunk {
			entries[i] = types.SendMessageBatchRequestEntry{
				Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(wakeUpBody), DelaySeconds: seconds(d),
				MessageAttributes: map[string]types.MessageAttributeValue{
					wakeUpAttr: {DataType: aws.String("String"), StringValue: aws.String("1")},
				},
			}
		}
		out, err := q.sqs.SendMessageBatch(ctx, &sqsapi.SendMessageBatchInput{QueueUrl: &q.cfg.QueueURL, Entries: entries})
		if err != nil {
			return translate("send wake-up", err)
		}
		if len(out.Failed) > 0 {
			return fmt.Errorf("send wake-up: %d of %d failed: %s", len(out.Failed), len(entries), aws.ToString(out.Failed[0].Message))
		}
	}
	return nil
}

// laneDelays returns the delays of the requests that go to the lane.
func (q *Queue) laneDelays(reqs []queue.SendRequest) []time.Duration {
	if !q.hasLane() {
		return nil
	}
	var delays []time.Duration
	for _, r := range reqs {
		if r.Priority > 0 {
			delays = append(delays, r.Delay)
		}
	}
	return delays
}

// dropWakeUps deletes the wake-up messages among msgs, received from the
// default queue, and returns the others and whether there was one.
func (q *Queue) dropWakeUps(ctx context.Context, msgs []queue.Message, wakeUps map[string]bool) ([]queue.Message, bool, error) {
	if len(wakeUps) == 0 {
		return msgs, false, nil
	}
	kept := msgs[:0]
	var entries []types.DeleteMessageBatchRequestEntry
	for _, m := range msgs {
		if !wakeUps[m.ID] {
			kept = append(kept, m)
			continue
		}
		_, handle, _ := q.splitReceipt(m.ReceiptHandle)
		entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(len(entries))), ReceiptHandle: aws.String(handle)})
	}
	// At most ten: one receive returns no more.
	if _, err := q.sqs.DeleteMessageBatch(ctx, &sqsapi.DeleteMessageBatchInput{QueueUrl: &q.cfg.QueueURL, Entries: entries}); err != nil {
		return nil, false, translate("delete wake-ups", err)
	}
	return kept, true, nil
}
