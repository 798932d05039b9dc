package cloudwatchmetrics_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi/cwapi"
	"jobline/internal/metrics"
	"jobline/internal/metrics/cloudwatchmetrics"
)

var t0 = time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)

// fakeClient records each request and answers with respond (paged: the
// first page of each request carries a NextToken when pageTwo is set).
type fakeClient struct {
	mu       sync.Mutex
	requests []*cwapi.GetMetricDataInput
	respond  func(in *cwapi.GetMetricDataInput) []cwapi.MetricDataResult
	pageTwo  func(in *cwapi.GetMetricDataInput) []cwapi.MetricDataResult
	err      error
}

func (f *fakeClient) GetMetricData(_ context.Context, in *cwapi.GetMetricDataInput) (*cwapi.GetMetricDataOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, in)
	if f.err != nil {
		return nil, f.err
	}
	if in.NextToken != nil {
		return &cwapi.GetMetricDataOutput{MetricDataResults: f.pageTwo(in)}, nil
	}
	out := &cwapi.GetMetricDataOutput{MetricDataResults: f.respond(in)}
	if f.pageTwo != nil {
		out.NextToken = aws.String("page-2")
	}
	return out, nil
}

// idOf finds the Id of the query of a job type's metric and statistic.
func idOf(t *testing.T, in *cwapi.GetMetricDataInput, jobType string, name metrics.Name, stat metrics.Stat) string {
	t.Helper()
	for _, q := range in.MetricDataQueries {
		ms := q.MetricStat
		if aws.ToString(ms.Metric.MetricName) == string(name) && aws.ToString(ms.Stat) == string(stat) &&
			aws.ToString(ms.Metric.Dimensions[0].Value) == jobType {
			return aws.ToString(q.Id)
		}
	}
	t.Fatalf("no query of %s %s %s", jobType, name, stat)
	return ""
}

// twoPageClient answers with a datapoint of report's JobsCompleted Sum on
// a first page and one of echo's RunTime Average on a second.
func twoPageClient(t *testing.T) *fakeClient {
	return &fakeClient{
		respond: func(in *cwapi.GetMetricDataInput) []cwapi.MetricDataResult {
			return []cwapi.MetricDataResult{
				{Id: aws.String(idOf(t, in, "report", metrics.Completed, metrics.StatSum)),
					Timestamps: []time.Time{t0, t0.Add(2 * time.Minute), t0.Add(-time.Minute)}, Values: []float64{3, 5, 99}},
			}
		},
		pageTwo: func(in *cwapi.GetMetricDataInput) []cwapi.MetricDataResult {
			return []cwapi.MetricDataResult{
				{Id: aws.String(idOf(t, in, "echo", metrics.RunTime, metrics.StatAverage)),
					Timestamps: []time.Time{t0.Add(time.Minute)}, Values: []float64{12.5}},
			}
		},
	}
}

