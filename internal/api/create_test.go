package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"jobline/internal/api"
	"jobline/internal/jobs"
	"jobline/internal/queue"
)

func TestCreateJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		wantType   string
		wantParams string
		wantPrio   int
		wantMax    int
		wantDelay  int
	}{
		{"defaults", `{"jobType":"echo"}`, "echo", `{}`, 0, jobs.DefaultMaxAttempts, 0},
		{"every field", `{"jobType":"sleep","parameters":{"seconds":3},"priority":10,"maxAttempts":25,"delaySeconds":900}`, "sleep", `{"seconds":3}`, 10, 25, 900},
		{"lowest bounds", `{"jobType":"echo","parameters":{},"priority":0,"maxAttempts":1,"delaySeconds":0}`, "echo", `{}`, 0, 1, 0},
		{"nested parameters kept compact and in order", "{\"jobType\":\"echo\",\n \"parameters\": {\"z\": [1, 2.50, {\"a\": null}], \"a\": \"x\"}}", "echo", `{"z":[1,2.50,{"a":null}],"a":"x"}`, 0, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			w := b.do(t, request{method: "POST", path: "/jobs", user: "alice", body: tt.body})
			if w.Code != http.StatusCreated {
				t.Fatalf("status = %d, body %s", w.Code, w.Body)
			}
			var got jobJSON
			decode(t, w, &got)
			if len(got.ID) != 26 || strings.ToLower(got.ID) != got.ID {
				t.Errorf("id = %q, want 26 lowercase base32 chars", got.ID)
			}
			if loc := w.Header().Get("Location"); loc != "/jobs/"+got.ID {
				t.Errorf("Location = %q, want /jobs/%s", loc, got.ID)
			}
			if etag := w.Header().Get("ETag"); etag != `"1"` {
				t.Errorf("ETag = %q, want \"1\"", etag)
			}
			wantTime := "2030-01-02T03:04:05.000Z"
			if got.JobType != tt.wantType || got.Status != "queued" || got.Progress != 0 || got.Attempt != 0 ||
				got.Priority != tt.wantPrio || got.MaxAttempts != tt.wantMax || string(got.Parameters) != tt.wantParams ||
				string(got.Result) != "null" || got.ErrorMessage != nil || got.CompletedAt != nil ||
				got.CreatedAt == nil || *got.CreatedAt != wantTime || got.UpdatedAt == nil || *got.UpdatedAt != wantTime {
				t.Errorf("job = %+v (params %s, result %s)", got, got.Parameters, got.Result)
			}

			stored, err := b.mem.Get(context.Background(), got.ID)
			if err != nil {
				t.Fatalf("stored job: %v", err)
			}
			wantSweep := testStart.Add(time.Duration(tt.wantDelay)*time.Second + testGrace)
			if stored.Owner != "alice" || stored.DelaySeconds != tt.wantDelay || !stored.SweepAt.Equal(wantSweep) || stored.RequestHash == "" {
				t.Errorf("stored owner %q delay %d sweepAt %s hash %q; want alice, %d, %s, a hash",
					stored.Owner, stored.DelaySeconds, stored.SweepAt, stored.RequestHash, tt.wantDelay, wantSweep)
			}

			sent := b.queue.Sent()
			if len(sent) != 1 {
				t.Fatalf("sent %d messages, want 1", len(sent))
			}
			msg, err := queue.DecodeJobMessage(sent[0].Body)
			if err != nil || msg.JobID != got.ID || msg.JobType != tt.wantType {
				t.Errorf("message = %+v, %v; want job %s of type %s", msg, err, got.ID, tt.wantType)
			}
			if sent[0].Priority != tt.wantPrio || sent[0].Delay != time.Duration(tt.wantDelay)*time.Second {
				t.Errorf("send priority %d delay %s, want %d and %ds", sent[0].Priority, sent[0].Delay, tt.wantPrio, tt.wantDelay)
			}
		})
	}
}

