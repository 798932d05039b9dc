package awsbackend_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"jobline/internal/api"
	"jobline/internal/awsbackend/awstest"
	"jobline/internal/deploy"
	"jobline/internal/queue"
)

// This file measures what a job costs on AWS, end to end, on the emulator:
// browsers create jobs through the API and poll them with the web client's
// default policy; an emulated SQS event source mapping hands batches of up
// to 10 messages to the engine (4 at a time, as processjob runs them); the
// reconciler sweeps once. Every DynamoDB request goes through the capacity
// meter (awstest.Meter: units by DynamoDB's rules and template.yaml's
// table), every AWS request through the request counter, and every
// function invocation is timed. The cost per million jobs is then priced
// with the list prices below (us-east-1, printed with the results).
//
// Two figures come out. The measured one (make bench) prices what the run
// did: Lambda time from the clock, reads and batches as they happened. The
// design-pace one prices the counted requests and capacity units with what
// a machine's load changes held at the design's values: each job read as
// often as the server's Retry-After plans (designReads), full batches of
// 10, and Lambda durations by a fixed model (modelCompute plus callLatency
// per AWS call). The budgets are checked on it and on counted quantities
// only, so a loaded machine cannot change their verdict.

// memoryGB is function's memory (template.yaml): what its duration is
// billed at.
func memoryGB(function string) float64 {
	if function == "processjob" {
		return deploy.ProcessJobMemoryMB / 1024.0
	}
	return deploy.FunctionMemoryMB / 1024.0
}

// List prices, in dollars.
const (
	pricePerMillionAPIRequests   = 1.00         // API Gateway HTTP API
	pricePerMillionLambdaInvokes = 0.20         // Lambda requests
	pricePerGBSecond             = 0.0000133334 // Lambda arm64 duration
	pricePerMillionSQSRequests   = 0.40         // SQS standard
	pricePerMillionWRU           = 0.625        // DynamoDB on-demand writes
	pricePerMillionRRU           = 0.125        // DynamoDB on-demand reads
	pricePerMillionS3Puts        = 5.00         // S3 Standard PUT
	pricePerGBLogs               = 0.50         // CloudWatch Logs ingestion (standard class)
	pricePerGBLogsIA             = 0.25         // CloudWatch Logs ingestion (infrequent access class)
	pricePerMillionTransitions   = 25.0         // Step Functions Standard, for comparison
)

// costScenario is one job type created and polled by browsers.
type costScenario struct {
	name        string
	jobType     string
	params      string
	jobs        int           // created at once, by as many browsers
	designReads int           // the reads of a job that the server's Retry-After plans
	runTime     time.Duration // how long the handler runs, for the duration model
}

// costScenarios are what make bench prints: a job that returns at once (a
// Quick type, and the same handler registered without Quick, as most types
// are), a 10-second job reporting progress every second, a job writing a
// file.
var costScenarios = []costScenario{
	{"echo", "echo", `{"hello":"world"}`, 20, 1, 0},
	{"echo's handler claimed (a type without worker.Quick)", claimedEcho, `{"hello":"world"}`, 20, 1, 0},
	{"sleep 10 s with progress", "sleep", `{"seconds":10}`, 4, 3, 10 * time.Second},
	{"report (CSV asset in S3)", "report", `{"rows":100}`, 10, 1, 0},
}

// designBatch is the event source mapping's batch at the design's pace: 10
// records, which its 1-second batching window gathers at 10 jobs a second.
const designBatch = 10

// readRRU is what a read of a job costs: one eventually consistent
// GetItem of an item under 4 KB.
const readRRU = 0.5

// sweepsPerMonth is the reconciler's schedule: once a minute.
const sweepsPerMonth = 30 * 24 * 60

// arrivalInterval spaces the browsers' creates: 10 jobs a second.
const arrivalInterval = 100 * time.Millisecond

