// Package cloudwatchmetrics reads Jobline's metrics back from CloudWatch
// with GetMetricData, for the admin API in AWS: the job metrics that
// processjob and the API functions write as EMF lines (package metrics),
// and the age of each queue's oldest message, which SQS's own API does not
// tell (AWS/SQS ApproximateAgeOfOldestMessage).
//
// Its answers have the shapes of package metrics, so that the admin API
// serves the same JSON from CloudWatch as from the dev server's in-process
// metrics.Memory.
package cloudwatchmetrics

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/cwapi"
	"jobline/internal/metrics"
)

// Client is what a Reader uses of *cwapi.Client.
type Client interface {
	GetMetricData(ctx context.Context, in *cwapi.GetMetricDataInput) (*cwapi.GetMetricDataOutput, error)
}

// Limits and defaults of the requests.
const (
	// MaxQueriesPerRequest is GetMetricData's limit of metric queries per
	// request; a report that needs more is read in several requests.
	MaxQueriesPerRequest = 500
	// OldestAgeLookback is how far back OldestMessageAges looks for the
	// queues' latest ApproximateAgeOfOldestMessage (SQS publishes it about
	// every minute while a queue is active; an idle queue has none).
	OldestAgeLookback = 15 * time.Minute
	// sqsNamespace and oldestAgeMetric name SQS's metric of the age of a
	// queue's oldest message, in seconds.
	sqsNamespace    = "AWS/SQS"
	oldestAgeMetric = "ApproximateAgeOfOldestMessage"
)

// Config configures a Reader.
type Config struct {
	// Namespace of the job metrics, the one their EMF lines name
	// (JOBLINE_METRICS_NAMESPACE). Default: metrics.DefaultNamespace.
	Namespace string
	// JobTypes are the job types a report covers, each with every metric
	// (CloudWatch is asked for each by name). Required.
	JobTypes []string
}

// Reader answers metric queries from CloudWatch.
type Reader struct {
	client Client
	cfg    Config
}

// New returns a Reader on client.
func New(client Client, cfg Config) (*Reader, error) {
	if cfg.Namespace == "" {
		cfg.Namespace = metrics.DefaultNamespace
	}
	if client == nil || len(cfg.JobTypes) == 0 {
		return nil, errors.New("cloudwatchmetrics: a client and at least one job type are required")
	}
	return &Reader{client: client, cfg: cfg}, nil
}

// NewClient returns a CloudWatch client on cfg and opts (cwapi.New). It
// speaks AWS JSON 1.0, which CloudWatch and the emulator (moto) both
// serve, so an endpoint override needs no other protocol.
func NewClient(ctx context.Context, cfg aws.Config, opts awsapi.Options) (*cwapi.Client, error) {
	return cwapi.New(ctx, cfg, opts)
}

// seriesQuery ties one MetricDataQuery to the series it fills.
type seriesQuery struct {
	query  cwapi.MetricDataQuery
	series int // index in the report's Series
}

// Query reads every statistic of every metric of every configured job
// type over q's window, MaxQueriesPerRequest metric queries per request
// (each followed through its pages). A step CloudWatch has no datapoint
// for is 0 in a sum and nil otherwise, as in metrics.Memory.
func (r *Reader) Query(ctx context.Context, q metrics.Query) (metrics.Report, error) {
	if err := q.Validate(); err != nil {
		return metrics.Report{}, err
	}
	if q.Step == 0 {
		q.Step = metrics.DefaultStep
	}
	rep := metrics.Report{Start: q.Start.UTC(), Step: q.Step, Steps: q.Steps()}
	var queries []seriesQuery
	for _, jobType := range r.cfg.JobTypes {
		for _, name := range metrics.Names() {
			for _, stat := range name.Stats() {
				queries = append(queries, seriesQuery{query: r.metricQuery(len(queries), jobType, name, stat, q.Step), series: len(rep.Series)})
				rep.Series = append(rep.Series, metrics.NewSeries(jobType, name, stat, rep.Steps))
			}
		}
	}
	for start := 0; start < len(queries); start += MaxQueriesPerRequest {
		chunk := queries[start:min(start+MaxQueriesPerRequest, len(queries))]
		if err := r.read(ctx, q, chunk, &rep); err != nil {
			return metrics.Report{}, err
		}
	}
	return rep, nil
}

// metricQuery is the query of one statistic of one job type's metric; its
// Id is its index.
func (r *Reader) metricQuery(i int, jobType string, name metrics.Name, stat metrics.Stat, step time.Duration) cwapi.MetricDataQuery {
	return cwapi.MetricDataQuery{
		Id: aws.String(fmt.Sprintf("q%d", i)),
		MetricStat: &cwapi.MetricStat{
			Metric: &cwapi.Metric{
				Namespace:  aws.String(r.cfg.Namespace),
				MetricName: aws.String(string(name)),
				Dimensions: []cwapi.Dimension{{Name: aws.String(metrics.DimensionJobType), Value: aws.String(jobType)}},
			},
			Period: aws.Int32(int32(step / time.Second)),
			Stat:   aws.String(string(stat)),
		},
		ReturnData: aws.Bool(true),
	}
}

