// Command createjob is the Lambda behind POST /jobs: it validates the
// request, stores the queued job and sends its message. It is the only API
// function allowed to send to the queues (template.yaml), and it builds
// and links only the DynamoDB and SQS clients.
package main

import (
	"context"

	"jobline/internal/api"
	"jobline/internal/awsbackend/jobqueue"
	"jobline/internal/lambdafn"
)

func main() {
	lambdafn.StartAPI("createjob", func(ctx context.Context, in *lambdafn.Init) (api.Config, error) {
		store, q, err := jobqueue.OpenStoreAndQueue(ctx, in.AWS, in.Config)
		if err != nil {
			return api.Config{}, err
		}
		return lambdafn.CreateAPI(store, q), nil
	})
}