// costRun accumulates what one scenario used.
type costRun struct {
	mu          sync.Mutex
	jobs        int
	posts, gets int
	records     int            // SQS records processjob ran
	batches     int            // event source mapping batches: 1 processjob invocation, 1 receive, 1 delete batch
	laneLooks   int            // processjob's receives from the high-priority lane
	invocations map[string]int // per function
	gbSeconds   float64
	calls       map[string]map[string]int // function -> AWS service -> calls
	finals      map[string]int            // final status -> jobs
}

func newCostRun() *costRun {
	return &costRun{invocations: map[string]int{}, calls: map[string]map[string]int{}, finals: map[string]int{}}
}

// claimedEcho is echo's handler registered without worker.Quick.
const claimedEcho = "echo-claimed"

// Function durations are measured, less the emulator's time in AWS calls,
// plus a typical latency per call in AWS (the emulator is not AWS, and the
// meter adds reads of its own): what a function would be billed for.
var callLatency = map[string]time.Duration{
	"DynamoDB": 5 * time.Millisecond,
	"SQS":      10 * time.Millisecond,
	"S3":       20 * time.Millisecond,
}

// recordsAtOnce is how many records of a batch processjob runs at once
// (template.yaml's ProcessRecordConcurrency): an invocation lasts about
// the sum of its records' times divided by it.
const recordsAtOnce = 4

// modelCompute is the duration model's time of a request or record
// outside its AWS calls (and a job's own run time, costScenario.runTime):
// a Go handler's own work takes about a millisecond in Lambda.
const modelCompute = 2 * time.Millisecond

// callTime is the time of calls (per AWS service) in AWS, at callLatency
// each.
func callTime(calls map[string]int) time.Duration {
	var d time.Duration
	for service, n := range calls {
		d += time.Duration(n) * callLatency[service]
	}
	return d
}

// timed runs f and returns how long it would run in Lambda, and its AWS
// calls per service.
func timed(f func(ctx context.Context)) (time.Duration, map[string]int) {
	ct := &awstest.CallTimes{}
	start := time.Now()
	f(awstest.ContextWithCallTimes(context.Background(), ct))
	calls := ct.Calls()
	return time.Since(start) - ct.Spent() + callTime(calls), calls
}

// bill records one invocation of function lasting d, billed per started
// millisecond, and the AWS calls it made.
func (r *costRun) bill(function string, d time.Duration, calls map[string]int) {
	ms := math.Ceil(float64(d) / float64(time.Millisecond))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.invocations[function]++
	r.gbSeconds += ms / 1000 * memoryGB(function)
	if r.calls[function] == nil {
		r.calls[function] = map[string]int{}
	}
	for service, n := range calls {
		r.calls[function][service] += n
	}
}

// invoke runs f as one invocation of function.
func (r *costRun) invoke(function string, f func(ctx context.Context)) {
	d, calls := timed(f)
	r.bill(function, d, calls)
}

// costReport is a scenario's usage per job, and its price.
type costReport struct {
	name                      string
	jobs                      int
	finals                    map[string]int
	designReads               float64            // costScenario.designReads
	posts, gets               float64            // API requests
	invocations               map[string]float64 // by function
	records                   float64            // SQS records processjob ran
	gbSeconds                 float64            // Lambda, measured
	modelMs                   map[string]float64 // by the duration model: ms per request (createjob, getjob) or record (processjob)
	appSQS, batches           float64            // the application's SQS requests; the event source mapping's batches
	laneLooks                 float64            // processjob's receives from the high-priority lane
	s3Puts                    float64
	logBytes                  float64 // billed to CloudWatch Logs (logMeter): the functions' groups
	accessLogBytes            float64 // billed to CloudWatch Logs: the API's access log
	accessLogPrice            float64 // its $/GB, by its group's class
	accessLogClass            string
	ddbRequests, wru, rru     float64
	reconcileWRU, reconcileRU float64       // the jobs' share of a sweep
	sweep                     awstest.Usage // what every sweep costs, jobs or not
	shards                    [2]int        // the store's creation and sweep shards
	byOp                      map[string]awstest.Usage
}

