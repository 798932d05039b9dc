// Code generated from the AWS SDK for Go v2's cloudwatch v1.76.0 member types by
// scripts/awsapi/gen_types.py; DO NOT EDIT.

package cwapi

import (
	"time"
)

// Dimension is the SDK's types.Dimension, field for field (awsjson encodes it).
type Dimension struct {
	Name  *string
	Value *string
}

// Entity is the SDK's types.Entity, field for field (awsjson encodes it).
type Entity struct {
	Attributes    map[string]string
	KeyAttributes map[string]string
}

// EntityMetricData is the SDK's types.EntityMetricData, field for field (awsjson encodes it).
type EntityMetricData struct {
	Entity     *Entity
	MetricData []MetricDatum
}

// LabelOptions is the SDK's types.LabelOptions, field for field (awsjson encodes it).
type LabelOptions struct {
	Timezone *string
}

// MessageData is the SDK's types.MessageData, field for field (awsjson encodes it).
type MessageData struct {
	Code  *string
	Value *string
}

// Metric is the SDK's types.Metric, field for field (awsjson encodes it).
type Metric struct {
	Dimensions []Dimension
	MetricName *string
	Namespace  *string
}

// MetricDataQuery is the SDK's types.MetricDataQuery, field for field (awsjson encodes it).
type MetricDataQuery struct {
	Id         *string
	AccountId  *string
	Expression *string
	Label      *string
	MetricStat *MetricStat
	Period     *int32
	ReturnData *bool
}

// MetricDataResult is the SDK's types.MetricDataResult, field for field (awsjson encodes it).
type MetricDataResult struct {
	Id         *string
	Label      *string
	Messages   []MessageData
	StatusCode StatusCode
	Timestamps []time.Time
	Values     []float64
}

// MetricDatum is the SDK's types.MetricDatum, field for field (awsjson encodes it).
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

// MetricStat is the SDK's types.MetricStat, field for field (awsjson encodes it).
type MetricStat struct {
	Metric *Metric
	Period *int32
	Stat   *string
	Unit   StandardUnit
}

// StatisticSet is the SDK's types.StatisticSet, field for field (awsjson encodes it).
type StatisticSet struct {
	Maximum     *float64
	Minimum     *float64
	SampleCount *float64
	Sum         *float64
}
