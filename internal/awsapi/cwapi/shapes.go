// Code generated from the AWS SDK for Go v2's cloudwatch v1.76.0 operations' inputs and outputs by
// scripts/awsapi/gen_types.py; DO NOT EDIT.

package cwapi

import (
	"time"
)

// GetMetricDataInput is the SDK's cloudwatch.GetMetricDataInput, field for field (awsjson encodes it).
type GetMetricDataInput struct {
	EndTime           *time.Time
	MetricDataQueries []MetricDataQuery
	StartTime         *time.Time
	LabelOptions      *LabelOptions
	MaxDatapoints     *int32
	NextToken         *string
	ScanBy            ScanBy
}

// GetMetricDataOutput is the SDK's cloudwatch.GetMetricDataOutput, field for field (awsjson encodes it).
type GetMetricDataOutput struct {
	Messages          []MessageData
	MetricDataResults []MetricDataResult
	NextToken         *string
}

// PutMetricDataInput is the SDK's cloudwatch.PutMetricDataInput, field for field (awsjson encodes it).
type PutMetricDataInput struct {
	Namespace              *string
	EntityMetricData       []EntityMetricData
	MetricData             []MetricDatum
	StrictEntityValidation *bool
}

// PutMetricDataOutput is the SDK's cloudwatch.PutMetricDataOutput, field for field (awsjson encodes it).
type PutMetricDataOutput struct {
}
