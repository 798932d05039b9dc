package devserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"jobline/internal/jobs"
)

// The dev server at a million stored jobs: its HTTP API (over loopback),
// worker pool and reconciler running on the memory store, seeded with
// benchJobs jobs (a tenth of them one owner's, the rest ten each of many
// owners; most completed, some queued), while two dashboards list the big
// owner's newest jobs (GET /jobs?limit=20, the dashboard's refresh) every
// 10 ms, a hundred times as often as the dashboard does, and two clients
// each create a job and get it every 2 ms (the workers run those jobs).
// Each caller starts its next call on schedule, or at once when a call
// took longer than its interval, so that a slow store is seen slowing
// every call that waits for it. It prints the latency percentiles of each
// call (targets: create and get p99 < 5 ms, list p99 < 10 ms) and the
// memory each stored job costs (live heap after a collection, and resident
// set size, before and after seeding, divided by the jobs seeded).
//
// Run with `make bench`, or alone:
//
//	go test -run '^$' -bench DevServerAtMillionJobs ./internal/devserver/

const (
	benchJobs         = 1_000_000
	benchBigOwner     = "owner-big"
	benchBigOwnerJobs = benchJobs / 10
	benchJobsPerOwner = 10
	benchOwners       = (benchJobs - benchBigOwnerJobs) / benchJobsPerOwner
	benchListers      = 2
	benchListEvery    = 10 * time.Millisecond
	benchCreators     = 2
	benchCreateEvery  = 2 * time.Millisecond
	// benchLoadFor is how long the measured load runs.
	benchLoadFor = 10 * time.Second
)

func BenchmarkDevServerAtMillionJobs(b *testing.B) {
	h := newBenchServer(b)
	var res benchResult
	for b.Loop() { // one pass: it runs longer than the benchmark time
		res = h.load(b, benchLoadFor)
	}
	res.report(b)
	h.mem.report(b)
}

// benchServer is a running dev server with its seeded store.
type benchServer struct {
	base   string
	client *http.Client
	mem    benchMemory
}

// newBenchServer starts a dev server on loopback and seeds its store.
func newBenchServer(b *testing.B) *benchServer {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Addr: "127.0.0.1:0", FilesDir: b.TempDir(), WebDir: b.TempDir()}
	srv, err := New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	before := measureMemory()
	seedStore(b, srv.Store())
	after := measureMemory()
	addr, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- srv.Run(ctx, func(a string) { addr <- a }) }()
	b.Cleanup(func() { cancel(); <-done })
	h := &benchServer{
		client: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: 2 * (benchListers + benchCreators)},
			Timeout:   time.Minute, // a store that stalls longer fails the benchmark
		},
		mem: benchMemory{
			heapPerJob: float64(after.heap-before.heap) / benchJobs,
			rssPerJob:  float64(after.rss-before.rss) / benchJobs,
		},
	}
	select {
	case a := <-addr:
		h.base = "http://" + a
	case err := <-done:
		b.Fatalf("dev server stopped: %v", err)
	}
	return h
}