func (c costReport) apiRequests() float64 { return c.posts + c.gets }

// sqsRequests adds to the application's requests the event source
// mapping's receive and delete batch per batch, and processjob's looks at
// the high-priority lane (sqsbatch's rule: a full batch looks once a
// second).
func (c costReport) sqsRequests() float64 { return c.appSQS + 2*c.batches + c.laneLooks }

func (c costReport) lambdaInvocations() float64 {
	return c.invocations["createjob"] + c.invocations["getjob"] + c.invocations["processjob"]
}

// modelGBSeconds is a job's Lambda time by the duration model: processjob
// runs recordsAtOnce records at once.
func (c costReport) modelGBSeconds() float64 {
	return (c.modelMs["createjob"]*c.posts*memoryGB("createjob") + c.modelMs["getjob"]*c.gets*memoryGB("getjob") +
		c.modelMs["processjob"]*c.records/recordsAtOnce*memoryGB("processjob")) / 1000
}

// atDesignPace is c with what a machine's load changes held at the
// design's values: reads reads of each job (an API request, a getjob
// invocation and a GetItem of readRRU each), full batches, and Lambda time
// by the duration model.
func (c costReport) atDesignPace(reads float64) costReport {
	d := c
	d.gets = reads
	d.rru = c.rru + (reads-c.gets)*readRRU
	d.ddbRequests = c.ddbRequests + reads - c.gets
	d.invocations = maps.Clone(c.invocations)
	d.invocations["getjob"] = reads
	if n := c.apiRequests(); n > 0 {
		d.accessLogBytes = c.accessLogBytes / n * d.apiRequests() // a line per request
	}
	d.batches = c.records / designBatch
	d.laneLooks = d.batches // full batches, a second apart
	d.invocations["processjob"] = d.batches
	d.gbSeconds = d.modelGBSeconds()
	return d
}

// dollars is the cost per million jobs, by service.
func (c costReport) dollars() map[string]float64 {
	return map[string]float64{
		"API Gateway": c.apiRequests() * pricePerMillionAPIRequests,
		"Lambda":      c.lambdaInvocations()*pricePerMillionLambdaInvokes + c.gbSeconds*pricePerGBSecond*1e6,
		"SQS":         c.sqsRequests() * pricePerMillionSQSRequests,
		"DynamoDB":    (c.wru+c.reconcileWRU)*pricePerMillionWRU + (c.rru+c.reconcileRU)*pricePerMillionRRU,
		"S3":          c.s3Puts * pricePerMillionS3Puts,
		"Logs":        c.logBytes*1e6/1e9*pricePerGBLogs + c.accessLogBytes*1e6/1e9*c.accessLogPrice,
	}
}

func (c costReport) total() float64 {
	t := 0.0
	for _, v := range c.dollars() {
		t += v
	}
	return t
}

