package lambdafn

import (
	"context"
	"fmt"
	"net/http"

	"jobline/internal/api"
	"jobline/internal/apigw"
	"jobline/internal/blob/s3blob"
	"jobline/internal/jobs"
	"jobline/internal/jobs/dynamostore"
	"jobline/internal/queue/sqsqueue"
)

// APIRole is the part of the HTTP API a function serves; template.yaml
// routes each path to one function and gives each role its own rights.
type APIRole int

const (
	// CreateRole serves POST /jobs (createjob): it validates, stores and
	// sends, so it builds the DynamoDB and SQS clients.
	CreateRole APIRole = iota
	// ReadRole serves GET /jobs, GET /jobs/{id}, GET /jobs/{id}/assets and
	// POST /jobs/{id}/cancel (getjob): it builds the DynamoDB client and the
	// S3 one that presigns asset URLs at each read, and no SQS client.
	ReadRole
)

// StartAPI runs the HTTP API of internal/api in role as the Lambda named
// function, behind API Gateway (identity from the JWT's sub claim). It
// does not return.
func StartAPI(function string, role APIRole) {
	StartHTTP(function, func(_ context.Context, in *Init) (http.Handler, apigw.Config, error) {
		cfg, err := apiConfig(in.Backend, role)
		if err != nil {
			return nil, apigw.Config{}, err
		}
		cfg.Logger, cfg.Metrics = in.Log, in.Metrics
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

// apiBackend is what the API functions take from the AWS backend;
// *awsbackend.Backend is one.
type apiBackend interface {
	Store() (*dynamostore.Store, error)
	Queue() (*sqsqueue.Queue, error)
	Assets() (*s3blob.Store, error)
	AssetURL(ctx context.Context, a jobs.Asset) (string, error)
}

// apiConfig wires the API of role to the backend, asking it only for what
// the role uses.
func apiConfig(be apiBackend, role APIRole) (api.Config, error) {
	store, err := be.Store()
	if err != nil {
		return api.Config{}, err
	}
	cfg := api.Config{Store: store}
	switch role {
	case ReadRole:
		// getjob's role may not send, so it gets no queue: its handler
		// serves the read routes only (API Gateway never routes POST /jobs
		// to it; if something did, it would answer 405, never try to send).
		// Asset URLs are presigned at each read, so the bucket is required.
		if _, err := be.Assets(); err != nil {
			return api.Config{}, err
		}
		cfg.ReadOnly, cfg.AssetURL = true, be.AssetURL
	case CreateRole:
		q, err := be.Queue()
		if err != nil {
			return api.Config{}, err
		}
		// The registry only validates create requests: no job runs here,
		// so it needs no file store.
		cfg.Queue, cfg.ValidateJob = q, Registry(nil).Validate
	default:
		return api.Config{}, fmt.Errorf("unknown API role %d", role)
	}
	return cfg, nil
}
