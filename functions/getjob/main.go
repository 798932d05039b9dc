// Command getjob is the Lambda behind GET /jobs, GET /jobs/{id},
// GET /jobs/{id}/assets and POST /jobs/{id}/cancel: reads plus the one
// conditional cancel write. It never sends messages, so its role has no
// SQS permission (template.yaml).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"jobline/internal/api"
	"jobline/internal/apigw"
	"jobline/internal/lambdafn"
)

func main() {
	log := lambdafn.Logger("getjob")
	ctx := context.Background()
	be, err := lambdafn.OpenBackend(ctx)
	if err != nil {
		lambdafn.Exit(log, err)
	}
	reg, err := lambdafn.Registry()
	if err != nil {
		lambdafn.Exit(log, err)
	}
	h, err := api.New(api.Config{Store: be.Store, Queue: be.Queue, Logger: log, ValidateJob: reg.Validate})
	if err != nil {
		lambdafn.Exit(log, err)
	}
	lambda.Start((&apigw.Adapter{Handler: h, WithUser: api.WithUser, Logger: log}).Handle)
}
