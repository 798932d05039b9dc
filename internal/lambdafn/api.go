package lambdafn

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"jobline/internal/api"
	"jobline/internal/apigw"
)

// StartAPI runs the HTTP API of internal/api as the Lambda named function,
// behind API Gateway (identity from the JWT's sub claim). Everything is
// built once, at init. With presignAssets the function answers asset URLs
// presigned at each read, so the assets bucket is required. It does not
// return.
func StartAPI(function string, presignAssets bool) {
	log := Logger(function)
	be, err := OpenBackend(context.Background())
	if err != nil {
		Exit(log, err)
	}
	// The registry only validates create requests: no job runs here, so it
	// needs no file store.
	cfg := api.Config{Store: be.Store, Queue: be.Queue, Logger: log, ValidateJob: Registry(nil).Validate}
	if presignAssets {
		if _, err := be.RequireAssets(); err != nil {
			Exit(log, err)
		}
		cfg.AssetURL = be.AssetURL
	}
	h, err := api.New(cfg)
	if err != nil {
		Exit(log, err)
	}
	lambda.Start((&apigw.Adapter{Handler: h, WithUser: api.WithUser, Logger: log}).Handle)
}
