package lambdafn

import (
	"context"
	"net/http"
	"time"

	"jobline/internal/api"
	"jobline/internal/apigw"
	"jobline/internal/jobs"
)

// StartAPI runs the HTTP API of internal/api as the Lambda named function,
// behind API Gateway (identity from the JWT's sub claim); build returns the
// API's configuration (CreateAPI or ReadAPI, on the clients the function
// builds). The logger and the metrics are filled in. It does not return.
func StartAPI(function string, build func(ctx context.Context, in *Init) (api.Config, error)) {
	StartHTTP(function, func(ctx context.Context, in *Init) (http.Handler, apigw.Config, error) {
		cfg, err := build(ctx, in)
		if err != nil {
			return nil, apigw.Config{}, err
		}
		cfg.Logger, cfg.Metrics = in.Log, in.Metrics
		cfg.RequestTimeout = in.Env.Duration(api.EnvRequestTimeout, api.DefaultRequestTimeout, time.Millisecond, time.Minute)
		h, err := api.New(cfg)
		return h, apigw.Config{}, err
	})
}

// StartHTTP runs an http.Handler, built once at init by build, as the
// Lambda named function behind API Gateway. build also returns the
// adapter's settings beyond the handler (the admin claim); the identity
// (api.WithUser, api.WithAdmin) and the logger are filled in. It does not
// return.
func StartHTTP(function string, build func(ctx context.Context, in *Init) (http.Handler, apigw.Config, error)) {
	Start(function, func(ctx context.Context, in *Init) (any, error) {
		h, gw, err := build(ctx, in)
		if err != nil {
			return nil, err
		}
		gw.Handler, gw.WithUser, gw.Logger = h, api.WithUser, in.Log
		if gw.AdminClaim != "" {
			gw.WithAdmin = api.WithAdmin
		}
		adapter, err := apigw.New(gw)
		if err != nil {
			return nil, err
		}
		return adapter.Handle, nil
	})
}

// CreateAPI is the API of POST /jobs (createjob): it validates, stores and
// sends, and names the job types in a 422. Its registry only validates and
// describes: no job runs here, so it needs no file store.
func CreateAPI(store api.Store, q api.Sender) api.Config {
	reg := Registry(nil)
	return api.Config{Store: store, Queue: q, ValidateJob: reg.Validate, JobTypes: reg.JobTypes}
}

// ReadAPI is the API of GET /jobs, GET /jobs/{id}, GET /jobs/{id}/assets,
// POST /jobs/{id}/cancel and GET /job-types (getjob): read-only with no
// queue, since its role may not send (API Gateway never routes POST /jobs
// to it; if something did, it would answer 405, never try to send). Asset
// URLs come from assetURL, presigned at each read.
func ReadAPI(store api.Store, assetURL func(ctx context.Context, a jobs.Asset) (string, error)) api.Config {
	return api.Config{Store: store, ReadOnly: true, AssetURL: assetURL, JobTypes: Registry(nil).JobTypes}
}