// runCostScenario creates sc.jobs jobs at once, each followed by its own
// browser, with an event source mapping running them, then one reconciler
// sweep, and reports the usage per job.
func runCostScenario(t testing.TB, sc costScenario) costReport {
	t.Helper()
	sys := newCostSystem(t)
	run := newCostRun()
	run.jobs = sc.jobs
	sys.counter.Reset()
	sys.meter.Reset()
	sys.logs.take()
	sys.accessLogs.take()

	ctx, stop := context.WithCancel(context.Background())
	esmDone := make(chan struct{})
	go func() {
		defer close(esmDone)
		sys.eventSourceMapping(ctx, t, run)
	}()
	var browsers sync.WaitGroup
	for i := range sc.jobs {
		browsers.Go(func() { sys.browse(t, run, sc, fmt.Sprintf("bench-%d", i)) })
		time.Sleep(arrivalInterval)
	}
	browsers.Wait()
	stop()
	<-esmDone
	if err := sys.meter.Err(); err != nil {
		t.Fatalf("meter: %v", err)
	}
	logBytes, accessLogBytes := sys.logs.take(), sys.accessLogs.take()
	work := sys.meter.Total()
	byOp := sys.meter.ByOperation()
	c := sys.counter
	sqsApp := c.Total("SQS") // the application's own requests: the ESM has its own client

	// Two sweeps: the first sees the jobs, the second only what every
	// sweep costs; the difference is the jobs' share.
	var sweeps [2]awstest.Usage
	for i := range sweeps {
		sys.meter.Reset()
		if err := sys.reconcile(); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
		sweeps[i] = sys.meter.Total()
	}

	n := float64(sc.jobs)
	invocations := map[string]float64{}
	for f, k := range run.invocations {
		invocations[f] = float64(k) / n
	}
	modelMs := map[string]float64{}
	for f, units := range map[string]int{"createjob": run.posts, "getjob": run.gets, "processjob": run.records} {
		if units > 0 {
			modelMs[f] = float64(modelCompute+callTime(run.calls[f])/time.Duration(units)) / float64(time.Millisecond)
		}
	}
	modelMs["processjob"] += float64(sc.runTime) / float64(time.Millisecond)
	return costReport{
		name: sc.name, jobs: sc.jobs, finals: run.finals, designReads: float64(sc.designReads),
		posts: float64(run.posts) / n, gets: float64(run.gets) / n,
		invocations: invocations, records: float64(run.records) / n,
		gbSeconds: run.gbSeconds / n, modelMs: modelMs,
		appSQS: float64(sqsApp) / n, batches: float64(run.batches) / n, laneLooks: float64(run.laneLooks) / n,
		s3Puts: float64(c.Get("S3.PutObject")) / n, logBytes: float64(logBytes) / n,
		accessLogBytes: float64(accessLogBytes) / n, accessLogPrice: sys.accessLog.pricePerGB(), accessLogClass: sys.accessLog.class,
		ddbRequests: float64(work.Requests) / n, wru: work.WRU / n, rru: work.RRU / n,
		reconcileWRU: (sweeps[0].WRU - sweeps[1].WRU) / n, reconcileRU: (sweeps[0].RRU - sweeps[1].RRU) / n,
		sweep: sweeps[1], shards: sys.shards,
		byOp: byOp,
	}
}

// browse is one browser: it creates a job and polls it with the client's
// default policy until it is final.
func (s *costSystem) browse(t testing.TB, run *costRun, sc costScenario, user string) {
	var rec *httptest.ResponseRecorder
	run.invoke("createjob", func(ctx context.Context) {
		rec = s.serve(ctx, http.MethodPost, "/jobs", `{"jobType":"`+sc.jobType+`","parameters":`+sc.params+`}`, user, "")
	})
	if rec.Code != http.StatusCreated {
		t.Errorf("POST /jobs: %d %s", rec.Code, rec.Body)
		return
	}
	var job struct{ ID, Status string }
	_ = json.Unmarshal(rec.Body.Bytes(), &job)
	run.mu.Lock()
	run.posts++
	run.mu.Unlock()
	wait := clientPolicy.afterCreate(retryAfter(rec))
	etag := rec.Header().Get("ETag")
	for i := 0; ; i++ {
		time.Sleep(wait)
		run.invoke("getjob", func(ctx context.Context) {
			rec = s.serve(ctx, http.MethodGet, "/jobs/"+job.ID, "", user, etag)
		})
		run.mu.Lock()
		run.gets++
		run.mu.Unlock()
		switch rec.Code {
		case http.StatusOK:
			etag = rec.Header().Get("ETag")
			_ = json.Unmarshal(rec.Body.Bytes(), &job)
		case http.StatusNotModified:
		default:
			t.Errorf("GET /jobs/%s: %d %s", job.ID, rec.Code, rec.Body)
			return
		}
		if final(job.Status) {
			run.mu.Lock()
			run.finals[job.Status]++
			run.mu.Unlock()
			return
		}
		if i > 200 {
			t.Errorf("job %s still %s after %d polls", job.ID, job.Status, i)
			return
		}
		ra, ok := retryAfter(rec)
		wait = clientPolicy.next(i, ra, ok)
	}
}

