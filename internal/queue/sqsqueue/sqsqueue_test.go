package sqsqueue_test

import (
	"testing"
	"time"

	"jobline/internal/awsbackend/awstest"
	"jobline/internal/queue/queuetest"
	"jobline/internal/queue/sqsqueue"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	cfg := awstest.Config(t)
	clients := awstest.Clients(t, cfg)
	queuetest.Run(t, func(t *testing.T) queuetest.Harness {
		q, err := sqsqueue.New(clients.SQSAPI, awstest.NewQueues(t, clients.SQS, cfg, 3))
		if err != nil {
			t.Fatal(err)
		}
		return queuetest.Harness{Queue: q, Advance: time.Sleep, Tick: time.Second, WakeUps: true}
	})
}
