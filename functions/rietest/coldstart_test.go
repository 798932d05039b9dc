//go:build rie

package rietest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// coldStartFunctions are the bootstraps measured, hello (the reference)
// first, each with a first event that makes no AWS request where the
// function has one: a request without identity (401; the admin API's 404
// for anyone but admins), a redrive request that fails validation, an
// empty batch (no reason to look at the high-priority lane). reconcile's
// first event sweeps; its init time leaves that out.
var coldStartFunctions = []struct{ name, payload string }{
	{"hello", ""},
	{"createjob", "apigw-no-auth.json"},
	{"getjob", "apigw-no-auth.json"},
	{"processjob", "sqs-empty.json"},
	{"reconcile", "schedule-event.json"},
	{"dlqredrive", "dlqredrive-invalid.json"},
	{"admin", "apigw-no-auth.json"},
}

// Variables of the cold-start benchmark (mk/lambda.mk sets them).
const (
	// envRounds is how many interleaved rounds to run (default 9;
	// make bench-lambda runs 1001, about 4 minutes).
	envRounds = "JOBLINE_COLDSTART_ROUNDS"
	// envBefore is a second directory of bootstraps (<dir>/<function>/
	// bootstrap, an earlier build) measured in the same rounds.
	envBefore = "JOBLINE_LAMBDA_BIN_BEFORE"
)

// coldStart is one cold start: Lambda's Init Duration as RIE reports it,
// and the time from the invoke request to its response.
type coldStart struct{ init, firstResponse time.Duration }

var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

var coldStartOnce sync.Once

// BenchmarkColdStart measures every function's cold start under
// aws-lambda-rie interleaved with the hello-world reference
// (functions/rietest/hello): each round starts every bootstrap once, in an
// order shuffled from round to round, so that the machine's state weighs
// on all alike. It prints the medians and their ratios to hello's.
// The cold start compared is Lambda's Init Duration (INIT REPORT: from
// starting the bootstrap until it asks for its first event), so reconcile's
// first sweep is not in it; the time to the first response is shown too
// for the functions whose first event makes no request. It runs once per
// process, whatever b.N.
func BenchmarkColdStart(b *testing.B) {
	e := requireEnv(b)
	sets := [][2]string{{"", e.binDir}}
	if dir := os.Getenv(envBefore); dir != "" {
		sets = append(sets, [2]string{"before ", dir})
	}
	rounds := 9
	if v := os.Getenv(envRounds); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive number", envRounds, v)
		}
		rounds = n
	}
	type target struct{ label, name, bin, payload string }
	var targets []target
	for _, s := range sets {
		for _, fn := range coldStartFunctions {
			payload := "{}"
			if fn.payload != "" {
				payload = string(fixture(b, fn.payload, nil))
			}
			bin := filepath.Join(s[1], fn.name, "bootstrap")
			if _, err := os.Stat(bin); err != nil && s[0] != "" {
				continue // an older build, from before this function existed
			}
			targets = append(targets, target{s[0] + fn.name, fn.name, bin, payload})
		}
	}
	coldStartOnce.Do(func() {
		got := map[string][]coldStart{}
		// A new order each round (seeded: runs are repeatable), so that no
		// bootstrap always follows the same one: one starting while the
		// previous RIE is torn down pays for it, and a fixed rotation would
		// put that cost on the same bootstrap in every round.
		rng := rand.New(rand.NewPCG(uint64(rounds), uint64(len(targets))))
		dir := b.TempDir()
		for range rounds {
			for _, i := range rng.Perm(len(targets)) {
				t := targets[i]
				bin := freshCopy(b, t.bin, dir)
				got[t.label] = append(got[t.label], measureColdStart(b, e, t.name, bin, t.payload))
				os.Remove(bin)
			}
		}
		labels := make([]string, len(targets))
		for i, t := range targets {
			labels[i] = t.label
		}
		printColdStarts(b, labels, got, rounds)
	})
}

// freshCopy writes a copy of the bootstrap bin into dir and returns its
// path. Every measurement starts a copy written just before, the same way
// for every bootstrap: how a file came to be in the page cache weighs on
// how fast it starts. The Go linker writes its output through a memory
// mapping, which most likely leaves the file cached in small pages, where
// a file written with write(2) (a copy, or Lambda unpacking a function's
// package) gets large folios; the same hello-world started 9% faster from
// a copy than as built, and the built bootstraps' ratios to hello moved by
// up to 5% from one build to the next (docs/deploy.md, "Lean functions").
func freshCopy(b *testing.B, bin, dir string) string {
	b.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(filepath.Dir(bin))+"-*")
	if err != nil {
		b.Fatal(err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o755)
	}
	if err != nil {
		b.Fatalf("copy %s: %v", bin, err)
	}
	return f.Name()
}

