// Command getjob is the Lambda behind GET /jobs, GET /jobs/{id},
// GET /jobs/{id}/assets and POST /jobs/{id}/cancel: reads plus the one
// conditional cancel write. It never sends messages, so its role has no
// SQS permission (template.yaml). Asset URLs are presigned S3 GET URLs made
// at each read from the asset's object key, so JOBLINE_ASSETS_BUCKET is
// required and the role may s3:GetObject in the bucket.
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
	if _, err := be.RequireAssets(); err != nil {
		lambdafn.Exit(log, err)
	}
	reg := lambdafn.Registry(nil) // validation only
	h, err := api.New(api.Config{Store: be.Store, Queue: be.Queue, Logger: log, ValidateJob: reg.Validate, AssetURL: be.AssetURL})
	if err != nil {
		lambdafn.Exit(log, err)
	}
	lambda.Start((&apigw.Adapter{Handler: h, WithUser: api.WithUser, Logger: log}).Handle)
}
