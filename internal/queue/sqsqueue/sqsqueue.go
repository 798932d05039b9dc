// Package sqsqueue is the SQS implementation of queue.Queue: a default
// queue and a high-priority queue that receivers drain first, both
// redriving to one dead-letter queue (template.yaml). Only the default
// queue has a Lambda event source mapping; the high-priority queue is a
// lane that the worker drains itself, woken by wake-up messages in the
// default queue (lane.go).
//
// SQS's wire format is known here only. A message's priority travels as
// the message attribute "Priority". Its receipt handle is prefixed with the
// queue it came from ("h:" high, "d:" default, "x:" dead-letter), so
// Delete and ChangeVisibility reach the right queue without the caller
// knowing there are two. Queue.Message turns a record of a Lambda SQS event
// into the same queue.Message that Receive returns.
package sqsqueue

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"jobline/internal/awsapi/sqsapi"
	"jobline/internal/deploy"
	"jobline/internal/queue"
)

// Config says which queues to use.
type Config struct {
	// QueueURL is the queue of priority-0 messages. Required.
	QueueURL string
	// HighQueueURL is the queue of messages with priority > 0, received
	// before the default queue. Default: QueueURL (one queue; priority is
	// carried but not honoured).
	HighQueueURL string
	// DeadLetterQueueURL is the dead-letter queue of both. Required.
	DeadLetterQueueURL string
	// MaxReceiveCount is the queues' RedrivePolicy maxReceiveCount, which
	// the engine reads to know a delivery is the last. It must match the
	// queues' policy. Default: deploy.MaxReceiveCount, template.yaml's.
	MaxReceiveCount int
}

// maxWait is SQS's longest long poll; longer waits are cut to it.
const maxWait = 20 * time.Second

// priorityAttr is the message attribute that carries the priority.
const priorityAttr = "Priority"

// Receipt handle prefixes: which queue a received message belongs to.
const (
	prefixHigh    = "h:"
	prefixDefault = "d:"
	prefixDead    = "x:"
)

// Queue is a queue.Queue on SQS. It is safe for concurrent use.
type Queue struct {
	sqs *sqsapi.Client
	cfg Config
}

var _ queue.Queue = (*Queue)(nil)

// New returns a Queue on client.
func New(client *sqsapi.Client, cfg Config) (*Queue, error) {
	if cfg.HighQueueURL == "" {
		cfg.HighQueueURL = cfg.QueueURL
	}
	if cfg.MaxReceiveCount == 0 {
		cfg.MaxReceiveCount = deploy.MaxReceiveCount
	}
	if cfg.QueueURL == "" || cfg.DeadLetterQueueURL == "" {
		return nil, errors.New("sqsqueue: QueueURL and DeadLetterQueueURL are required")
	}
	if cfg.MaxReceiveCount < 0 {
		return nil, fmt.Errorf("sqsqueue: MaxReceiveCount %d is negative", cfg.MaxReceiveCount)
	}
	return &Queue{sqs: client, cfg: cfg}, nil
}