// Invariant 7: bad input gets a clear 4xx JSON error and writes nothing.
func TestCreateJobRejectsBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	big := `{"jobType":"echo","parameters":{"pad":"` + strings.Repeat("x", api.MaxBodyBytes) + `"}}`
	tests := []struct {
		name    string
		user    string
		body    string
		headers map[string]string
		status  int
		code    string
	}{
		{"no identity", "", `{"jobType":"echo"}`, nil, 401, api.CodeUnauthorized},
		{"empty body", "alice", ``, nil, 400, api.CodeInvalidJSON},
		{"blank body", "alice", "  \n", nil, 400, api.CodeInvalidJSON},
		{"malformed", "alice", `{"jobType":`, nil, 400, api.CodeInvalidJSON},
		{"not json", "alice", `jobType=echo`, nil, 400, api.CodeInvalidJSON},
		{"trailing garbage", "alice", `{"jobType":"echo"}x`, nil, 400, api.CodeInvalidJSON},
		{"two objects", "alice", `{"jobType":"echo"} {"jobType":"echo"}`, nil, 400, api.CodeInvalidJSON},
		{"array body", "alice", `[{"jobType":"echo"}]`, nil, 400, api.CodeInvalidRequest},
		{"string body", "alice", `"echo"`, nil, 400, api.CodeInvalidRequest},
		{"null body", "alice", `null`, nil, 400, api.CodeInvalidRequest},
		{"unknown field", "alice", `{"jobType":"echo","owner":"bob"}`, nil, 400, api.CodeInvalidRequest},
		{"field in wrong case", "alice", `{"JobType":"echo"}`, nil, 400, api.CodeInvalidRequest},
		{"missing jobType", "alice", `{"parameters":{}}`, nil, 400, api.CodeInvalidRequest},
		{"empty jobType", "alice", `{"jobType":""}`, nil, 400, api.CodeInvalidRequest},
		{"jobType number", "alice", `{"jobType":7}`, nil, 400, api.CodeInvalidRequest},
		{"jobType null", "alice", `{"jobType":null}`, nil, 400, api.CodeInvalidRequest},
		{"parameters array", "alice", `{"jobType":"echo","parameters":[1]}`, nil, 400, api.CodeInvalidRequest},
		{"parameters string", "alice", `{"jobType":"echo","parameters":"{}"}`, nil, 400, api.CodeInvalidRequest},
		{"parameters null", "alice", `{"jobType":"echo","parameters":null}`, nil, 400, api.CodeInvalidRequest},
		{"priority negative", "alice", `{"jobType":"echo","priority":-1}`, nil, 400, api.CodeInvalidRequest},
		{"priority too high", "alice", `{"jobType":"echo","priority":11}`, nil, 400, api.CodeInvalidRequest},
		{"priority fraction", "alice", `{"jobType":"echo","priority":1.5}`, nil, 400, api.CodeInvalidRequest},
		{"priority string", "alice", `{"jobType":"echo","priority":"5"}`, nil, 400, api.CodeInvalidRequest},
		{"priority null", "alice", `{"jobType":"echo","priority":null}`, nil, 400, api.CodeInvalidRequest},
		{"maxAttempts zero", "alice", `{"jobType":"echo","maxAttempts":0}`, nil, 400, api.CodeInvalidRequest},
		{"maxAttempts too high", "alice", `{"jobType":"echo","maxAttempts":26}`, nil, 400, api.CodeInvalidRequest},
		{"delaySeconds negative", "alice", `{"jobType":"echo","delaySeconds":-1}`, nil, 400, api.CodeInvalidRequest},
		{"delaySeconds too long", "alice", `{"jobType":"echo","delaySeconds":901}`, nil, 400, api.CodeInvalidRequest},
		{"delaySeconds huge", "alice", `{"jobType":"echo","delaySeconds":1e400}`, nil, 400, api.CodeInvalidRequest},
		{"parameters rejected by the job type", "alice", `{"jobType":"sleep","parameters":{"seconds":31}}`, nil, 400, api.CodeInvalidRequest},
		{"unknown job type", "alice", `{"jobType":"mine-bitcoin"}`, nil, 422, api.CodeUnknownJobType},
		{"empty idempotency key", "alice", `{"jobType":"echo"}`, map[string]string{"Idempotency-Key": ""}, 400, api.CodeInvalidRequest},
		{"idempotency key too long", "alice", `{"jobType":"echo"}`, map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}, 400, api.CodeInvalidRequest},
		{"idempotency key not printable", "alice", `{"jobType":"echo"}`, map[string]string{"Idempotency-Key": "a\x01b"}, 400, api.CodeInvalidRequest},
		{"idempotency key not ascii", "alice", `{"jobType":"echo"}`, map[string]string{"Idempotency-Key": "clé"}, 400, api.CodeInvalidRequest},
		{"body over 64 KiB", "alice", big, nil, 413, api.CodePayloadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			w := b.do(t, request{method: "POST", path: "/jobs", user: tt.user, body: tt.body, headers: tt.headers})
			wantError(t, w, tt.status, tt.code)
			if w.Header().Get("Location") != "" {
				t.Errorf("a rejected create has Location %q", w.Header().Get("Location"))
			}
			if n := b.store.writes.Load(); n != 0 {
				t.Errorf("store writes = %d, want 0", n)
			}
			if n := len(b.queue.Sent()); n != 0 {
				t.Errorf("queue sends = %d, want 0", n)
			}
		})
	}
}

func TestCreateJobTwoIdempotencyKeyHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := newRequest("POST", "/jobs", "alice", `{"jobType":"echo"}`)
	r.Header.Add("Idempotency-Key", "a")
	r.Header.Add("Idempotency-Key", "b")
	w := serve(t, b, r)
	wantError(t, w, 400, api.CodeInvalidRequest)
	if b.store.writes.Load() != 0 || len(b.queue.Sent()) != 0 {
		t.Errorf("writes %d sends %d, want none", b.store.writes.Load(), len(b.queue.Sent()))
	}
}

func TestCreateJobBodyLimit(t *testing.T) {
	t.Parallel()
	// A body of exactly MaxBodyBytes is accepted; one byte more is not.
	prefix, suffix := `{"jobType":"echo","parameters":{"pad":"`, `"}}`
	pad := api.MaxBodyBytes - len(prefix) - len(suffix)
	exact := prefix + strings.Repeat("x", pad) + suffix
	over := prefix + strings.Repeat("x", pad+1) + suffix
	b := setup(t)
	if w := b.do(t, request{method: "POST", path: "/jobs", user: "alice", body: exact}); w.Code != http.StatusCreated {
		t.Fatalf("body of %d bytes: status %d, body %.200s", len(exact), w.Code, w.Body)
	}
	w := b.do(t, request{method: "POST", path: "/jobs", user: "alice", body: over})
	wantError(t, w, http.StatusRequestEntityTooLarge, api.CodePayloadTooLarge)
	if b.store.writes.Load() != 1 || len(b.queue.Sent()) != 1 {
		t.Errorf("writes %d sends %d, want 1 each (the accepted body only)", b.store.writes.Load(), len(b.queue.Sent()))
	}
}