// pollPolicy is a browser's wait before each read of a job it follows.
type pollPolicy interface {
	// afterCreate is the wait before the first read, given the create's
	// Retry-After (ok false when it had none).
	afterCreate(retryAfter time.Duration, ok bool) time.Duration
	// next is the wait after read i (0-based), given its Retry-After.
	next(i int, retryAfter time.Duration, ok bool) time.Duration
	String() string
}

// serverGuided is the web client's default policy: wait what Retry-After
// says (clamped to 1..30 s), 2 s when it says nothing.
type serverGuided struct{}

func (serverGuided) afterCreate(ra time.Duration, ok bool) time.Duration { return guidedWait(ra, ok) }
func (serverGuided) next(_ int, ra time.Duration, ok bool) time.Duration { return guidedWait(ra, ok) }
func (serverGuided) String() string {
	return "the web client's default poll: wait Retry-After (clamped to 1..30 s), else 2 s"
}

func guidedWait(ra time.Duration, ok bool) time.Duration {
	if !ok {
		return 2 * time.Second
	}
	return min(max(ra, time.Second), 30*time.Second)
}

func final(status string) bool {
	switch status {
	case "completed", "partial", "failed", "canceled":
		return true
	}
	return false
}

// serve makes one API request as user, If-None-Match etag when set.
func (s *costSystem) serve(ctx context.Context, method, path, body, user, etag string) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(ctx, method, path, strings.NewReader(body))
	req.Header.Set(api.UserHeader, user)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	rec := httptest.NewRecorder()
	s.api.ServeHTTP(rec, req)
	route := method + " /jobs"
	if method == http.MethodGet {
		route = method + " /jobs/{id}"
	}
	fmt.Fprintln(s.accessLogs, accessLogLine(s.accessLog.format, route, rec.Code, rec.Body.Len()))
	return rec
}

// retryAfter reads a response's Retry-After in seconds; ok is false when
// it has none.
func retryAfter(rec *httptest.ResponseRecorder) (time.Duration, bool) {
	v := rec.Header().Get("Retry-After")
	secs, err := strconv.Atoi(v)
	if v == "" || err != nil {
		return 0, false
	}
	return time.Duration(secs) * time.Second, true
}

// eventSourceMapping is Lambda's SQS event source mapping: it receives
// batches of up to 10 messages with its own client (Lambda's requests,
// counted per batch in the report) and runs each batch as one processjob
// invocation, up to 10 at once (ProcessMaxConcurrency), deleting the
// acknowledged messages.
func (s *costSystem) eventSourceMapping(ctx context.Context, t testing.TB, run *costRun) {
	var invocations sync.WaitGroup
	defer invocations.Wait()
	slots := make(chan struct{}, 10)
	for ctx.Err() == nil {
		msgs := s.gatherBatch(ctx)
		if len(msgs) == 0 {
			continue
		}
		run.mu.Lock()
		run.batches++
		run.mu.Unlock()
		slots <- struct{}{}
		invocations.Go(func() {
			defer func() { <-slots }()
			s.processBatch(t, run, msgs)
		})
	}
}

// batchingWindow is the event source mapping's MaximumBatchingWindow of
// the default queue (template.yaml): a batch is handed over when it holds
// 10 messages or the window since its first message has passed.
const batchingWindow = time.Second