// translate is the one place where SQS errors become the queue's.
func translate(op string, err error) error {
	var (
		badReceipt *types.ReceiptHandleIsInvalid
		notFlight  *types.MessageNotInflight
		badValue   *types.InvalidAttributeValue
		tooLong    *types.BatchRequestTooLong
		contents   *types.InvalidMessageContents
	)
	switch {
	case errors.As(err, &badReceipt), errors.As(err, &notFlight):
		return fmt.Errorf("%s: %w: %v", op, queue.ErrInvalidReceipt, err)
	case errors.As(err, &badValue), errors.As(err, &tooLong), errors.As(err, &contents):
		return fmt.Errorf("%s: %w: %v", op, queue.ErrInvalidRequest, err)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code := api.ErrorCode()
		switch {
		case strings.Contains(code, "ReceiptHandleIsInvalid"), strings.Contains(code, "MessageNotInflight"):
			return fmt.Errorf("%s: %w: %v", op, queue.ErrInvalidReceipt, err)
		case code == "InvalidParameterValue", strings.Contains(code, "InvalidParameterValue"):
			return fmt.Errorf("%s: %w: %v", op, queue.ErrInvalidRequest, err)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// queueFor returns the queue a priority goes to, and its receipt prefix.
func (q *Queue) queueFor(priority int) (url, prefix string) {
	if priority > 0 {
		return q.cfg.HighQueueURL, prefixHigh
	}
	return q.cfg.QueueURL, prefixDefault
}

// splitReceipt returns the queue URL and SQS receipt handle of one of our
// receipt handles.
func (q *Queue) splitReceipt(handle string) (url, sqsHandle string, err error) {
	for prefix, u := range map[string]string{prefixHigh: q.cfg.HighQueueURL, prefixDefault: q.cfg.QueueURL, prefixDead: q.cfg.DeadLetterQueueURL} {
		if rest, ok := strings.CutPrefix(handle, prefix); ok && rest != "" {
			return u, rest, nil
		}
	}
	return "", "", fmt.Errorf("receipt %q: %w", handle, queue.ErrInvalidReceipt)
}

// receiptHandle converts the receipt handle of a message that a Lambda
// SQS event source received into this queue's handle, for Delete and
// ChangeVisibility. eventSource names the queue the record came from: its
// ARN (EventSourceARN) or URL; only the queue name, the last segment, is
// compared. It fails with queue.ErrInvalidReceipt for any other queue.
func (q *Queue) receiptHandle(eventSource, receiptHandle string) (string, error) {
	if receiptHandle == "" {
		return "", fmt.Errorf("receipt from %s: empty: %w", eventSource, queue.ErrInvalidReceipt)
	}
	// The default queue wins when both URLs are one queue: splitReceipt
	// maps either prefix to it.
	name := queueName(eventSource)
	switch name {
	case queueName(q.cfg.QueueURL):
		return prefixDefault + receiptHandle, nil
	case queueName(q.cfg.HighQueueURL):
		return prefixHigh + receiptHandle, nil
	}
	return "", fmt.Errorf("receipt from %s: not one of the jobs queues: %w", eventSource, queue.ErrInvalidReceipt)
}

// queueName is the last segment of a queue URL or ARN.
func queueName(urlOrARN string) string {
	i := strings.LastIndexAny(urlOrARN, "/:")
	return urlOrARN[i+1:]
}

// seconds rounds d up to whole seconds, SQS's unit.
func seconds(d time.Duration) int32 {
	return int32(math.Ceil(d.Seconds()))
}

func priorityAttributes(priority int) map[string]types.MessageAttributeValue {
	return map[string]types.MessageAttributeValue{
		priorityAttr: {DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(priority))},
	}
}

// Send enqueues messages, one SendMessageBatch per queue and ten messages
// (a single message is one SendMessage), plus the wake-up messages of those
// sent to the high-priority lane (lane.go). It returns the IDs in order.
// When only a wake-up failed, it returns the IDs with the error: the
// messages are queued, and reconcile's WakeLane wakes the worker for them
// within a minute.
func (q *Queue) Send(ctx context.Context, reqs ...queue.SendRequest) ([]string, error) {
	if err := queue.ValidateSends(reqs); err != nil {
		return nil, err
	}
	ids := make([]string, len(reqs))
	if len(reqs) == 1 {
		url, _ := q.queueFor(reqs[0].Priority)
		out, err := q.sqs.SendMessage(ctx, &sqsapi.SendMessageInput{
			QueueUrl:          &url,
			MessageBody:       &reqs[0].Body,
			DelaySeconds:      seconds(reqs[0].Delay),
			MessageAttributes: priorityAttributes(reqs[0].Priority),
		})
		if err != nil {
			return nil, translate("send message", err)
		}
		ids[0] = aws.ToString(out.MessageId)
		return ids, q.wake(ctx, q.laneDelays(reqs))
	}
	byQueue := map[string][]int{}
	var urls []string
	for i, r := range reqs {
		url, _ := q.queueFor(r.Priority)
		if _, ok := byQueue[url]; !ok {
			urls = append(urls, url)
		}
		byQueue[url] = append(byQueue[url], i)
	}
	for _, url := range urls {
		idx := byQueue[url]
		for start := 0; start < len(idx); start += queue.MaxBatch {
			if err := q.sendBatch(ctx, url, reqs, idx[start:min(start+queue.MaxBatch, len(idx))], ids); err != nil {
				return nil, err
			}
		}
	}
	return ids, q.wake(ctx, q.laneDelays(reqs))
}

// sendBatch sends reqs[i] for each i of chunk (at most ten) to the queue
// url in one SendMessageBatch, and records their IDs in ids[i].
func (q *Queue) sendBatch(ctx context.Context, url string, reqs []queue.SendRequest, chunk []int, ids []string) error {
	entries := make([]types.SendMessageBatchRequestEntry, len(chunk))
	for k, i := range chunk {
		entries[k] = types.SendMessageBatchRequestEntry{
			Id:                aws.String(strconv.Itoa(i)),
			MessageBody:       &reqs[i].Body,
			DelaySeconds:      seconds(reqs[i].Delay),
			MessageAttributes: priorityAttributes(reqs[i].Priority),
		}
	}
	out, err := q.sqs.SendMessageBatch(ctx, &sqsapi.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
	if err != nil {
		return translate("send message batch", err)
	}
	if len(out.Failed) > 0 {
		f := out.Failed[0]
		return fmt.Errorf("send message batch: %d of %d failed, first: %s %s", len(out.Failed), len(entries), aws.ToString(f.Code), aws.ToString(f.Message))
	}
	for _, ok := range out.Successful {
		i, err := strconv.Atoi(aws.ToString(ok.Id))
		if err != nil || i < 0 || i >= len(ids) {
			return fmt.Errorf("send message batch: unexpected entry id %q", aws.ToString(ok.Id))
		}
		ids[i] = aws.ToString(ok.MessageId)
	}
	return nil
}

func validateReceive(r queue.ReceiveRequest) error {
	if r.Max < 1 || r.Max > queue.MaxBatch {
		return fmt.Errorf("receive %d messages: out of 1..%d: %w", r.Max, queue.MaxBatch, queue.ErrInvalidRequest)
	}
	if r.Visibility < 0 || r.Visibility > queue.MaxVisibility {
		return fmt.Errorf("receive: visibility %v out of range: %w", r.Visibility, queue.ErrInvalidRequest)
	}
	if r.Wait < 0 {
		return fmt.Errorf("receive: negative wait %v: %w", r.Wait, queue.ErrInvalidRequest)
	}
	return nil
}

// Receive takes from the high-priority queue first (no wait), then fills
// the rest from the default queue, long-polling it for r.Wait only when the
// high queue had nothing. Wake-up messages (lane.go) are deleted, never
// returned: one means a high-priority message was sent, so the high queue
// is looked at again.
func (q *Queue) Receive(ctx context.Context, r queue.ReceiveRequest) ([]queue.Message, error) {
	if err := validateReceive(r); err != nil {
		return nil, err
	}
	var msgs []queue.Message
	if q.hasLane() {
		high, err := q.receiveLane(ctx, r.Max, r.Visibility)
		if err != nil {
			return nil, err
		}
		msgs = high
	}
	if len(msgs) < r.Max {
		wait := r.Wait
		if len(msgs) > 0 {
			wait = 0
		}
		low, wakeUps, err := q.receiveMarked(ctx, q.cfg.QueueURL, prefixDefault, r.Max-len(msgs), r.Visibility, wait)
		if err != nil {
			return nil, err
		}
		low, woken, err := q.dropWakeUps(ctx, low, wakeUps)
		if err != nil {
			return nil, err
		}
		if !q.hasLane() {
			sort.SliceStable(low, func(a, b int) bool { return low[a].Priority > low[b].Priority })
		}
		if woken && len(msgs)+len(low) < r.Max {
			high, err := q.receiveLane(ctx, r.Max-len(msgs)-len(low), r.Visibility)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, high...)
		}
		msgs = append(msgs, low...)
	}
	return msgs, nil
}

// receive is one ReceiveMessage on url.
func (q *Queue) receive(ctx context.Context, url, prefix string, max int, visibility, wait time.Duration) ([]queue.Message, error) {
	msgs, _, err := q.receiveMarked(ctx, url, prefix, max, visibility, wait)
	return msgs, err
}

// receiveMarked is receive that also returns the IDs of the wake-up
// messages among those received.
func (q *Queue) receiveMarked(ctx context.Context, url, prefix string, max int, visibility, wait time.Duration) ([]queue.Message, map[string]bool, error) {
	in := &sqsapi.ReceiveMessageInput{
		QueueUrl:                    aws.String(url),
		MaxNumberOfMessages:         int32(max),
		WaitTimeSeconds:             seconds(min(wait, maxWait)),
		MessageAttributeNames:       []string{priorityAttr, wakeUpAttr},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount, types.MessageSystemAttributeNameSentTimestamp},
	}
	if visibility > 0 {
		in.VisibilityTimeout = seconds(visibility)
	}
	out, err := q.sqs.ReceiveMessage(ctx, in)
	if err != nil {
		return nil, nil, translate("receive messages", err)
	}
	msgs := make([]queue.Message, 0, len(out.Messages))
	var wakeUps map[string]bool
	for _, m := range out.Messages {
		var priority *string
		if a, ok := m.MessageAttributes[priorityAttr]; ok {
			priority = a.StringValue
		}
		if _, ok := m.MessageAttributes[wakeUpAttr]; ok {
			if wakeUps == nil {
				wakeUps = map[string]bool{}
			}
			wakeUps[aws.ToString(m.MessageId)] = true
		}
		msgs = append(msgs, message(aws.ToString(m.MessageId), aws.ToString(m.Body), prefix+aws.ToString(m.ReceiptHandle), m.Attributes, priority))
	}
	return msgs, wakeUps, nil
}

// message builds a received message from SQS's fields: its system
// attributes (ApproximateReceiveCount, SentTimestamp) and the Priority
// message attribute. ReceiveMessage and the Lambda event source spell them
// the same way.
func message(id, body, receiptHandle string, attrs map[string]string, priority *string) queue.Message {
	m := queue.Message{ID: id, Body: body, ReceiptHandle: receiptHandle}
	m.ReceiveCount, _ = strconv.Atoi(attrs[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
	if ms, err := strconv.ParseInt(attrs[string(types.MessageSystemAttributeNameSentTimestamp)], 10, 64); err == nil {
		m.SentAt = time.UnixMilli(ms).UTC()
	}
	m.Priority, _ = strconv.Atoi(aws.ToString(priority))
	return m
}

// Delete acknowledges a message.
func (q *Queue) Delete(ctx context.Context, receiptHandle string) error {
	url, handle, err := q.splitReceipt(receiptHandle)
	if err != nil {
		return fmt.Errorf("delete message: %w", err)
	}
	if _, err := q.sqs.DeleteMessage(ctx, &sqsapi.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: &handle}); err != nil {
		return translate("delete message", err)
	}
	return nil
}

// ChangeVisibility makes a received message visible again after d.
func (q *Queue) ChangeVisibility(ctx context.Context, receiptHandle string, d time.Duration) error {
	if d < 0 || d > queue.MaxVisibility {
		return fmt.Errorf("change visibility to %v: %w", d, queue.ErrInvalidRequest)
	}
	url, handle, err := q.splitReceipt(receiptHandle)
	if err != nil {
		return fmt.Errorf("change visibility: %w", err)
	}
	_, err = q.sqs.ChangeMessageVisibility(ctx, &sqsapi.ChangeMessageVisibilityInput{
		QueueUrl: &url, ReceiptHandle: &handle, VisibilityTimeout: seconds(d),
	})
	if err != nil {
		return translate("change visibility", err)
	}
	return nil
}

// DeadLetter sends a copy of the message to the dead-letter queue, then
// deletes it from its queue. A crash between the two leaves the message in
// both; the engine treats a delivery of a dead-lettered job as done.
func (q *Queue) DeadLetter(ctx context.Context, m queue.Message) error {
	url, handle, err := q.splitReceipt(m.ReceiptHandle)
	if err != nil {
		return fmt.Errorf("dead-letter message %s: %w", m.ID, err)
	}
	if _, err := q.sqs.SendMessage(ctx, &sqsapi.SendMessageInput{
		QueueUrl:          &q.cfg.DeadLetterQueueURL,
		MessageBody:       &m.Body,
		MessageAttributes: priorityAttributes(m.Priority),
	}); err != nil {
		return translate("dead-letter message "+m.ID, err)
	}
	if _, err := q.sqs.DeleteMessage(ctx, &sqsapi.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: &handle}); err != nil {
		return translate("dead-letter message "+m.ID, err)
	}
	return nil
}

// MaxReceiveCount returns the queues' maxReceiveCount.
func (q *Queue) MaxReceiveCount() int { return q.cfg.MaxReceiveCount }

// DeadLetters returns the dead-letter queue.
func (q *Queue) DeadLetters() queue.DeadLetterQueue { return deadLetters{q} }

// deadLetters is the operator's view of the dead-letter queue.
type deadLetters struct{ q *Queue }

// Receive lists dead-lettered messages, keeping them invisible for
// r.Visibility.
func (d deadLetters) Receive(ctx context.Context, r queue.ReceiveRequest) ([]queue.Message, error) {
	if err := validateReceive(r); err != nil {
		return nil, err
	}
	return d.q.receive(ctx, d.q.cfg.DeadLetterQueueURL, prefixDead, r.Max, r.Visibility, r.Wait)
}

// Redrive sends the message back to the queue of its priority as a fresh
// message, then deletes it from the dead-letter queue.
func (d deadLetters) Redrive(ctx context.Context, m queue.Message) error {
	_, handle, err := d.q.splitReceipt(m.ReceiptHandle)
	if err != nil || !strings.HasPrefix(m.ReceiptHandle, prefixDead) {
		return fmt.Errorf("redrive message %s: receipt %q: %w", m.ID, m.ReceiptHandle, queue.ErrInvalidReceipt)
	}
	url, _ := d.q.queueFor(m.Priority)
	if _, err := d.q.sqs.SendMessage(ctx, &sqsapi.SendMessageInput{
		QueueUrl:          &url,
		MessageBody:       &m.Body,
		MessageAttributes: priorityAttributes(m.Priority),
	}); err != nil {
		return translate("redrive message "+m.ID, err)
	}
	if _, err := d.q.sqs.DeleteMessage(ctx, &sqsapi.DeleteMessageInput{QueueUrl: &d.q.cfg.DeadLetterQueueURL, ReceiptHandle: &handle}); err != nil {
		return translate("redrive message "+m.ID, err)
	}
	return d.q.wake(ctx, d.q.laneDelays([]queue.SendRequest{{Priority: m.Priority}}))
}

// Release makes received dead-lettered messages visible again, ten per
// ChangeMessageVisibilityBatch request. Entries whose receipt is no longer
// valid (the message was deleted or moved meanwhile) are ignored.
func (d deadLetters) Release(ctx context.Context, receiptHandles ...string) error {
	for start := 0; start < len(receiptHandles); start += queue.MaxBatch {
		chunk := receiptHandles[start:min(start+queue.MaxBatch, len(receiptHandles))]
		entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, 0, len(chunk))
		for i, h := range chunk {
			handle, ok := strings.CutPrefix(h, prefixDead)
			if !ok || handle == "" {
				return fmt.Errorf("release dead letters: receipt %q: %w", h, queue.ErrInvalidReceipt)
			}
			entries = append(entries, types.ChangeMessageVisibilityBatchRequestEntry{
				Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(handle), VisibilityTimeout: 0,
			})
		}
		out, err := d.q.sqs.ChangeMessageVisibilityBatch(ctx, &sqsapi.ChangeMessageVisibilityBatchInput{
			QueueUrl: &d.q.cfg.DeadLetterQueueURL, Entries: entries,
		})
		if err != nil {
			return translate("release dead letters", err)
		}
		for _, f := range out.Failed {
			if code := aws.ToString(f.Code); code != "ReceiptHandleIsInvalid" && code != "InvalidParameterValue" && !f.SenderFault {
				return fmt.Errorf("release dead letter %s: %s: %s", aws.ToString(f.Id), code, aws.ToString(f.Message))
			}
		}
	}
	return nil
}