func TestQueryBuildsOneMetricQueryPerSeriesAndPlacesDatapoints(t *testing.T) {
	t.Parallel()
	client := twoPageClient(t)
	r, err := cloudwatchmetrics.New(client, cloudwatchmetrics.Config{Namespace: "Jobline/prod", JobTypes: []string{"echo", "report"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Query(context.Background(), metrics.Query{Start: t0, End: t0.Add(3 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(client.requests) != 2 || aws.ToString(client.requests[1].NextToken) != "page-2" {
		t.Fatalf("%d requests, want one request of two pages", len(client.requests))
	}
	in := client.requests[0]
	perType := len(metrics.Names()) + 2
	if len(in.MetricDataQueries) != 2*perType || !in.StartTime.Equal(t0) || !in.EndTime.Equal(t0.Add(3*time.Minute)) || in.ScanBy != cwapi.ScanByTimestampAscending {
		t.Fatalf("request = %d queries, %v..%v, %s", len(in.MetricDataQueries), in.StartTime, in.EndTime, in.ScanBy)
	}
	ids := map[string]bool{}
	for _, q := range in.MetricDataQueries {
		ms := q.MetricStat
		if ids[aws.ToString(q.Id)] || !aws.ToBool(q.ReturnData) || aws.ToString(ms.Metric.Namespace) != "Jobline/prod" ||
			aws.ToInt32(ms.Period) != 60 || len(ms.Metric.Dimensions) != 1 || aws.ToString(ms.Metric.Dimensions[0].Name) != "JobType" {
			t.Fatalf("query %s: %+v", aws.ToString(q.Id), ms)
		}
		ids[aws.ToString(q.Id)] = true
	}

	if rep.Steps != 3 || len(rep.Series) != 2*perType {
		t.Fatalf("report has %d steps and %d series", rep.Steps, len(rep.Series))
	}
	for _, s := range rep.Series {
		var want string
		switch {
		case s.JobType == "report" && s.Metric == metrics.Completed:
			want = "3 0 5"
		case s.JobType == "echo" && s.Metric == metrics.RunTime && s.Stat == metrics.StatAverage:
			want = "- 12.5 -"
		case s.Stat == metrics.StatSum:
			want = "0 0 0"
		default:
			want = "- - -"
		}
		if got := render(s.Values); got != want {
			t.Errorf("%s %s %s = %s, want %s", s.JobType, s.Metric, s.Stat, got, want)
		}
	}
}

func render(values []*float64) string {
	var parts []string
	for _, v := range values {
		if v == nil {
			parts = append(parts, "-")
		} else {
			parts = append(parts, fmt.Sprint(*v))
		}
	}
	return strings.Join(parts, " ")
}

func TestQuerySplitsRequestsAtTheQueryLimit(t *testing.T) {
	t.Parallel()
	types46 := make([]string, 46) // 46 types x 11 series = 506 queries
	for i := range types46 {
		types46[i] = fmt.Sprintf("type%02d", i)
	}
	client := &fakeClient{respond: func(*cwapi.GetMetricDataInput) []cwapi.MetricDataResult { return nil }}
	r, err := cloudwatchmetrics.New(client, cloudwatchmetrics.Config{JobTypes: types46})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Query(context.Background(), metrics.LastWindow(t0, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(client.requests) != 2 || len(client.requests[0].MetricDataQueries) != cloudwatchmetrics.MaxQueriesPerRequest ||
		len(client.requests[1].MetricDataQueries) != 6 {
		t.Fatalf("requests: %d", len(client.requests))
	}
	if ns := aws.ToString(client.requests[0].MetricDataQueries[0].MetricStat.Metric.Namespace); ns != metrics.DefaultNamespace {
		t.Errorf("namespace %q, want the default", ns)
	}
	if len(rep.Series) != 506 || rep.Steps != 60 {
		t.Errorf("report: %d series, %d steps", len(rep.Series), rep.Steps)
	}
}

func TestQueryErrors(t *testing.T) {
	t.Parallel()
	if _, err := cloudwatchmetrics.New(&fakeClient{}, cloudwatchmetrics.Config{}); err == nil {
		t.Error("a reader without job types was made")
	}
	denied := errors.New("AccessDenied: cloudwatch:GetMetricData")
	r, _ := cloudwatchmetrics.New(&fakeClient{err: denied}, cloudwatchmetrics.Config{JobTypes: []string{"echo"}})
	if _, err := r.Query(context.Background(), metrics.LastWindow(t0, time.Hour)); !errors.Is(err, denied) {
		t.Errorf("err = %v, want the client's", err)
	}
	if _, err := r.Query(context.Background(), metrics.Query{Start: t0, End: t0}); err == nil {
		t.Error("an empty window was queried")
	}
	odd := &fakeClient{respond: func(*cwapi.GetMetricDataInput) []cwapi.MetricDataResult {
		return []cwapi.MetricDataResult{{Id: aws.String("nope")}}
	}}
	r, _ = cloudwatchmetrics.New(odd, cloudwatchmetrics.Config{JobTypes: []string{"echo"}})
	if _, err := r.Query(context.Background(), metrics.LastWindow(t0, time.Hour)); err == nil {
		t.Error("a result for an unknown query was accepted")
	}
}

func TestOldestMessageAgesTakesEachQueuesLatestDatapoint(t *testing.T) {
	t.Parallel()
	now := t0.Add(time.Hour)
	client := &fakeClient{respond: func(in *cwapi.GetMetricDataInput) []cwapi.MetricDataResult {
		var out []cwapi.MetricDataResult
		for _, q := range in.MetricDataQueries {
			switch aws.ToString(q.MetricStat.Metric.Dimensions[0].Value) {
			case "jobs":
				out = append(out, cwapi.MetricDataResult{Id: q.Id, Timestamps: []time.Time{now.Add(-time.Minute), now.Add(-2 * time.Minute)}, Values: []float64{42, 7}})
			case "dlq":
				out = append(out, cwapi.MetricDataResult{Id: q.Id}) // idle: no datapoint
			}
		}
		return out
	}}
	r, _ := cloudwatchmetrics.New(client, cloudwatchmetrics.Config{JobTypes: []string{"echo"}})
	ages, err := r.OldestMessageAges(context.Background(), []string{"jobs", "dlq"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ages) != 1 || ages["jobs"] != 42*time.Second {
		t.Errorf("ages = %v, want jobs 42s only", ages)
	}
	in := client.requests[0]
	q := in.MetricDataQueries[0].MetricStat
	if aws.ToString(q.Metric.Namespace) != "AWS/SQS" || aws.ToString(q.Metric.MetricName) != "ApproximateAgeOfOldestMessage" ||
		aws.ToString(q.Metric.Dimensions[0].Name) != "QueueName" || aws.ToString(q.Stat) != "Maximum" ||
		!in.EndTime.Equal(now) || !in.StartTime.Equal(now.Add(-cloudwatchmetrics.OldestAgeLookback)) || in.ScanBy != cwapi.ScanByTimestampDescending {
		t.Errorf("request = %+v %+v", in, q)
	}
	if ages, err := r.OldestMessageAges(context.Background(), nil, now); err != nil || len(ages) != 0 || len(client.requests) != 1 {
		t.Errorf("no queues: %v %v, %d requests", ages, err, len(client.requests))
	}
}
