// Command createjob is the Lambda behind POST /jobs: it validates the
// request, stores the queued job and sends its message. It is the only API
// function allowed to send to the queues (template.yaml).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"jobline/internal/api"
	"jobline/internal/apigw"
	"jobline/internal/lambdafn"
)

func main() {
	log := lambdafn.Logger("createjob")
	ctx := context.Background()
	be, err := lambdafn.OpenBackend(ctx)
	if err != nil {
		lambdafn.Exit(log, err)
	}
	// Validation only: createjob runs no job, so it needs no file store.
	reg := lambdafn.Registry(nil)
	h, err := api.New(api.Config{Store: be.Store, Queue: be.Queue, Logger: log, ValidateJob: reg.Validate})
	if err != nil {
		lambdafn.Exit(log, err)
	}
	lambda.Start((&apigw.Adapter{Handler: h, WithUser: api.WithUser, Logger: log}).Handle)
}