// gatherBatch receives one batch.
func (s *costSystem) gatherBatch(ctx context.Context) []queue.Message {
	msgs, err := s.esm.Receive(ctx, queue.ReceiveRequest{Max: queue.MaxBatch, Wait: time.Second})
	if err != nil || len(msgs) == 0 {
		return nil
	}
	deadline := time.Now().Add(batchingWindow)
	for len(msgs) < queue.MaxBatch && time.Until(deadline) > 0 {
		more, err := s.esm.Receive(ctx, queue.ReceiveRequest{Max: queue.MaxBatch - len(msgs), Wait: time.Until(deadline)})
		if err != nil {
			break
		}
		msgs = append(msgs, more...)
	}
	return msgs
}

// processBatch is one processjob invocation: a look at the high-priority
// lane if processjob's sqsbatch.LaneGate says so (one SQS receive, counted
// by sqsRequests and billed here at callLatency; these scenarios have no
// high-priority job, so it finds nothing), then recordsAtOnce records at a
// time; the acknowledged messages are deleted.
func (s *costSystem) processBatch(t testing.TB, run *costRun, msgs []queue.Message) {
	var (
		mu    sync.Mutex
		acked []string
		spent time.Duration
		calls = map[string]int{}
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, recordsAtOnce)
	for _, m := range msgs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var ack bool
			d, c := timed(func(ctx context.Context) { ack = s.process(ctx, m) })
			mu.Lock()
			defer mu.Unlock()
			spent += d
			for service, n := range c {
				calls[service] += n
			}
			if ack {
				acked = append(acked, m.ReceiptHandle)
			}
		})
	}
	wg.Wait()
	s.metrics.Flush() // as processjob does when its invocation ends
	run.mu.Lock()
	run.records += len(msgs)
	run.mu.Unlock()
	var lane time.Duration
	if s.lane.Looks(len(msgs), false) {
		s.lane.Found(false)
		calls["SQS"]++
		lane = callLatency["SQS"]
		run.laneLooks++
	}
	run.bill("processjob", lane+spent/recordsAtOnce, calls)
	for _, h := range acked {
		if err := s.esm.Delete(context.Background(), h); err != nil {
			t.Errorf("delete: %v", err)
		}
	}
}

