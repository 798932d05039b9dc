package lambdafn

import (
	"context"

	"jobline/internal/api"
	"jobline/internal/apigw"
	"jobline/internal/jobs"
)

// StartAPI runs the HTTP API of internal/api as the Lambda named function,
// behind API Gateway (identity from the JWT's sub claim); build returns the
// API's configuration (CreateAPI or ReadAPI, on the clients the function
// builds). It does not return.
func StartAPI(function string, build func(ctx context.Context, in *Init) (api.Config, error)) {
	Start(function, func(ctx context.Context, in *Init) (any, error) {
		cfg, err := build(ctx, in)
		if err != nil {
			return nil, err
		}
		cfg.Logger = in.Log
		h, err := api.New(cfg)
		if err != nil {
			return nil, err
		}
		adapter, err := apigw.New(apigw.Config{Handler: h, WithUser: api.WithUser, Logger: in.Log})
		if err != nil {
			return nil, err
		}
		return adapter.Handle, nil
	})
}

// CreateAPI is the API of POST /jobs (createjob): it validates, stores and
// sends. Its registry only validates create requests: no job runs here, so
// it needs no file store.
func CreateAPI(store api.Store, q api.Sender) api.Config {
	return api.Config{Store: store, Queue: q, ValidateJob: Registry(nil).Validate}
}

// ReadAPI is the API of GET /jobs, GET /jobs/{id}, GET /jobs/{id}/assets
// and POST /jobs/{id}/cancel (getjob): read-only with no queue, since its
// role may not send (API Gateway never routes POST /jobs to it; if
// something did, it would answer 405, never try to send). Asset URLs come
// from assetURL, presigned at each read.
func ReadAPI(store api.Store, assetURL func(ctx context.Context, a jobs.Asset) (string, error)) api.Config {
	return api.Config{Store: store, ReadOnly: true, AssetURL: assetURL}
}