// Send puts a message straight into the dead-letter queue.
func (d deadLetters) Send(ctx context.Context, r queue.SendRequest) error {
	if err := queue.ValidateSends([]queue.SendRequest{r}); err != nil {
		return err
	}
	if r.Delay != 0 {
		return fmt.Errorf("send to the dead-letter queue with a delay: %w", queue.ErrInvalidRequest)
	}
	if _, err := d.q.sqs.SendMessage(ctx, &sqsapi.SendMessageInput{
		QueueUrl:          &d.q.cfg.DeadLetterQueueURL,
		MessageBody:       &r.Body,
		MessageAttributes: priorityAttributes(r.Priority),
	}); err != nil {
		return translate("send to the dead-letter queue", err)
	}
	return nil
}

// Delete removes a dead-lettered message.
func (d deadLetters) Delete(ctx context.Context, receiptHandle string) error {
	handle, ok := strings.CutPrefix(receiptHandle, prefixDead)
	if !ok || handle == "" {
		return fmt.Errorf("delete dead letter: receipt %q: %w", receiptHandle, queue.ErrInvalidReceipt)
	}
	if _, err := d.q.sqs.DeleteMessage(ctx, &sqsapi.DeleteMessageInput{QueueUrl: &d.q.cfg.DeadLetterQueueURL, ReceiptHandle: &handle}); err != nil {
		return translate("delete dead letter", err)
	}
	return nil
}

