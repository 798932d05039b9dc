package apigw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

type userKey struct{}

func withUser(ctx context.Context, user string) context.Context {
	return context.WithValue(ctx, userKey{}, user)
}

// seen is what the echo handler saw of the converted request.
type seen struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   map[string]string `json:"query"`
	User    string            `json:"user"`
	Body    string            `json:"body"`
	Headers map[string]string `json:"headers"`
	Cookies []string          `json:"cookies"`
	Remote  string            `json:"remote"`
	Host    string            `json:"host"`
}

// echoHandler answers JSON describing the request it received, except for
// /download/ which answers binary bytes with two cookies.
func echoHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /download/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
		w.Write([]byte{0x00, 0xff, 0x10, 0x80})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seen{
			Method: r.Method, Path: r.URL.Path, Query: map[string]string{},
			Body: string(body), Headers: map[string]string{}, Remote: r.RemoteAddr, Host: r.Host,
		}
		s.User, _ = r.Context().Value(userKey{}).(string)
		for k := range r.URL.Query() {
			s.Query[k] = r.URL.Query().Get(k)
		}
		for _, name := range []string{"Content-Type", "Idempotency-Key", "If-None-Match"} {
			if v := r.Header.Get(name); v != "" {
				s.Headers[name] = v
			}
		}
		for _, c := range r.Cookies() {
			s.Cookies = append(s.Cookies, c.Name+"="+c.Value)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Vary", "Accept")
		w.Header().Add("Vary", "Origin")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(s)
	})
	return mux
}

func loadEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return ev
}

func TestHandleConvertsRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		event string
		want  seen
	}{
		{
			event: "create-job.json",
			want: seen{
				Method: "POST", Path: "/jobs", Query: map[string]string{}, User: "user-1",
				Body:    `{"jobType":"echo","parameters":{"hello":"world"}}`,
				Headers: map[string]string{"Content-Type": "application/json", "Idempotency-Key": "key-1"},
				Cookies: []string{"session=abc", "theme=dark"},
				Remote:  "203.0.113.7", Host: "abc123.execute-api.eu-west-1.amazonaws.com",
			},
		},
		{
			event: "list-jobs-staged.json",
			want: seen{
				Method: "GET", Path: "/jobs", User: "user-2",
				Query:   map[string]string{"status": "queued", "limit": "5", "jobType": "a b"},
				Headers: map[string]string{"If-None-Match": `"3"`},
				Remote:  "203.0.113.8", Host: "abc123.execute-api.eu-west-1.amazonaws.com",
			},
		},
		{
			// No authorizer: no identity, the API itself answers 401.
			event: "no-authorizer.json",
			want: seen{
				Method: "GET", Path: "/jobs/job-1", Query: map[string]string{}, User: "",
				Headers: map[string]string{}, Remote: "203.0.113.9", Host: "abc123.execute-api.eu-west-1.amazonaws.com",
			},
		},
		{
			event: "no-subject.json",
			want: seen{
				Method: "GET", Path: "/jobs/job-1", Query: map[string]string{}, User: "",
				Headers: map[string]string{}, Remote: "203.0.113.9", Host: "abc123.execute-api.eu-west-1.amazonaws.com",
			},
		},
	}
	a := newAdapter(t, Config{Handler: echoHandler(), WithUser: withUser})
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			t.Parallel()
			res, err := a.Handle(context.Background(), loadEvent(t, tt.event))
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("status = %d, want 201; body %s", res.StatusCode, res.Body)
			}
			if res.IsBase64Encoded {
				t.Fatalf("JSON body was base64-encoded")
			}
			if got := res.Headers["Content-Type"]; got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := res.Headers["Vary"]; got != "Accept,Origin" {
				t.Errorf("Vary = %q, want repeated headers joined", got)
			}
			var got seen
			if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
				t.Fatalf("decode body %q: %v", res.Body, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("handler saw\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func TestHandleEncodesBinaryBodiesAndCookies(t *testing.T) {
	t.Parallel()
	a := newAdapter(t, Config{Handler: echoHandler(), WithUser: withUser})
	res, err := a.Handle(context.Background(), loadEvent(t, "asset-download.json"))
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if res.StatusCode != http.StatusOK || !res.IsBase64Encoded {
		t.Fatalf("status %d base64 %v, want 200 and base64", res.StatusCode, res.IsBase64Encoded)
	}
	body, err := base64.StdEncoding.DecodeString(res.Body)
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	if want := []byte{0x00, 0xff, 0x10, 0x80}; !reflect.DeepEqual(body, want) {
		t.Errorf("body = %v, want %v", body, want)
	}
	sort.Strings(res.Cookies)
	if want := []string{"a=1", "b=2"}; !reflect.DeepEqual(res.Cookies, want) {
		t.Errorf("cookies = %v, want %v", res.Cookies, want)
	}
	if _, ok := res.Headers["Set-Cookie"]; ok {
		t.Errorf("Set-Cookie left in headers: %v", res.Headers)
	}
}

func TestHandleRejectsUnreadableEvents(t *testing.T) {
	t.Parallel()
	called := false
	a := newAdapter(t, Config{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }), WithUser: withUser})
	tests := map[string]func(*events.APIGatewayV2HTTPRequest){
		"bad base64": func(ev *events.APIGatewayV2HTTPRequest) { ev.Body, ev.IsBase64Encoded = "%%%", true },
		"no method":  func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.HTTP.Method = "" },
	}
	for name, mutate := range tests {
		ev := loadEvent(t, "create-job.json")
		mutate(&ev)
		res, err := a.Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("%s: Handle: %v", name, err)
		}
		var body struct {
			Error struct{ Code string } `json:"error"`
		}
		if res.StatusCode != http.StatusBadRequest || json.Unmarshal([]byte(res.Body), &body) != nil || body.Error.Code != "invalid_request" {
			t.Errorf("%s: got %d %s, want 400 invalid_request", name, res.StatusCode, res.Body)
		}
	}
	if called {
		t.Errorf("handler ran for an unreadable event")
	}
}

func TestResponseDefaultsAndSniffing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantStatus int
		wantBase64 bool
		wantBody   string
	}{
		{"no write", func(w http.ResponseWriter, r *http.Request) {}, 200, false, ""},
		{"304 no body", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(304) }, 304, false, ""},
		{"sniffed text", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }, 200, false, "hello"},
		{"sniffed binary", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a})
		}, 200, true, "iVBORw0KGgo="},
		{"second WriteHeader ignored", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404); w.WriteHeader(500) }, 404, false, ""},
		{"problem+json is text", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			io.WriteString(w, "{}")
		}, 200, false, "{}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAdapter(t, Config{Handler: tt.handler, WithUser: withUser})
			res, err := a.Handle(context.Background(), loadEvent(t, "no-authorizer.json"))
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if res.StatusCode != tt.wantStatus || res.IsBase64Encoded != tt.wantBase64 || res.Body != tt.wantBody {
				t.Errorf("got (%d, %v, %q), want (%d, %v, %q)", res.StatusCode, res.IsBase64Encoded, res.Body, tt.wantStatus, tt.wantBase64, tt.wantBody)
			}
		})
	}
}

func newAdapter(t *testing.T, cfg Config) *Adapter {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNewRequiresHandlerAndIdentity(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{WithUser: withUser}, {Handler: echoHandler()}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
		}
	}
}