func TestCreateJobIdempotency(t *testing.T) {
	t.Parallel()
	const first = `{"jobType":"sleep","parameters":{"seconds":2,"label":"a"},"priority":3}`
	tests := []struct {
		name       string
		secondUser string
		secondKey  string
		second     string
		wantStatus int
		wantSame   bool // the second answer is the first job
		wantCode   string
	}{
		{"identical replay", "alice", "k1", first, 200, true, ""},
		{"same meaning, other key order and spacing", "alice", "k1", `{ "priority": 3, "parameters": {"label":"a", "seconds": 2}, "jobType": "sleep" }`, 200, true, ""},
		{"defaults written out", "alice", "k1", `{"jobType":"sleep","parameters":{"seconds":2,"label":"a"},"priority":3,"maxAttempts":3,"delaySeconds":0}`, 200, true, ""},
		{"different parameters", "alice", "k1", `{"jobType":"sleep","parameters":{"seconds":3,"label":"a"},"priority":3}`, 409, false, api.CodeIdempotencyConflict},
		{"different priority", "alice", "k1", `{"jobType":"sleep","parameters":{"seconds":2,"label":"a"},"priority":4}`, 409, false, api.CodeIdempotencyConflict},
		{"different job type", "alice", "k1", `{"jobType":"echo","parameters":{"seconds":2,"label":"a"},"priority":3}`, 409, false, api.CodeIdempotencyConflict},
		{"other key", "alice", "k2", first, 201, false, ""},
		{"other user, same key", "bob", "k1", first, 201, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			w1 := b.do(t, request{method: "POST", path: "/jobs", user: "alice", body: first, headers: map[string]string{"Idempotency-Key": "k1"}})
			if w1.Code != http.StatusCreated {
				t.Fatalf("first create: %d %s", w1.Code, w1.Body)
			}
			var j1 jobJSON
			decode(t, w1, &j1)
			b.clock.Advance(time.Second)

			w2 := b.do(t, request{method: "POST", path: "/jobs", user: tt.secondUser, body: tt.second, headers: map[string]string{"Idempotency-Key": tt.secondKey}})
			wantWrites, wantSends := int64(1), 1
			switch {
			case tt.wantCode != "":
				wantError(t, w2, tt.wantStatus, tt.wantCode)
			case w2.Code != tt.wantStatus:
				t.Fatalf("second create: status %d, want %d; body %s", w2.Code, tt.wantStatus, w2.Body)
			default:
				var j2 jobJSON
				decode(t, w2, &j2)
				if (j2.ID == j1.ID) != tt.wantSame {
					t.Errorf("second id %s, first %s; want same = %v", j2.ID, j1.ID, tt.wantSame)
				}
				if tt.wantSame && *j2.CreatedAt != *j1.CreatedAt {
					t.Errorf("replay createdAt %s, want the first job's %s", *j2.CreatedAt, *j1.CreatedAt)
				}
				if loc := w2.Header().Get("Location"); loc != "/jobs/"+j2.ID {
					t.Errorf("Location = %q", loc)
				}
				if !tt.wantSame {
					wantWrites, wantSends = 2, 2
				}
			}
			if n := b.store.writes.Load(); n != wantWrites {
				t.Errorf("store writes = %d, want %d", n, wantWrites)
			}
			if n := len(b.queue.Sent()); n != wantSends {
				t.Errorf("queue sends = %d, want %d", n, wantSends)
			}
		})
	}
}

// Concurrent creates with one key make one job and one message.
func TestCreateJobIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 20
	codes := make([]int, n)
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newRequest("POST", "/jobs", "alice", `{"jobType":"echo","parameters":{"n":1}}`)
			r.Header.Set("Idempotency-Key", "same")
			w := serve(t, b, r)
			codes[i] = w.Code
			var j struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(w.Body.Bytes(), &j)
			ids[i] = j.ID
		}()
	}
	wg.Wait()
	created := 0
	for i := range n {
		switch codes[i] {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Errorf("request %d: status %d", i, codes[i])
		}
		if ids[i] != ids[0] {
			t.Errorf("request %d: id %s, want %s", i, ids[i], ids[0])
		}
	}
	if created != 1 || len(b.queue.Sent()) != 1 || b.store.writes.Load() != 1 {
		t.Errorf("created %d, sends %d, writes %d; want 1 each", created, len(b.queue.Sent()), b.store.writes.Load())
	}
}

// A failed send still answers 201: the job is stored with SweepAt, so the
// reconciler re-sends its message.
func TestCreateJobSendFailureStillStoresTheJob(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.queue.fail.Store(true)
	w := b.do(t, request{method: "POST", path: "/jobs", user: "alice", body: `{"jobType":"echo","delaySeconds":30}`})
	if w.Code != http.StatusCreated {
		t.Fatalf("status %d, body %s", w.Code, w.Body)
	}
	var j jobJSON
	decode(t, w, &j)
	stored, err := b.mem.Get(context.Background(), j.ID)
	if err != nil {
		t.Fatalf("job not stored: %v", err)
	}
	if want := testStart.Add(30*time.Second + testGrace); stored.Status != jobs.StatusQueued || !stored.SweepAt.Equal(want) {
		t.Errorf("stored status %s sweepAt %s, want queued and %s", stored.Status, stored.SweepAt, want)
	}
	due, err := b.mem.ListDue(context.Background(), testStart.Add(30*time.Second+testGrace), 10)
	if err != nil || len(due) != 1 || due[0].ID != j.ID {
		t.Errorf("ListDue at SweepAt = %v, %v; want the job, for the reconciler", due, err)
	}
	logs := b.logs.String()
	if !strings.Contains(logs, "connection refused") || !strings.Contains(logs, j.ID) {
		t.Errorf("send failure not logged with the job ID:\n%s", logs)
	}
}