// Depth returns about how many messages the dead-letter queue holds:
// visible, in flight and delayed (SQS's approximate counts).
func (d deadLetters) Depth(ctx context.Context) (int, error) {
	st, err := d.q.stats(ctx, d.q.cfg.DeadLetterQueueURL, queue.RoleDeadLetter)
	if err != nil {
		return 0, fmt.Errorf("dead-letter queue depth: %w", err)
	}
	return st.Total(), nil
}

// Stats counts the dead-letter queue's messages (one GetQueueAttributes).
func (d deadLetters) Stats(ctx context.Context) (queue.Stats, error) {
	return d.q.stats(ctx, d.q.cfg.DeadLetterQueueURL, queue.RoleDeadLetter)
}

// Stats counts the messages of the default queue and, when it is another
// queue, the high-priority one: one GetQueueAttributes each. The default
// queue's counts include the lane's wake-up messages that no receive has
// deleted yet (at most one per message sent to the lane), which SQS cannot
// tell from jobs. The oldest message's age is left unknown (SQS's API does
// not tell it).
func (q *Queue) Stats(ctx context.Context) ([]queue.Stats, error) {
	st, err := q.stats(ctx, q.cfg.QueueURL, queue.RoleJobs)
	if err != nil {
		return nil, err
	}
	out := []queue.Stats{st}
	if q.cfg.HighQueueURL != q.cfg.QueueURL {
		high, err := q.stats(ctx, q.cfg.HighQueueURL, queue.RoleHigh)
		if err != nil {
			return nil, err
		}
		out = append(out, high)
	}
	return out, nil
}

