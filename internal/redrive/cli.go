package redrive

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Exit codes of RunCLI.
const (
	ExitOK    = 0
	ExitError = 1 // the operation failed
	ExitUsage = 2 // bad command or flags
)

// Usage is the CLI's help text.
const Usage = `usage:
  dlqredrive list [--max N] [--json]
      List dead-lettered jobs: job id, type, owner, error, attempts, age.
  dlqredrive redrive [--job-id ID] [--job-type T] [--max N] [--dry-run] [--reason TEXT] [--json]
      Queue dead-lettered jobs again and move their messages back.
      Without filters every dead-lettered job is redriven.

Environment: JOBLINE_TABLE, JOBLINE_QUEUE_URL, JOBLINE_HIGH_QUEUE_URL,
JOBLINE_DLQ_URL, AWS_REGION (and AWS_ENDPOINT_URL for an emulator).
`

// errUsage marks a command-line mistake (exit code 2).
var errUsage = errors.New("usage")

// RunCLI runs the dlqredrive command line (args without the program name)
// and returns the process exit code. open builds the Redriver only once the
// arguments are known to be good, so a usage error needs no AWS access.
func RunCLI(ctx context.Context, args []string, stdout, stderr io.Writer, open func(context.Context) (*Redriver, error)) int {
	cmd, err := parseCommand(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, Usage)
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "dlqredrive: %v\n\n%s", err, Usage)
		return ExitUsage
	}
	r, err := open(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "dlqredrive: %v\n", err)
		return ExitError
	}
	switch cmd.Action {
	case "list":
		entries, err := r.List(ctx, cmd.Max)
		if err != nil {
			fmt.Fprintf(stderr, "dlqredrive: list: %v\n", err)
			return ExitError
		}
		if cmd.JSON {
			writeJSON(stdout, map[string]any{"entries": nonNil(entries)})
		} else {
			writeTable(stdout, entries)
		}
	case "redrive":
		res, err := r.Redrive(ctx, cmd.Options)
		if cmd.JSON {
			writeJSON(stdout, res)
		} else {
			writeResult(stdout, res)
		}
		if err != nil {
			fmt.Fprintf(stderr, "dlqredrive: redrive: %v\n", err)
			return ExitError
		}
	}
	return ExitOK
}

// Command is one request to dlqredrive, from the command line or a Lambda
// payload: {"action":"list"} or {"action":"redrive","jobId":...,"jobType":...,"max":N,"dryRun":true}.
type Command struct {
	Action string `json:"action"` // "list" or "redrive"
	Options
	JSON bool `json:"-"`
}

func parseCommand(args []string, stderr io.Writer) (Command, error) {
	if len(args) == 0 {
		return Command{}, fmt.Errorf("%w: missing command (list or redrive)", errUsage)
	}
	var cmd Command
	cmd.Action = args[0]
	if cmd.Action == "-h" || cmd.Action == "--help" || cmd.Action == "help" {
		return Command{}, flag.ErrHelp
	}
	fs := flag.NewFlagSet("dlqredrive "+cmd.Action, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&cmd.Max, "max", 0, "at most this many jobs (list: default 100; redrive: no limit)")
	fs.BoolVar(&cmd.JSON, "json", false, "print JSON")
	switch cmd.Action {
	case "list":
	case "redrive":
		fs.StringVar(&cmd.JobID, "job-id", "", "redrive only this job")
		fs.StringVar(&cmd.JobType, "job-type", "", "redrive only jobs of this type")
		fs.BoolVar(&cmd.DryRun, "dry-run", false, "show what would be done, change nothing")
		fs.StringVar(&cmd.Reason, "reason", "", "why, recorded in each job's history")
	default:
		return Command{}, fmt.Errorf("%w: unknown command %q (want list or redrive)", errUsage, cmd.Action)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Command{}, err
		}
		return Command{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return Command{}, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if err := cmd.Validate(); err != nil {
		return Command{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	return cmd, nil
}

// Validate rejects a command that cannot run.
func (c Command) Validate() error {
	switch c.Action {
	case "list", "redrive":
	default:
		return fmt.Errorf("unknown action %q (want list or redrive)", c.Action)
	}
	if c.Max < 0 {
		return fmt.Errorf("--max must be 0 or more, got %d", c.Max)
	}
	if c.Action == "list" && (c.JobID != "" || c.JobType != "" || c.DryRun) {
		return errors.New("list takes no jobId, jobType or dryRun")
	}
	if strings.TrimSpace(c.JobID) != c.JobID || strings.TrimSpace(c.JobType) != c.JobType {
		return errors.New("jobId and jobType must not have surrounding spaces")
	}
	return nil
}

// LambdaResponse is the dlqredrive Lambda's answer.
type LambdaResponse struct {
	Entries []Entry `json:"entries,omitempty"`
	Result  *Result `json:"result,omitempty"`
}

// Handle serves one Lambda invocation. A bad payload is an error (the
// invoke fails with its message).
func (r *Redriver) Handle(ctx context.Context, cmd Command) (LambdaResponse, error) {
	if err := cmd.Validate(); err != nil {
		return LambdaResponse{}, fmt.Errorf("invalid payload: %w", err)
	}
	if cmd.Action == "list" {
		entries, err := r.List(ctx, cmd.Max)
		if err != nil {
			return LambdaResponse{}, fmt.Errorf("list dead-letter queue: %w", err)
		}
		return LambdaResponse{Entries: nonNil(entries)}, nil
	}
	res, err := r.Redrive(ctx, cmd.Options)
	if err != nil {
		return LambdaResponse{Result: &res}, fmt.Errorf("redrive: %w", err)
	}
	return LambdaResponse{Result: &res}, nil
}

func nonNil(e []Entry) []Entry {
	if e == nil {
		return []Entry{}
	}
	return e
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeTable(w io.Writer, entries []Entry) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB ID\tTYPE\tOWNER\tSTATUS\tATTEMPTS\tAGE\tERROR")
	for _, e := range entries {
		errText := e.Error
		if e.Problem != "" {
			errText = "(" + e.Problem + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", orDash(e.JobID), orDash(e.JobType), orDash(e.Owner), orDash(string(e.Status)),
			e.Attempt, e.MaxAttempts, e.Age.Round(time.Second), oneLine(errText, 80))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d dead-lettered message(s)\n", len(entries))
}

func writeResult(w io.Writer, res Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB ID\tTYPE\tACTION\tDETAIL")
	for _, it := range res.Items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", orDash(it.JobID), orDash(it.JobType), it.Action, it.Detail)
	}
	tw.Flush()
	verb := "redriven"
	if res.DryRun {
		verb = "would be redriven (dry run, nothing changed)"
	}
	fmt.Fprintf(w, "%d job(s) %s\n", res.Redriven, verb)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		return s[:max-1] + "…"
	}
	return s
}