// seedStore stores benchJobs jobs, oldest first, one second apart and
// ending before now: one in ten benchBigOwner's; one in twenty queued
// (with no message: the reconciler leaves them alone, SweepAt is zero),
// the others claimed and completed with a result.
func seedStore(b *testing.B, store jobs.Store) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	start := now.Add(-benchJobs * time.Second)
	params := json.RawMessage(`{"text":"a seeded job"}`)
	for i := range benchJobs {
		owner := benchBigOwner
		if i%(benchJobs/benchBigOwnerJobs) != 0 {
			owner = fmt.Sprintf("owner-%06d", i%benchOwners)
		}
		at := start.Add(time.Duration(i) * time.Second)
		id := fmt.Sprintf("seed-%07d", i)
		if _, _, err := store.Create(ctx, jobs.Job{ID: id, Owner: owner, JobType: "echo", Parameters: params, MaxAttempts: 3, CreatedAt: at}); err != nil {
			b.Fatal(err)
		}
		if i%20 == 0 {
			continue
		}
		lease := "lease-" + id
		if _, err := store.Claim(ctx, id, jobs.Claim{LeaseToken: lease, Now: at, LeaseExpiresAt: at.Add(time.Minute)}); err != nil {
			b.Fatal(err)
		}
		if _, err := store.Finish(ctx, id, lease, jobs.Outcome{Status: jobs.StatusCompleted, Result: params, Now: at.Add(time.Second)}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchResult is what one load pass measured.
type benchResult struct {
	creates, gets, lists []time.Duration
	elapsed              time.Duration
}

// load runs the listers and the creators for d and returns their
// latencies.
func (h *benchServer) load(b *testing.B, d time.Duration) benchResult {
	b.Helper()
	stop := time.Now().Add(d)
	var (
		mu  sync.Mutex
		res benchResult
		wg  sync.WaitGroup
	)
	for range benchListers {
		wg.Go(func() {
			lists := h.listUntil(b, stop)
			mu.Lock()
			defer mu.Unlock()
			res.lists = append(res.lists, lists...)
		})
	}
	for c := range benchCreators {
		wg.Go(func() {
			creates, gets := h.createUntil(b, c, stop)
			mu.Lock()
			defer mu.Unlock()
			res.creates, res.gets = append(res.creates, creates...), append(res.gets, gets...)
		})
	}
	// A collection runs in the middle, as one does every so often in a
	// dev server holding a million jobs (the seeding's last ones were
	// forced, so none would come due in so short a run).
	wg.Go(func() { time.Sleep(d / 2); runtime.GC() })
	wg.Wait()
	res.elapsed = d
	return res
}

// listUntil lists the big owner's newest jobs every benchListEvery until
// stop.
func (h *benchServer) listUntil(b *testing.B, stop time.Time) []time.Duration {
	var took []time.Duration
	for next := time.Now(); time.Now().Before(stop); next = next.Add(benchListEvery) {
		time.Sleep(time.Until(next))
		var page struct {
			Jobs []json.RawMessage `json:"jobs"`
		}
		t, err := h.call(http.MethodGet, "/jobs?limit=20", benchBigOwner, "", http.StatusOK, &page)
		if err == nil && len(page.Jobs) != 20 {
			err = fmt.Errorf("a list returned %d jobs, want 20", len(page.Jobs))
		}
		if err != nil {
			b.Error(err)
			return took
		}
		took = append(took, t)
	}
	return took
}

// createUntil creates an echo job (every other one the big owner's) and
// gets it back every benchCreateEvery, until stop.
func (h *benchServer) createUntil(b *testing.B, creator int, stop time.Time) (creates, gets []time.Duration) {
	next := time.Now()
	for i := 0; time.Now().Before(stop); i, next = i+1, next.Add(benchCreateEvery) {
		time.Sleep(time.Until(next))
		owner := benchBigOwner
		if i%2 == 1 {
			owner = fmt.Sprintf("owner-%06d", (creator*7919+i)%benchOwners)
		}
		var job struct {
			ID string `json:"id"`
		}
		created, err := h.call(http.MethodPost, "/jobs", owner, `{"jobType":"echo","parameters":{"text":"hello"}}`, http.StatusCreated, &job)
		if err != nil {
			b.Error(err)
			return creates, gets
		}
		got, err := h.call(http.MethodGet, "/jobs/"+job.ID, owner, "", http.StatusOK, nil)
		if err != nil {
			b.Error(err)
			return creates, gets
		}
		creates, gets = append(creates, created), append(gets, got)
	}
	return creates, gets
}

// call sends one request as user and decodes the answer into out (if
// set); it returns how long the round trip took. It runs on the load's
// goroutines, so it reports errors instead of stopping the benchmark.
func (h *benchServer) call(method, path, user, body string, want int, out any) (time.Duration, error) {
	req, err := http.NewRequest(method, h.base+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-User-Id", user)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	raw, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	resp.Body.Close()
	if err != nil || resp.StatusCode != want {
		return 0, fmt.Errorf("%s %s: %d %s (%v)", method, path, resp.StatusCode, raw, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return 0, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return took, nil
}

// report prints the percentiles (milliseconds) and rates.
func (r benchResult) report(b *testing.B) {
	for _, s := range []struct {
		name string
		took []time.Duration
	}{{"create", r.creates}, {"get", r.gets}, {"list", r.lists}} {
		if len(s.took) == 0 {
			b.Fatalf("no %s finished", s.name)
		}
		slices.Sort(s.took)
		b.ReportMetric(percentileMillis(s.took, 50), s.name+"-p50-ms")
		b.ReportMetric(percentileMillis(s.took, 99), s.name+"-p99-ms")
		b.ReportMetric(float64(len(s.took))/r.elapsed.Seconds(), s.name+"s/s")
	}
	b.ReportMetric(0, "ns/op") // one pass of fixed length: ns/op says nothing
}

// percentileMillis is the p-th percentile of sorted, in milliseconds.
func percentileMillis(sorted []time.Duration, p int) float64 {
	i := (len(sorted)*p + 99) / 100 // the smallest that at least p% do not exceed
	return float64(sorted[max(i-1, 0)]) / float64(time.Millisecond)
}

// benchMemory is what a stored job costs.
type benchMemory struct {
	heapPerJob, rssPerJob float64
}

func (m benchMemory) report(b *testing.B) {
	b.ReportMetric(m.heapPerJob, "heap-B/job")
	b.ReportMetric(m.rssPerJob, "rss-B/job")
}

// memorySample is the live heap after a collection and the resident set
// size, in bytes.
type memorySample struct{ heap, rss int64 }

func measureMemory() memorySample {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memorySample{heap: int64(ms.HeapAlloc), rss: residentBytes()}
}

// residentBytes is the process's resident set size (Linux; 0 elsewhere).
func residentBytes() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
