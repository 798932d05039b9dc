package awsbackend_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

// Price assumptions (us-east-1, on-demand, as published in 2025; check
// https://aws.amazon.com/dynamodb/pricing/on-demand/ and
// https://aws.amazon.com/sqs/pricing/ before relying on them).
const (
	// dollarsPerMillionWRU: DynamoDB on-demand write request units. One
	// WRU writes up to 1 KB; a transactional write costs 2 WRU per KB.
	dollarsPerMillionWRU = 0.625
	// dollarsPerMillionRRU: DynamoDB on-demand read request units. One RRU
	// is a strongly consistent read of up to 4 KB, or two eventually
	// consistent ones.
	dollarsPerMillionRRU = 0.125
	// dollarsPerMillionSQS: SQS standard queue requests, after the free
	// tier. Each 64 KiB chunk of a payload is one request; Jobline's
	// messages are well under that.
	dollarsPerMillionSQS = 0.40
	// indexWRUPerWrite is the extra WRU a job write costs in the indexes:
	// GSI1 projects ALL, so every job write rewrites it (+1); GSI2 (sparse)
	// is written on create, claim, retry and finish (a key change is a
	// delete plus a put). On average about 2 more WRU per job write.
	indexWRUPerWrite = 2
)

// BenchmarkRequestsPerJob runs a job's whole life on the emulator (create
// through the API, process by the engine, one read) and reports the AWS
// requests per job and the estimated cost per million jobs.
func BenchmarkRequestsPerJob(b *testing.B) {
	s := newSystem(b, false)
	// Per job: create + process + delete + one read.
	b.ResetTimer()
	s.counter.Reset()
	var receives int64
	for i := 0; i < b.N; i++ {
		id := s.createJob(b)
		before := s.counter.Get("SQS.ReceiveMessage")
		m := s.receiveOne(b)
		receives += s.counter.Get("SQS.ReceiveMessage") - before
		s.process(b, m)
		if rec := s.do(b, http.MethodGet, "/jobs/"+id, ""); rec.Code != http.StatusOK {
			b.Fatalf("GET: %d", rec.Code)
		}
	}
	n := float64(b.N)
	c := s.counter
	writes := float64(dynamoWrites(c)) / n
	transact := float64(c.Get("DynamoDB.TransactWriteItems")) / n
	reads := float64(c.Get("DynamoDB.GetItem")+c.Get("DynamoDB.Query")) / n
	sqsReq := float64(c.Total("SQS")-receives) / n
	wru := writes*(1+indexWRUPerWrite) + transact // a transact write costs twice
	rru := reads * 0.5                            // eventually consistent
	cost := wru*dollarsPerMillionWRU + rru*dollarsPerMillionRRU + sqsReq*dollarsPerMillionSQS

	b.ReportMetric(writes, "ddb-writes/job")
	b.ReportMetric(reads, "ddb-reads/job")
	b.ReportMetric(sqsReq, "sqs-requests/job")
	b.ReportMetric(cost, "$/million-jobs")
	{
		var keys []string
		for _, k := range c.Keys() {
			keys = append(keys, fmt.Sprintf("%s=%.2f", k, float64(c.Get(k))/n))
		}
		fmt.Fprintf(os.Stderr, `
AWS requests per job (create via API + engine run + ack + one GET), over %d jobs:
  %s
  (SQS ReceiveMessage excluded: in Lambda the event source mapping polls)
Price assumptions (us-east-1 on-demand): DynamoDB $%.3f per million WRU, $%.3f per million RRU;
  SQS $%.2f per million requests (each 64 KiB chunk is a request);
  a job write costs 1 WRU (item < 1 KB) + %d WRU in the indexes; a transact write costs 2x;
  an eventually consistent read costs 0.5 RRU.
Estimated: %.1f WRU + %.1f RRU + %.1f SQS requests per job = $%.2f per million jobs.
`, b.N, strings.Join(keys, "\n  "), dollarsPerMillionWRU, dollarsPerMillionRRU, dollarsPerMillionSQS,
			indexWRUPerWrite, wru, rru, sqsReq, cost)
	}
}