// measureColdStart starts bin under RIE, waits until RIE listens, and
// times one invocation with payload.
func measureColdStart(b *testing.B, e env, name, bin, payload string) coldStart {
	b.Helper()
	ports := freePorts(b, 2)
	apiPort, riePort := ports[0], ports[1]
	cmd := exec.Command(e.rie,
		"--runtime-interface-emulator-address", fmt.Sprintf("127.0.0.1:%d", riePort),
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", apiPort), bin)
	cmd.Env = append(append([]string{}, e.vars...), "AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_LAMBDA_FUNCTION_NAME="+name)
	var logs lockedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	// A process group of its own: RIE and the bootstrap it starts end together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatalf("start %s under RIE: %v", bin, err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	addr := fmt.Sprintf("127.0.0.1:%d", riePort)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, 50*time.Millisecond); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("RIE for %s did not listen within 10s\n%s", bin, logs.String())
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/2015-03-31/functions/function/invocations", bytes.NewReader([]byte(payload)))
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatalf("invoke %s: %v\n%s", bin, err, logs.String())
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	first := time.Since(start)
	if res.StatusCode != http.StatusOK {
		b.Fatalf("invoke %s: HTTP %d %s\n%s", bin, res.StatusCode, body, logs.String())
	}
	// RIE may write its INIT REPORT after the response has come back: the
	// log is a pipe, read as it comes.
	m := initReport.FindStringSubmatch(logs.String())
	for deadline := time.Now().Add(5 * time.Second); m == nil && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		m = initReport.FindStringSubmatch(logs.String())
	}
	if m == nil {
		b.Fatalf("%s: no INIT REPORT in RIE's log:\n%s", bin, logs.String())
	}
	ms, _ := strconv.ParseFloat(m[1], 64)
	return coldStart{init: time.Duration(ms * float64(time.Millisecond)), firstResponse: first}
}

// printColdStarts prints the median of each label's cold starts and the
// ratio to hello's in the same rounds (and to "before hello" for the
// before set), with the ratio's 95% bootstrap interval (ratioInterval),
// and reports the ratios as benchmark metrics.
func printColdStarts(b *testing.B, labels []string, got map[string][]coldStart, rounds int) {
	initOf := func(c coldStart) time.Duration { return c.init }
	firstOf := func(c coldStart) time.Duration { return c.firstResponse }
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
	fmt.Printf("cold start under aws-lambda-rie: median of %d interleaved rounds (95%% interval of the ratio: rounds resampled)\n", rounds)
	fmt.Printf("%-20s %10s %9s %13s %15s %9s\n", "function", "init", "x hello", "interval", "first response", "x hello")
	for _, label := range labels {
		hello := strings.TrimSuffix(label, label[strings.LastIndex(label, " ")+1:]) + "hello"
		inits, helloInits := durations(got[label], initOf), durations(got[hello], initOf)
		init, helloInit := median(inits), median(helloInits)
		first, helloFirst := median(durations(got[label], firstOf)), median(durations(got[hello], firstOf))
		ratio := float64(init) / float64(helloInit)
		lo, hi := ratioInterval(inits, helloInits)
		firstCol, firstRatio := ms(first), fmt.Sprintf("%.2f", float64(first)/float64(helloFirst))
		if strings.HasSuffix(label, "reconcile") {
			firstCol, firstRatio = "(sweeps)", "-"
		}
		fmt.Printf("%-20s %10s %9.2f %13s %15s %9s\n", label, ms(init), ratio, fmt.Sprintf("%.2f-%.2f", lo, hi), firstCol, firstRatio)
		b.ReportMetric(ratio, strings.ReplaceAll(label, " ", "-")+"-init/hello")
	}
	fmt.Println("budget: init <= 1.10x hello's (issue 11)")
}

// durations returns f of each cold start, in the order of the rounds.
func durations(cs []coldStart, f func(coldStart) time.Duration) []time.Duration {
	ds := make([]time.Duration, len(cs))
	for i, c := range cs {
		ds[i] = f(c)
	}
	return ds
}

// median returns the median of ds (which it leaves in their order: a
// round's measurements are paired by index).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// ratioInterval is the 95% bootstrap interval of median(xs)/median(hello):
// the rounds are drawn again with replacement 2,000 times (a round's two
// measurements together, as they ran side by side), and the 2.5th and
// 97.5th percentiles of the resampled ratios are returned. It shows how far
// the machine's noise alone moves a run's ratio.
func ratioInterval(xs, hello []time.Duration) (lo, hi float64) {
	const draws = 2000
	rng := rand.New(rand.NewPCG(1, uint64(len(xs))))
	n := min(len(xs), len(hello))
	if n == 0 {
		return 0, 0
	}
	a, h := make([]time.Duration, n), make([]time.Duration, n) // a draw's rounds
	ratios := make([]float64, draws)
	for d := range ratios {
		for i := range n {
			k := rng.IntN(n)
			a[i], h[i] = xs[k], hello[k]
		}
		ratios[d] = float64(median(a)) / float64(median(h))
	}
	slices.Sort(ratios)
	return ratios[draws*25/1000], ratios[draws*975/1000]
}
