package sqsqueue

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"jobline/internal/queue"
)

// Message converts a record that a Lambda SQS event source received from
// one of the jobs queues into the queue.Message that Receive would have
// returned: the receipt handle prefixed for Delete and ChangeVisibility,
// the receive count, the send time and the priority. A record of any other
// queue fails with queue.ErrInvalidReceipt.
func (q *Queue) Message(r events.SQSMessage) (queue.Message, error) {
	handle, err := q.receiptHandle(r.EventSourceARN, r.ReceiptHandle)
	if err != nil {
		return queue.Message{}, fmt.Errorf("record %s: %w", r.MessageId, err)
	}
	var priority *string
	if a, ok := r.MessageAttributes[priorityAttr]; ok {
		priority = a.StringValue
	}
	return message(r.MessageId, r.Body, handle, r.Attributes, priority), nil
}
