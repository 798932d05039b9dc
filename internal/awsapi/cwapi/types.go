// Code generated from the AWS SDK for Go v2's cloudwatch v1.76.0 types by hand-run extraction (scripts/awsapi/gen_types.py has the operations'); DO NOT EDIT.
//
// The SDK's cloudwatch/types package links its serde schemas, whose
// initialisation every cold start of admin would pay: these copies do not.

package cwapi

import "time"

// ScanBy is the SDK's types.ScanBy.
type ScanBy string

// The orders of GetMetricData's datapoints.
const (
	ScanByTimestampDescending ScanBy = "TimestampDescending"
	ScanByTimestampAscending  ScanBy = "TimestampAscending"
)

// StandardUnit is the SDK's types.StandardUnit (a metric's unit, such as
// "Seconds" or "Count").
type StandardUnit string

// StatusCode is the SDK's types.StatusCode (of a MetricDataResult).
type StatusCode string

// MessageData's and MetricDataResult's statuses.
const (
	StatusCodeComplete      StatusCode = "Complete"
	StatusCodeInternalError StatusCode = "InternalError"
	StatusCodePartialData   StatusCode = "PartialData"
	StatusCodeForbidden     StatusCode = "Forbidden"
)

// Dimension is the SDK's Dimension, field for field.
type Dimension struct {
	Name  *string
	Value *string
}

// Entity is the SDK's Entity, field for field.
type Entity struct {
	Attributes    map[string]string
	KeyAttributes map[string]string
}

// EntityMetricData is the SDK's EntityMetricData, field for field.
type EntityMetricData struct {
	Entity     *Entity
	MetricData []MetricDatum
}

// LabelOptions is the SDK's LabelOptions, field for field.
type LabelOptions struct {
	Timezone *string
}

// MessageData is the SDK's MessageData, field for field.
type MessageData struct {
	Code  *string
	Value *string
}

// Metric is the SDK's Metric, field for field.
type Metric struct {
	Dimensions []Dimension
	MetricName *string
	Namespace  *string
}

// MetricDataQuery is the SDK's MetricDataQuery, field for field.
type MetricDataQuery struct {
	Id         *string
	AccountId  *string
	Expression *string
	Label      *string
	MetricStat *MetricStat
	Period     *int32
	ReturnData *bool
}

// MetricDataResult is the SDK's MetricDataResult, field for field.
type MetricDataResult struct {
	Id         *string
	Label      *string
	Messages   []MessageData
	StatusCode StatusCode
	Timestamps []time.Time
	Values     []float64
}

// MetricDatum is the SDK's MetricDatum, field for field.
type MetricDatum struct {
	MetricName        *string
	Counts            []float64
	Dimensions        []Dimension
	StatisticValues   *StatisticSet
	StorageResolution *int32
	Timestamp         *time.Time
	Unit              StandardUnit
	Value             *float64
	Values            []float64
}

// MetricStat is the SDK's MetricStat, field for field.
type MetricStat struct {
	Metric *Metric
	Period *int32
	Stat   *string
	Unit   StandardUnit
}

// StatisticSet is the SDK's StatisticSet, field for field.
type StatisticSet struct {
	Maximum     *float64
	Minimum     *float64
	SampleCount *float64
	Sum         *float64
}
