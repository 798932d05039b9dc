// Package adminfn is the admin function's wiring (functions/admin): the
// admin API of internal/api on the DynamoDB store and the SQS queues, with
// CloudWatch for the metrics. It is apart from lambdafn so that the other
// functions do not link CloudWatch's client.
package adminfn

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/api"
	"jobline/internal/apigw"
	"jobline/internal/awsapi"
	"jobline/internal/awsbackend/awsenv"
	"jobline/internal/awsbackend/jobqueue"
	"jobline/internal/lambdafn"
	"jobline/internal/metrics"
	"jobline/internal/metrics/cloudwatchmetrics"
	"jobline/internal/redrive"
)

// Variables of the admin function (template.yaml's AdminClaim and
// AdminClaimValue parameters).
const (
	// EnvAdminClaim is the JWT claim that tells admins, such as
	// cognito:groups or scope. Default: none, nobody is an admin.
	EnvAdminClaim = "JOBLINE_ADMIN_CLAIM"
	// EnvAdminClaimValue is the claim's value that makes an admin, such as
	// jobline-admins.
	EnvAdminClaimValue = "JOBLINE_ADMIN_CLAIM_VALUE"
)

// StartAdmin runs the admin API (api.NewAdmin: every owner's jobs, the
// queues, the dead-letter queue and its redrive, the metrics) as the Lambda
// named function behind API Gateway's /admin/ routes. A caller is an admin
// when the JWT claim EnvAdminClaim holds EnvAdminClaimValue; anyone else
// gets 404. It does not return.
func StartAdmin(function string) {
	lambdafn.StartHTTP(function, func(ctx context.Context, in *lambdafn.Init) (http.Handler, apigw.Config, error) {
		h, err := adminHandler(ctx, in.AWS, in.Config, in.Metrics, in.Log, in.Env.String(lambdafn.EnvMetricsNamespace, ""))
		return h, apigw.Config{AdminClaim: in.Env.String(EnvAdminClaim, ""), AdminClaimValue: in.Env.String(EnvAdminClaimValue, "")}, err
	})
}

// adminHandler wires the admin API to the clients it builds on awsCfg: the
// store and the queues (awsbackend/jobqueue), the redrive code of the
// dlqredrive CLI, and CloudWatch for the metrics and the queues' oldest
// message ages. It builds no S3 client: the admin API presigns no asset
// URL.
func adminHandler(ctx context.Context, awsCfg aws.Config, cfg awsenv.Config, rec metrics.Recorder, log *slog.Logger, namespace string) (http.Handler, error) {
	store, q, err := jobqueue.OpenStoreAndQueue(ctx, awsCfg, cfg)
	if err != nil {
		return nil, err
	}
	client, err := cloudwatchmetrics.NewClient(ctx, awsCfg, awsapi.Options{Hooks: cfg.Hooks})
	if err != nil {
		return nil, err
	}
	reader, err := cloudwatchmetrics.New(client, cloudwatchmetrics.Config{Namespace: namespace, JobTypes: lambdafn.Registry(nil).Types()})
	if err != nil {
		return nil, err
	}
	return api.NewAdmin(api.AdminConfig{
		Store: store, Queues: q, QueueAges: reader, Metrics: reader, Recorder: rec, Logger: log,
		DeadLetters: &redrive.Redriver{Store: store, Queue: q, Logger: log},
	})
}
