package cloudwatchmetrics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"jobline/internal/awsapi"
	"jobline/internal/awsapi/cwapi"
	"jobline/internal/awsbackend"
	"jobline/internal/awsbackend/awstest"
	"jobline/internal/metrics"
	"jobline/internal/metrics/cloudwatchmetrics"
)

// The reader's requests on the wire, against the emulator: datapoints put
// under the job metrics' namespace and dimension come back in their steps.
func TestReaderOnTheEmulator(t *testing.T) {
	t.Parallel()
	be, err := awsbackend.New(context.Background(), awstest.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	client, err := cloudwatchmetrics.NewClient(context.Background(), be.AWSConfig(), awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Unique job types too: moto matches a query with dimensions on its
	// dimensions and name alone, whatever the namespace, so the datapoints
	// of an earlier run on the same emulator would count.
	run := time.Now().UnixNano()
	namespace, report, echo := fmt.Sprintf("Jobline/test-%d", run), fmt.Sprintf("report-%d", run), fmt.Sprintf("echo-%d", run)
	now := time.Now().UTC()
	q := metrics.LastWindow(now, 5*time.Minute)
	at := q.End.Add(-90 * time.Second) // in the window's next-to-last step
	for _, d := range []struct {
		name  metrics.Name
		value float64
	}{{metrics.Completed, 1}, {metrics.Completed, 1}, {metrics.RunTime, 100}, {metrics.RunTime, 300}} {
		if _, err := client.PutMetricData(context.Background(), &cwapi.PutMetricDataInput{
			Namespace: aws.String(namespace),
			MetricData: []cwapi.MetricDatum{{MetricName: aws.String(string(d.name)), Timestamp: aws.Time(at), Value: aws.Float64(d.value),
				Dimensions: []cwapi.Dimension{{Name: aws.String(metrics.DimensionJobType), Value: aws.String(report)}}}},
		}); err != nil {
			t.Fatalf("put metric data: %v", err)
		}
	}
	r, err := cloudwatchmetrics.New(client, cloudwatchmetrics.Config{Namespace: namespace, JobTypes: []string{report, echo}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	got := map[string]string{}
	for _, s := range rep.Series {
		got[s.JobType+" "+string(s.Metric)+" "+string(s.Stat)] = render(s.Values)
	}
	for key, want := range map[string]string{
		report + " JobsCompleted Sum": "0 0 0 2 0",
		report + " RunTime Average":   "- - - 200 -",
		report + " RunTime Maximum":   "- - - 300 -",
		echo + " JobsCompleted Sum":   "0 0 0 0 0",
	} {
		if got[key] != want {
			t.Errorf("%s = %s, want %s", key, got[key], want)
		}
	}
	ages, err := r.OldestMessageAges(context.Background(), []string{"no-such-queue"}, now)
	if err != nil || len(ages) != 0 {
		t.Errorf("ages of an idle queue = %v, %v", ages, err)
	}
}