// printCostReport writes the scenarios' figures and the prices used.
func printCostReport(w io.Writer, reports []costReport) {
	fmt.Fprintf(w, "\nCost per job on AWS, measured on the emulator (%s)\n", costHarnessName)
	fmt.Fprintf(w, "Prices: API Gateway HTTP $%.2f/M requests; Lambda arm64 $%.2f/M requests + $%.10f/GB-s at %d MB (processjob %d MB);\n",
		pricePerMillionAPIRequests, pricePerMillionLambdaInvokes, pricePerGBSecond, deploy.FunctionMemoryMB, deploy.ProcessJobMemoryMB)
	fmt.Fprintf(w, "  SQS $%.2f/M requests; DynamoDB on-demand $%.3f/M WRU, $%.3f/M RRU; S3 PUT $%.2f/M;\n",
		pricePerMillionSQSRequests, pricePerMillionWRU, pricePerMillionRRU, pricePerMillionS3Puts)
	fmt.Fprintf(w, "  CloudWatch Logs $%.2f/GB ingested, $%.2f/GB in the infrequent access class (each event's bytes + %d B;\n    the functions' log lines at INFO and EMF metric lines, and the API's access log line of each request).\n",
		pricePerGBLogs, pricePerGBLogsIA, cloudWatchEventOverhead)
	fmt.Fprintf(w, "  For comparison, Step Functions Standard: $%.2f/M state transitions (a 4-state workflow: $%.0f/M jobs before any compute).\n",
		pricePerMillionTransitions, 4*pricePerMillionTransitions)
	fmt.Fprintf(w, "Browser: %s. Jobs arrive every %v.\n", clientPolicy, arrivalInterval)
	fmt.Fprintf(w, "Event source mapping: batches of up to 10 or %v (1 receive + 1 delete batch + 1 processjob invocation each;\n  a full batch also receives from the high-priority lane, at most once a second).\n", batchingWindow)
	fmt.Fprintf(w, "Lambda durations: measured, less the emulator's time in AWS calls, plus %v per DynamoDB, %v per SQS, %v per S3 call;\n  processjob runs %d records at once.\n",
		callLatency["DynamoDB"], callLatency["SQS"], callLatency["S3"], recordsAtOnce)
	fmt.Fprintf(w, "At the design's pace: the reads the server's Retry-After plans, batches of %d, Lambda durations by the model\n  (%v a request or record plus the call latencies above); the budgets are checked on these.\n",
		designBatch, modelCompute)
	for _, r := range reports {
		d := r.dollars()
		fmt.Fprintf(w, "\n%s (%d jobs, final %v):\n", r.name, r.jobs, r.finals)
		fmt.Fprintf(w, "  per job: %.2f API requests (%.2f GET), %.2f Lambda invocations, %.4f GB-s, %.2f SQS requests, %.2f S3 PUTs,\n    %.0f B of function logs, %.0f B of access log (%s class)\n",
			r.apiRequests(), r.gets, r.lambdaInvocations(), r.gbSeconds, r.sqsRequests(), r.s3Puts, r.logBytes, r.accessLogBytes, r.accessLogClass)
		fmt.Fprintf(w, "  DynamoDB per job: %.2f requests, %.2f WRU, %.2f RRU; the reconciler's sweep %.2f WRU, %.3f RRU\n",
			r.ddbRequests, r.wru, r.rru, r.reconcileWRU, r.reconcileRU)
		fmt.Fprintf(w, "  every sweep, jobs or not (%d creation and %d sweep shards): %d DynamoDB requests, %.2f WRU, %.2f RRU ($%.3f a month at one a minute, not in the per-job cost)\n",
			r.shards[0], r.shards[1], r.sweep.Requests, r.sweep.WRU, r.sweep.RRU, sweepsPerMonth*(r.sweep.WRU*pricePerMillionWRU+r.sweep.RRU*pricePerMillionRRU)/1e6)
		for _, op := range sortedKeys(r.byOp) {
			u := r.byOp[op]
			fmt.Fprintf(w, "    %-20s %6.2f requests %6.2f WRU (indexes %v) %6.2f RRU\n", op, float64(u.Requests)/float64(r.jobs),
				u.WRU/float64(r.jobs), perJob(u.IndexWRU, r.jobs), u.RRU/float64(r.jobs))
		}
		fmt.Fprintf(w, "  $ per million jobs, measured: API Gateway %.2f + Lambda %.2f + SQS %.2f + DynamoDB %.2f + S3 %.2f + Logs %.2f = %.2f\n",
			d["API Gateway"], d["Lambda"], d["SQS"], d["DynamoDB"], d["S3"], d["Logs"], r.total())
		if reads := r.designReads; reads > 0 {
			p := r.atDesignPace(reads)
			d = p.dollars()
			fmt.Fprintf(w, "  $ per million jobs at the design's pace (%.0f reads): API Gateway %.2f + Lambda %.2f (%.4f GB-s) + SQS %.2f + DynamoDB %.2f + S3 %.2f + Logs %.2f = %.2f\n",
				reads, d["API Gateway"], d["Lambda"], p.gbSeconds, d["SQS"], d["DynamoDB"], d["S3"], d["Logs"], p.total())
		}
	}
}

func perJob(m map[string]float64, jobs int) string {
	parts := []string{}
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s=%.2f", k, m[k]/float64(jobs)))
	}
	return strings.Join(parts, " ")
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// BenchmarkCostPerJob prints the cost report of every scenario (make
// bench).
func BenchmarkCostPerJob(b *testing.B) {
	var reports []costReport
	for range b.N {
		reports = reports[:0]
		for _, sc := range costScenarios {
			reports = append(reports, runCostScenario(b, sc))
		}
	}
	printCostReport(os.Stdout, reports)
	printTransitions(os.Stdout, measureTransitions(b))
}

