//go:build rie

package rietest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// env is what the suite needs from `make test-lambda`.
type env struct {
	binDir string // JOBLINE_LAMBDA_BIN: <dir>/<function>/bootstrap
	rie    string // JOBLINE_RIE: the aws-lambda-rie binary
	vars   []string
}

// requireEnv returns the suite's environment, or skips (fails when
// JOBLINE_REQUIRE_EMULATORS=1) if anything is missing.
func requireEnv(t testing.TB) env {
	t.Helper()
	var missing []string
	e := env{binDir: os.Getenv("JOBLINE_LAMBDA_BIN"), rie: os.Getenv("JOBLINE_RIE")}
	for _, name := range []string{"JOBLINE_LAMBDA_BIN", "JOBLINE_RIE", "AWS_ENDPOINT_URL", "JOBLINE_TABLE", "JOBLINE_QUEUE_URL", "JOBLINE_DLQ_URL", "JOBLINE_ASSETS_BUCKET"} {
		if os.Getenv(name) == "" {
			missing = append(missing, name)
		}
	}
	if e.rie != "" {
		if _, err := os.Stat(e.rie); err != nil {
			missing = append(missing, "aws-lambda-rie binary ("+err.Error()+")")
		}
	}
	for _, fn := range []string{"createjob", "getjob", "processjob", "reconcile", "dlqredrive", "admin", "hello"} {
		if e.binDir == "" {
			break
		}
		if _, err := os.Stat(filepath.Join(e.binDir, fn, "bootstrap")); err != nil {
			missing = append(missing, fn+" bootstrap ("+err.Error()+")")
		}
	}
	if len(missing) > 0 {
		msg := "RIE suite needs: " + strings.Join(missing, ", ") + " (run `make test-lambda`)"
		if os.Getenv("JOBLINE_REQUIRE_EMULATORS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// RIE passes the variables of its own environment to the function, as
	// Lambda would set them (AWS_REGION, credentials).
	e.vars = append(os.Environ(), "JOBLINE_LOG_LEVEL=DEBUG")
	if os.Getenv("AWS_REGION") == "" {
		e.vars = append(e.vars, "AWS_REGION=us-east-1")
	}
	return e
}

// function is one bootstrap running under aws-lambda-rie.
type function struct {
	name    string
	url     string
	cmd     *exec.Cmd
	started time.Time
	logs    *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freePorts returns n distinct free ports on the loopback address: each
// listener stays open until all are chosen, so that the system cannot hand
// out the same port twice (two freePort calls in a row can).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// start runs fn's bootstrap under RIE on free ports and waits until RIE
// accepts connections. extra are additional environment variables.
func start(t testing.TB, e env, fn string, timeoutSeconds int, extra ...string) *function {
	t.Helper()
	ports := freePorts(t, 2)
	apiPort, riePort := ports[0], ports[1]
	f := &function{name: fn, url: fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", riePort), logs: &lockedBuffer{}}
	f.cmd = exec.Command(e.rie,
		"--runtime-interface-emulator-address", fmt.Sprintf("127.0.0.1:%d", riePort),
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", apiPort),
		filepath.Join(e.binDir, fn, "bootstrap"))
	f.cmd.Env = append(append([]string{}, e.vars...),
		fmt.Sprintf("AWS_LAMBDA_FUNCTION_TIMEOUT=%d", timeoutSeconds),
		"AWS_LAMBDA_FUNCTION_NAME="+fn)
	f.cmd.Env = append(f.cmd.Env, extra...)
	f.cmd.Stdout, f.cmd.Stderr = f.logs, f.logs
	f.started = time.Now()
	if err := f.cmd.Start(); err != nil {
		t.Fatalf("start %s under RIE: %v", fn, err)
	}
	t.Cleanup(func() {
		f.cmd.Process.Kill()
		f.cmd.Wait()
		if t.Failed() {
			t.Logf("--- %s logs ---\n%s", fn, f.logs.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", riePort), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("RIE for %s did not listen within 10s: %v\n%s", fn, err, f.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// invoke sends payload and decodes the function's response into out (if
// not nil). It returns the raw response.
func (f *function) invoke(t testing.TB, payload []byte, out any) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(payload))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("invoke %s: %v\nlogs:\n%s", f.name, err, f.logs.String())
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("invoke %s: HTTP %d: %s", f.name, res.StatusCode, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("invoke %s: decode %s: %v", f.name, body, err)
		}
	}
	return body
}

// fixture reads testdata/name and replaces each {{key}} by vars[key].
func fixture(t testing.TB, name string, vars map[string]string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	if i := strings.Index(s, "{{"); i >= 0 {
		t.Fatalf("fixture %s: unreplaced placeholder at %q", name, s[i:min(len(s), i+30)])
	}
	return []byte(s)
}
