package cwapi

// The CloudWatch enums Jobline uses, written by hand (the structs beside them
// are generated, types.go): the SDK's cloudwatch/types package links serde
// schemas whose initialisation every cold start of admin would pay.

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