// read runs one request of up to MaxQueriesPerRequest queries, all its
// pages, and puts each datapoint in its series' step.
func (r *Reader) read(ctx context.Context, q metrics.Query, chunk []seriesQuery, rep *metrics.Report) error {
	byID := map[string]int{}
	in := &cwapi.GetMetricDataInput{
		StartTime: aws.Time(q.Start.UTC()), EndTime: aws.Time(q.End.UTC()), ScanBy: cwapi.ScanByTimestampAscending,
	}
	for _, sq := range chunk {
		in.MetricDataQueries = append(in.MetricDataQueries, sq.query)
		byID[aws.ToString(sq.query.Id)] = sq.series
	}
	err := r.pages(ctx, in, func(out *cwapi.GetMetricDataOutput) error {
		for _, res := range out.MetricDataResults {
			i, ok := byID[aws.ToString(res.Id)]
			if !ok {
				return fmt.Errorf("a result for unknown query %q", aws.ToString(res.Id))
			}
			place(rep, &rep.Series[i], res)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("get metric data: %w", err)
	}
	return nil
}

// pages runs in and each next page of its answer (NextToken), handing
// each output to fn, until a page has no NextToken. in is not changed. A
// token that comes back a second time is an error rather than a loop.
func (r *Reader) pages(ctx context.Context, in *cwapi.GetMetricDataInput, fn func(*cwapi.GetMetricDataOutput) error) error {
	next := *in
	seen := map[string]bool{}
	for {
		page := next // each request its own input
		out, err := r.client.GetMetricData(ctx, &page)
		if err != nil {
			return err
		}
		if err := fn(out); err != nil {
			return err
		}
		token := aws.ToString(out.NextToken)
		if token == "" {
			return nil
		}
		if seen[token] {
			return fmt.Errorf("next token %q repeated", token)
		}
		seen[token] = true
		next.NextToken = aws.String(token)
	}
}

// place puts a result's datapoints in the steps they belong to.
func place(rep *metrics.Report, s *metrics.Series, res cwapi.MetricDataResult) {
	for k, ts := range res.Timestamps {
		if k >= len(res.Values) {
			return
		}
		step := int(ts.Sub(rep.Start) / rep.Step)
		if ts.Before(rep.Start) || step >= rep.Steps {
			continue
		}
		v := res.Values[k]
		s.Values[step] = &v
	}
}

// OldestMessageAges returns the latest ApproximateAgeOfOldestMessage of
// each named queue within OldestAgeLookback before now. A queue without a
// datapoint (idle, or just created) is absent from the map.
func (r *Reader) OldestMessageAges(ctx context.Context, queueNames []string, now time.Time) (map[string]time.Duration, error) {
	if len(queueNames) == 0 {
		return map[string]time.Duration{}, nil
	}
	in := &cwapi.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-OldestAgeLookback).UTC()), EndTime: aws.Time(now.UTC()), ScanBy: cwapi.ScanByTimestampDescending,
	}
	for i, name := range queueNames {
		in.MetricDataQueries = append(in.MetricDataQueries, cwapi.MetricDataQuery{
			Id: aws.String(fmt.Sprintf("age%d", i)),
			MetricStat: &cwapi.MetricStat{
				Metric: &cwapi.Metric{
					Namespace: aws.String(sqsNamespace), MetricName: aws.String(oldestAgeMetric),
					Dimensions: []cwapi.Dimension{{Name: aws.String("QueueName"), Value: aws.String(name)}},
				},
				Period: aws.Int32(60),
				Stat:   aws.String(string(metrics.StatMaximum)),
			},
			ReturnData: aws.Bool(true),
		})
	}
	ages := map[string]time.Duration{}
	err := r.pages(ctx, in, func(out *cwapi.GetMetricDataOutput) error {
		for _, res := range out.MetricDataResults {
			var i int
			if _, err := fmt.Sscanf(aws.ToString(res.Id), "age%d", &i); err != nil || i < 0 || i >= len(queueNames) {
				return fmt.Errorf("a result for unknown query %q", aws.ToString(res.Id))
			}
			if _, seen := ages[queueNames[i]]; !seen && len(res.Values) > 0 {
				// Newest first (ScanBy descending): the first value is the latest.
				ages[queueNames[i]] = time.Duration(res.Values[0] * float64(time.Second))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get oldest message ages: %w", err)
	}
	return ages, nil
}
