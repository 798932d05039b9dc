// Package jobqueue builds Jobline's SQS queue (the job queues and their
// dead-letter queue) from an SDK configuration and awsenv.Config, alone or
// with the store. It is a package of its own so that a Lambda function
// links the SQS client only if it uses the queue.
package jobqueue

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/sqsapi"
	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/awsbackend/jobstore"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/queue/sqsqueue"
)

// Client returns an SQS client on awsCfg with c's hooks.
func Client(ctx context.Context, awsCfg aws.Config, c awsenv.Config) (*sqsapi.Client, error) {
	return sqsapi.New(ctx, awsCfg, awsapi.Options{Hooks: c.Hooks})
}

// New returns the queue of c's queues on client.
func New(client *sqsapi.Client, c awsenv.Config) (*sqsqueue.Queue, error) {
	return sqsqueue.New(client, sqsqueue.Config{
		QueueURL:           c.QueueURL,
		HighQueueURL:       c.HighQueueURL,
		DeadLetterQueueURL: c.DeadLetterQueueURL,
		MaxReceiveCount:    c.MaxReceiveCount,
	})
}

// OpenStoreAndQueue returns the store and the queue, each on a client of
// its own: what every function that moves jobs along uses (createjob,
// processjob, reconcile, dlqredrive).
func OpenStoreAndQueue(ctx context.Context, awsCfg aws.Config, c awsenv.Config) (*dynamostore.Store, *sqsqueue.Queue, error) {
	store, err := jobstore.Open(ctx, awsCfg, c)
	if err != nil {
		return nil, nil, err
	}
	client, err := Client(ctx, awsCfg, c)
	if err != nil {
		return nil, nil, err
	}
	q, err := New(client, c)
	if err != nil {
		return nil, nil, err
	}
	return store, q, nil
}
