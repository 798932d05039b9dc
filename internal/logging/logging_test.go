package logging_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"jobline/internal/logging"
)

func TestDurationsAreMilliseconds(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	log := logging.New(&out, logging.FormatJSON, slog.LevelInfo).With("wait", 1500*time.Millisecond)
	log.Info("step", "took", 2*time.Second+250*time.Microsecond, slog.Group("http", "duration", 42*time.Millisecond), "n", 3)
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v: %s", err, out.String())
	}
	http, _ := got["http"].(map[string]any)
	if got["waitMs"] != 1500.0 || got["tookMs"] != 2000.25 || http["durationMs"] != 42.0 || got["n"] != 3.0 {
		t.Errorf("record = %v", got)
	}
	for _, key := range []string{"wait", "took"} {
		if _, ok := got[key]; ok {
			t.Errorf("%s is still written as a duration: %s", key, out.String())
		}
	}
}

func TestLevelAndFormat(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	log := logging.New(&out, logging.FormatText, slog.LevelWarn)
	log.Info("hidden")
	log.Warn("shown", "wait", time.Second)
	if s := out.String(); strings.Contains(s, "hidden") || !strings.Contains(s, "msg=shown") || !strings.Contains(s, "waitMs=1000") {
		t.Errorf("text output %q", s)
	}
	// A buffer is no terminal: JSON.
	if f := logging.FormatFor(&out); f != logging.FormatJSON {
		t.Errorf("FormatFor(buffer) = %q", f)
	}
	devnull, err := os.Open(os.DevNull) // a character device, like a terminal
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	if f := logging.FormatFor(devnull); f != logging.FormatText {
		t.Errorf("FormatFor(%s) = %q, want text", os.DevNull, f)
	}
	for in, want := range map[string]logging.Format{"json": logging.FormatJSON, "text": logging.FormatText, "": logging.FormatAuto} {
		if got, err := logging.ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := logging.ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) succeeded")
	}
}
