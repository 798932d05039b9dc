// Package cwapi is Jobline's CloudWatch client: the operations the admin
// API's metrics reader (GetMetricData) and its tests (PutMetricData) use,
// on awsapi's JSON 1.0 client, with the SDK's shape types (shapes.go
// copies its inputs and outputs; package types is the SDK's own).
//
// CloudWatch serves three protocols: the classic query protocol, AWS JSON
// 1.0 (target GraniteServiceVersion20100801) and the SDK's default, RPC v2
// CBOR. JSON 1.0 is the one both CloudWatch and the emulator (moto)
// answer, so one client serves both. CloudWatch is query-compatible: its
// errors carry the query protocol's code (InvalidParameterValue) in
// x-amzn-query-error, which awsapi reads.
package cwapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi"
)

// Service is CloudWatch as awsapi calls it. No caller tests for a
// modelled error type: errors are smithy.APIErrors with the query code.
var Service = awsapi.JSONService{
	Service:         awsapi.Service{ID: "CloudWatch", SigningName: "monitoring"},
	TargetPrefix:    "GraniteServiceVersion20100801",
	QueryCompatible: true,
}

// Client calls CloudWatch. It is safe for concurrent use.
type Client struct{ json *awsapi.JSONClient }

// New returns a client configured by cfg (awsapi.NewClient).
func New(ctx context.Context, cfg aws.Config, opts awsapi.Options) (*Client, error) {
	c, err := awsapi.NewJSONClient(ctx, Service, cfg, opts)
	if err != nil {
		return nil, err
	}
	return &Client{json: c}, nil
}

// GetMetricData reads a page of datapoints of up to 500 metric queries.
func (c *Client) GetMetricData(ctx context.Context, in *GetMetricDataInput) (*GetMetricDataOutput, error) {
	return awsapi.Invoke[GetMetricDataOutput](ctx, c.json, "GetMetricData", in)
}

// PutMetricData publishes datapoints (tests seed the emulator with it).
func (c *Client) PutMetricData(ctx context.Context, in *PutMetricDataInput) (*PutMetricDataOutput, error) {
	return awsapi.Invoke[PutMetricDataOutput](ctx, c.json, "PutMetricData", in)
}