// TestCostBudgets holds the figures of make bench to their budgets, on
// what the run counted and priced at the design's pace, so that a loaded
// machine (make test runs every package at once against one emulator)
// cannot change the verdict. A 10-second sleep job that reports progress
// every second writes at most 8 WRU of DynamoDB in all. An echo job
// created, run and polled to completion by the web client's default policy
// writes 4 WRU (the item twice: create and the quick run's one write; the
// owner and creation indexes once), reads 1 RRU in processjob (the quick
// run's strongly consistent read) and, at the design's pace, is read once
// by the browser (its create says to come back in 2 s, when it is done:
// api's TestPollHint pins that on a fake clock) at readRRU, for at most $6
// per million before CloudWatch Logs. Echo's handler registered without
// Quick writes 5 WRU (the claim too) and reads nothing in processjob, for
// at most $6.35 (docs/aws.md, "The $6 asked for an echo job"). Echo writes
// at most 640 bytes of function logs (its two metric lines, about $0.29
// per million) and an access log line of at most 320 bytes a request, at
// the infrequent access price. How often a job is read depends on the
// machine's pace: a sleep job at most 4 times (3 at the design's).
func TestCostBudgets(t *testing.T) {
	t.Parallel()
	for _, sc := range costScenarios[:3] {
		t.Run(sc.jobType, func(t *testing.T) {
			t.Parallel()
			r := runCostScenario(t, sc)
			printCostReport(testWriter{t}, []costReport{r})
			if r.finals["completed"] != sc.jobs {
				t.Fatalf("final statuses %v, want %d completed", r.finals, sc.jobs)
			}
			switch sc.jobType {
			case "sleep":
				if w := r.wru + r.reconcileWRU; w > 8 {
					t.Errorf("a 10-second job with progress writes %.2f WRU, want at most 8", w)
				}
				if r.gets > 4 {
					t.Errorf("a 10-second job is read %.2f times, want about 3", r.gets)
				}
			case "echo", claimedEcho:
				wantWRU, quickRRU, budget := 4.0, 1.0, 6.00
				if sc.jobType == claimedEcho {
					wantWRU, quickRRU, budget = 5, 0, 6.35
				}
				designed := r.atDesignPace(1)
				if math.Abs(r.rru-readRRU*r.gets-quickRRU) > 1e-9 {
					t.Errorf("%.2f reads cost %.2f RRU with processjob's, want %.1f each and %.0f", r.gets, r.rru, readRRU, quickRRU)
				}
				beforeLogs := designed.total() - designed.dollars()["Logs"]
				if r.wru != wantWRU || r.posts != 1 || r.appSQS != 1 || r.records != 1 || beforeLogs > budget {
					t.Errorf("%s: %.2f WRU, %.2f creates, %.2f SQS requests and %.2f records a job, $%.2f per million at the design's pace before logs; want %.0f WRU, 1, 1 and 1, at most $%.2f",
						sc.jobType, r.wru, r.posts, r.appSQS, r.records, beforeLogs, wantWRU, budget)
				}
				if sc.jobType == claimedEcho {
					return
				}
				// Two EMF lines (JobsCreated; the run's metrics), no log line
				// at INFO: about 580 bytes billed.
				if r.logBytes > 640 {
					t.Errorf("echo: %.0f bytes of CloudWatch Logs a job, want at most 640 (its two metric lines)", r.logBytes)
				}
				if perRequest := r.accessLogBytes / r.apiRequests(); perRequest > 320 || r.accessLogPrice != pricePerGBLogsIA {
					t.Errorf("echo: %.0f bytes of access log a request at $%.2f/GB, want at most 320 at $%.2f (ApiAccessLogGroup's class)",
						perRequest, r.accessLogPrice, pricePerGBLogsIA)
				}
			}
		})
	}
}
