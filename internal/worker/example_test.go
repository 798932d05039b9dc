package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"testing"
	"time"

	"jobline/internal/jobs"
	"jobline/internal/queue"
	"jobline/internal/worker"
)

// Example_thumbnail runs the job type that docs/engine.md shows ("Adding a
// job type", the file thumbnail_example_test.go): the API's validation,
// then jobs through the engine on the in-memory store and queue.
func Example_thumbnail() {
	reg := worker.NewRegistry()
	Register(reg)
	fmt.Println(reg.Validate("thumbnail", json.RawMessage(`{"key":"cat.jpg","width":"wide"}`)))
	fmt.Println(reg.Validate("thumbnail", json.RawMessage(`{"key":"cat.jpg","width":8,"height":8}`)))
	fmt.Println(reg.Validate("thumbnail", json.RawMessage(`{"key":"cat.jpg","width":8}`)))
	fmt.Println(reg.Validate("thumbnail", json.RawMessage(`{"key":"cat.jpg","width":320}`)))

	store := jobs.NewMemoryStore()
	q, err := queue.NewMemory(queue.MemoryConfig{})
	if err != nil {
		panic(err)
	}
	engine, err := worker.NewEngine(worker.Config{Store: store, Queue: q, Registry: reg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for _, params := range []string{`{"key":"cat.jpg","width":320}`, `{"key":"notes.txt","width":320}`} {
		job, _, err := store.Create(ctx, jobs.Job{ID: "job-" + params[8:11], Owner: "alice", JobType: "thumbnail",
			Parameters: json.RawMessage(params), MaxAttempts: 3, CreatedAt: time.Now()})
		if err != nil {
			panic(err)
		}
		if _, err := q.Send(ctx, queue.JobSend(job, 0)); err != nil {
			panic(err)
		}
		msgs, err := q.Receive(ctx, queue.ReceiveRequest{Max: 1})
		if err != nil {
			panic(err)
		}
		res := engine.Process(ctx, msgs[0])
		done, _ := store.Get(ctx, job.ID)
		fmt.Printf("%s: %s, progress %d, result %s, error %q\n", res.Disposition, done.Status, done.Progress, done.Result, done.ErrorMessage)
	}
	fmt.Printf("%+v\n", reg.JobTypes())
	// Output:
	// invalid parameters for thumbnail: parameters.width must be an integer
	// invalid parameters for thumbnail: parameters: unknown field "height"
	// invalid parameters for thumbnail: width must be between 16 and 1024, got 8
	// <nil>
	// ack: completed, progress 100, result {"thumbnailKey":"thumbnails/320/cat.jpg"}, error ""
	// ack: failed, progress 0, result , error "not an image"
	// [{Name:thumbnail Description:shrinks an image to a given width Timeout:2m0s Parameters:[{Name:key Kind:string} {Name:width Kind:integer}]}]
}

// TestEngineDocShowsTheThumbnailExample keeps the one-file job type that
// docs/engine.md shows the same as thumbnail_example_test.go, which
// Example_thumbnail compiles and runs. Only the package clause differs:
// the doc's file is package thumbnail.
func TestEngineDocShowsTheThumbnailExample(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/engine.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```go\n(package thumbnail\n.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/engine.md shows no Go file of package thumbnail")
	}
	file, err := os.ReadFile("thumbnail_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	shown := bytes.Replace(m[1], []byte("package thumbnail\n"), []byte("package worker_test\n"), 1)
	if !bytes.Equal(shown, file) {
		t.Errorf("docs/engine.md's thumbnail file differs from thumbnail_example_test.go; copy the file into the doc (package thumbnail)")
	}
}
