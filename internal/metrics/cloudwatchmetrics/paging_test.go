package cloudwatchmetrics_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"jobline/internal/awsapi"
	"jobline/internal/metrics"
	"jobline/internal/metrics/cloudwatchmetrics"
)

// pagingServer is a fake CloudWatch (JSON 1.0) whose answer to a
// GetMetricData with NextToken tokens[i-1] (none for i = 0) carries
// tokens[i] and a datapoint of the request's first query at t0 + i
// minutes. It records the NextToken of each request.
type pagingServer struct {
	tokens []string
	mu     sync.Mutex
	seen   []string
}

func (s *pagingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		NextToken         string
		MetricDataQueries []struct{ Id string }
	}
	if r.Header.Get("X-Amz-Target") != "GraniteServiceVersion20100801.GetMetricData" || json.NewDecoder(r.Body).Decode(&in) != nil {
		http.Error(w, `{"__type":"ValidationError"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.seen = append(s.seen, in.NextToken)
	page := len(s.seen) - 1
	s.mu.Unlock()
	out := map[string]any{"MetricDataResults": []map[string]any{{
		"Id": in.MetricDataQueries[0].Id, "StatusCode": "Complete",
		"Timestamps": []int64{t0.Add(time.Duration(page) * time.Minute).Unix()}, "Values": []float64{float64(page + 1)},
	}}}
	if page < len(s.tokens) {
		out["NextToken"] = s.tokens[page]
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(out)
}

// pagingReader is a Reader of one job type on a cwapi client of srv.
func pagingReader(t *testing.T, srv *pagingServer) *cloudwatchmetrics.Reader {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), BaseEndpoint: aws.String(hs.URL)}
	client, err := cloudwatchmetrics.NewClient(context.Background(), cfg, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := cloudwatchmetrics.New(client, cloudwatchmetrics.Config{Namespace: "Jobline/test", JobTypes: []string{"echo"}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestQueryFollowsNextTokens(t *testing.T) {
	t.Parallel()
	srv := &pagingServer{tokens: []string{"t1", "t2"}}
	rep, err := pagingReader(t, srv).Query(context.Background(), metrics.Query{Start: t0, End: t0.Add(4 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(srv.seen, ","); got != ",t1,t2" {
		t.Errorf("requests' NextTokens %q, want none, t1, t2", got)
	}
	// Every page answers for the first query (q0): one datapoint each.
	if got := render(rep.Series[0].Values); got != "1 2 3 -" && got != "1 2 3 0" {
		t.Errorf("%s %s %s = %s, want a datapoint from each page", rep.Series[0].JobType, rep.Series[0].Metric, rep.Series[0].Stat, got)
	}
}

func TestRepeatedNextTokenIsAnError(t *testing.T) {
	t.Parallel()
	srv := &pagingServer{tokens: []string{"again", "again", "again", "again"}}
	r := pagingReader(t, srv)
	_, err := r.Query(context.Background(), metrics.Query{Start: t0, End: t0.Add(4 * time.Minute)})
	if err == nil || !strings.Contains(err.Error(), `"again" repeated`) {
		t.Errorf("err = %v, want a repeated-token error", err)
	}
	if got := strings.Join(srv.seen, ","); got != ",again" {
		t.Errorf("requests' NextTokens %q, want none then again once", got)
	}
	_, err = r.OldestMessageAges(context.Background(), []string{"jobs"}, t0)
	if err == nil || !strings.Contains(err.Error(), "repeated") {
		t.Errorf("OldestMessageAges err = %v, want a repeated-token error", err)
	}
	if n := len(srv.seen); n != 4 {
		t.Errorf("%d requests in all, want 4", n)
	}
}
