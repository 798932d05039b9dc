package devserver

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// reportURL runs a report job of dev-test and returns its asset's URL
// (the path and query the API gives) and the job's ID.
func reportURL(t *testing.T, r *running) (string, string) {
	t.Helper()
	var created jobJSON
	call(t, "POST", r.base+"/jobs", `{"jobType":"report","parameters":{"rows":2}}`, &created)
	waitFor(t, r.base, created.ID, "completed")
	var assets struct {
		Assets []struct {
			URL         string `json:"url"`
			StoragePath string `json:"storagePath"`
		} `json:"assets"`
	}
	call(t, "GET", r.base+"/jobs/"+created.ID+"/assets", "", &assets)
	if len(assets.Assets) != 1 {
		t.Fatalf("assets %+v", assets)
	}
	return assets.Assets[0].URL, created.ID
}

func get(t *testing.T, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestFileDownloadsNeedASignedURL: a job file downloads through the
// signed, expiring URL that GET /jobs/{id}/assets returns to the owner,
// and through nothing else: knowing the job's ID (or being any user) is
// not enough, and a link expires, or dies with the process that signed it.
func TestFileDownloadsNeedASignedURL(t *testing.T) {
	t.Parallel()
	r := start(t, Config{})
	signed, jobID := reportURL(t, r)
	if !strings.Contains(signed, "signature=") || !strings.Contains(signed, "expires=") {
		t.Fatalf("asset URL %q is not signed", signed)
	}
	if code, body := get(t, r.base+signed, nil); code != 200 || body != "row,square\n1,1\n2,4\n" {
		t.Fatalf("signed download: %d %q", code, body)
	}
	filePath, _, _ := strings.Cut(signed, "?")
	other := newFileLinks(fileURLExpiry) // another process's key
	tampered := strings.Replace(signed, "signature=", "signature=x", 1)
	for name, url := range map[string]string{
		"no signature":                    filePath,
		"guessed from the job ID":         "/files/reports/" + jobID + "/report.csv",
		"tampered signature":              tampered,
		"another file's signature":        "/files/reports/other/report.csv?" + strings.SplitN(signed, "?", 2)[1],
		"signed by another server":        other.URL(strings.TrimPrefix(filePath, "/files/")),
		"with the owner's X-User-Id only": filePath,
	} {
		code, body := get(t, r.base+url, map[string]string{"X-User-Id": "dev-test"})
		if code != http.StatusForbidden || !strings.Contains(body, `"forbidden"`) {
			t.Errorf("%s: %d %s, want 403 forbidden", name, code, body)
		}
	}
	r.srv.links.now = func() time.Time { return time.Now().Add(fileURLExpiry + time.Second) }
	if code, body := get(t, r.base+signed, nil); code != http.StatusForbidden || !strings.Contains(body, "expired") {
		t.Errorf("expired link: %d %s, want 403", code, body)
	}
}

// TestFilePathTooLongIs404: a 5,000-character file name is no file: 404,
// not a 500 from the file system's "name too long".
func TestFilePathTooLongIs404(t *testing.T) {
	t.Parallel()
	r := start(t, Config{})
	long := strings.Repeat("a", 5000)
	for _, url := range []string{"/files/" + long, "/files/reports/" + long + "/report.csv", r.srv.links.URL(long)} {
		if code, body := get(t, r.base+url, nil); code != http.StatusNotFound || !strings.Contains(body, `"not_found"`) {
			t.Errorf("%.40s...: %d %s, want 404", url, code, body)
		}
	}
	// A name the file system refuses, within the bound, is 404 too.
	mid := strings.Repeat("b", 300)
	if code, _ := get(t, r.base+r.srv.links.URL(mid), nil); code != http.StatusNotFound {
		t.Errorf("a 300-character name: %d, want 404", code)
	}
}

// TestHostMustBeLoopback: the server answers loopback Host names only, so
// a page whose name was made to resolve to 127.0.0.1 (DNS rebinding)
// cannot use it.
func TestHostMustBeLoopback(t *testing.T) {
	t.Parallel()
	r := start(t, Config{})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(r.base, "http://"))
	for host, want := range map[string]int{
		"127.0.0.1:" + port: 200, "localhost:" + port: 200, "LOCALHOST": 200, "[::1]:" + port: 200, "127.0.0.2": 200,
		"evil.example:" + port: 421, "evil.example": 421, "192.168.1.10:" + port: 421, "localhost.evil.example": 421,
	} {
		if code, _ := get(t, r.base+"/healthz", map[string]string{"Host": host}); code != want {
			t.Errorf("Host %q: %d, want %d", host, code, want)
		}
	}
	if code, _ := get(t, r.base+"/jobs", map[string]string{"Host": "evil.example", "X-User-Id": "dev-test"}); code != 421 {
		t.Errorf("API with Host evil.example: %d, want 421", code)
	}
}

// TestNonLoopbackBindNeedsAllowRemote: binding another address than a
// loopback one is refused unless JOBLINE_ALLOW_REMOTE is set, and then the
// server warns, and answers any Host.
func TestNonLoopbackBindNeedsAllowRemote(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.168.1.10:8080", "[::]:8080"} {
		err := Config{Addr: addr}.WithDefaults().Validate()
		if err == nil || !strings.Contains(err.Error(), "JOBLINE_ALLOW_REMOTE") {
			t.Errorf("Addr %s: %v, want refused, naming JOBLINE_ALLOW_REMOTE", addr, err)
		}
		if err := (Config{Addr: addr, AllowRemote: true}).WithDefaults().Validate(); err != nil {
			t.Errorf("Addr %s with AllowRemote: %v", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:8080", "[::1]:8080"} {
		if err := (Config{Addr: addr}).WithDefaults().Validate(); err != nil {
			t.Errorf("Addr %s: %v", addr, err)
		}
	}

	logs := &syncWriter{w: &bytes.Buffer{}}
	srv, err := New(context.Background(), Config{Addr: "127.0.0.1:0", AllowRemote: true, FilesDir: t.TempDir(), WebDir: t.TempDir()},
		slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, func(a string) { addr <- a }) }()
	base := "http://" + <-addr
	code, _ := get(t, base+"/healthz", map[string]string{"Host": "jobline.lan"})
	cancel()
	<-done
	if code != 200 || !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "JOBLINE_ALLOW_REMOTE") {
		t.Fatalf("with AllowRemote: Host jobline.lan got %d; logs %s", code, logs.String())
	}
}

// TestTruncatedBodyIs400: a client that sends less than its Content-Length
// and stops gets 400, not 500.
func TestTruncatedBodyIs400(t *testing.T) {
	t.Parallel()
	r := start(t, Config{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"jobType":"echo"`
	_, err = io.WriteString(conn, "POST /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-User-Id: dev-test\r\nContent-Type: application/json\r\n"+
		"Content-Length: 100\r\n\r\n"+body)
	if err != nil {
		t.Fatal(err)
	}
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(got), "invalid_request") {
		t.Fatalf("truncated body: %d %s, want 400 invalid_request", resp.StatusCode, got)
	}
}

// syncWriter serializes writes to w, and reads of it through String.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}