// statsAttributes are the counts Stats reads, and where each goes.
var statsAttributes = []struct {
	name  types.QueueAttributeName
	field func(*queue.Stats) *int
}{
	{types.QueueAttributeNameApproximateNumberOfMessages, func(s *queue.Stats) *int { return &s.Visible }},
	{types.QueueAttributeNameApproximateNumberOfMessagesNotVisible, func(s *queue.Stats) *int { return &s.InFlight }},
	{types.QueueAttributeNameApproximateNumberOfMessagesDelayed, func(s *queue.Stats) *int { return &s.Delayed }},
}

// stats reads one queue's approximate counts.
func (q *Queue) stats(ctx context.Context, url string, role queue.Role) (queue.Stats, error) {
	names := make([]types.QueueAttributeName, len(statsAttributes))
	for i, a := range statsAttributes {
		names[i] = a.name
	}
	out, err := q.sqs.GetQueueAttributes(ctx, &sqsapi.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: names})
	if err != nil {
		return queue.Stats{}, translate("stats of queue "+queueName(url), err)
	}
	st := queue.Stats{Name: queueName(url), Role: role}
	for _, a := range statsAttributes {
		v, err := strconv.Atoi(out.Attributes[string(a.name)])
		if err != nil {
			return queue.Stats{}, fmt.Errorf("stats of queue %s: attribute %s=%q: %w", st.Name, a.name, out.Attributes[string(a.name)], err)
		}
		*a.field(&st) = v
	}
	return st, nil
}
