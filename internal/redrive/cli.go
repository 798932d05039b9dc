package redrive

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"jobline/internal/jobs"
)

// Exit codes of RunCLI.
const (
	ExitOK       = 0
	ExitError    = 1 // the operation failed
	ExitUsage    = 2 // bad command or flags
	ExitNotFound = 3 // a job named on the command line does not exist
)

// Actions of a Command.
const (
	ActionList    = "list"
	ActionRedrive = "redrive"
	ActionShow    = "show"
)

// subcommand is one command of the CLI: its arguments, what it does and
// its flags (with their defaults), which its --help shows.
type subcommand struct {
	name, args, summary string
	flags               func(fs *flag.FlagSet, c *Command)
}

// subcommands are the CLI's commands, in the order Usage lists them.
var subcommands = []subcommand{
	{ActionList, "[--max N] [--json]",
		"List dead-lettered jobs: job id, type, owner, status, attempts, when it failed, age, error.\n" +
			"The messages stay in the dead-letter queue.",
		func(fs *flag.FlagSet, c *Command) {
			fs.IntVar(&c.Max, "max", DefaultListMax, "list at most this many messages")
		}},
	{ActionRedrive, "[--job-id ID]... [--job-type T] [--max N] [--dry-run] [--reason TEXT] [--operator NAME] [--json]",
		"Queue dead-lettered jobs again and move their messages back. Without --job-id,\n" +
			"every dead-lettered job (of --job-type) is redriven. Try --dry-run first.",
		func(fs *flag.FlagSet, c *Command) {
			fs.Func("job-id", "redrive only this job (repeat for several)", func(v string) error {
				c.JobIDs = append(c.JobIDs, v)
				return nil
			})
			fs.StringVar(&c.JobType, "job-type", "", "redrive only jobs of this type")
			fs.IntVar(&c.Max, "max", 0, "stop after this many redriven jobs (0: no limit)")
			fs.BoolVar(&c.DryRun, "dry-run", false, "show what would be done, change nothing")
			fs.StringVar(&c.Reason, "reason", DefaultReason, "why, recorded in each job's history")
			fs.StringVar(&c.Operator, "operator", DefaultOperator, "who redrives, recorded in each job's history")
		}},
	{ActionShow, "JOB_ID [--json]",
		"Print a job's timeline: its attempts (start, end, outcome, error) and its\n" +
			"redrives and cancels (when, by whom, why).",
		func(*flag.FlagSet, *Command) {}},
}

// Usage is the CLI's help text. It is built when asked for, not at init:
// every function that links this package (the admin API and the API
// functions through it) would pay for it at each cold start.
func Usage() string {
	var b strings.Builder
	b.WriteString("usage:\n")
	for _, sc := range subcommands {
		fmt.Fprintf(&b, "  dlqredrive %s %s\n      %s\n", sc.name, sc.args, strings.ReplaceAll(sc.summary, "\n", "\n      "))
	}
	b.WriteString(`
'dlqredrive COMMAND --help' shows a command's flags and their defaults.
Exit codes: 0 done, 1 failed, 2 bad command or flags, 3 a named job does not exist.
Output (tables, or JSON with --json) goes to stdout; logs go to stderr.

Environment: JOBLINE_TABLE, JOBLINE_QUEUE_URL, JOBLINE_HIGH_QUEUE_URL,
JOBLINE_DLQ_URL, AWS_REGION (and AWS_ENDPOINT_URL for an emulator; after
'make dev-aws': set -a; . .emulators/env; set +a).
`)
	return b.String()
}

// errUsage marks a command-line mistake (exit code 2).
var errUsage = errors.New("usage")

// helpRequest is a --help: the text to print.
type helpRequest struct{ text string }

func (h *helpRequest) Error() string { return "help requested" }

// RunCLI runs the dlqredrive command line (args without the program name)
// and returns the process exit code. Results go to stdout, logs and errors
// to stderr. open builds the Redriver only once the arguments are known to
// be good, so a usage error needs no AWS access; a Redriver without a
// Logger logs text to stderr.
func RunCLI(ctx context.Context, args []string, stdout, stderr io.Writer, open func(context.Context) (*Redriver, error)) int {
	cmd, err := parseCommand(args)
	var help *helpRequest
	if errors.As(err, &help) {
		fmt.Fprint(stdout, help.text)
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "dlqredrive: %v\n\n%s", err, Usage())
		return ExitUsage
	}
	r, err := open(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "dlqredrive: %v\n", err)
		return ExitError
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	switch cmd.Action {
	case ActionList:
		return runList(ctx, r, cmd, stdout, stderr)
	case ActionRedrive:
		return runRedrive(ctx, r, cmd, stdout, stderr)
	default:
		return runShow(ctx, r, cmd, stdout, stderr)
	}
}

// runList prints the dead-letter queue's entries.
func runList(ctx context.Context, r *Redriver, cmd Command, stdout, stderr io.Writer) int {
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
	return ExitOK
}

// runRedrive redrives and prints what was (or would be) done.
func runRedrive(ctx context.Context, r *Redriver, cmd Command, stdout, stderr io.Writer) int {
	res, err := r.Redrive(ctx, cmd.Options)
	if cmd.JSON {
		writeJSON(stdout, res)
	} else {
		writeResult(stdout, res)
	}
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "dlqredrive: redrive: %v\n", err)
		return ExitError
	case res.NotFound() > 0:
		fmt.Fprintf(stderr, "dlqredrive: redrive: %d job(s) not found\n", res.NotFound())
		return ExitNotFound
	}
	return ExitOK
}

// runShow prints one job's timeline.
func runShow(ctx context.Context, r *Redriver, cmd Command, stdout, stderr io.Writer) int {
	job, err := r.Job(ctx, cmd.JobID)
	if err != nil {
		fmt.Fprintf(stderr, "dlqredrive: show: %v\n", err)
		if errors.Is(err, jobs.ErrNotFound) {
			return ExitNotFound
		}
		return ExitError
	}
	if cmd.JSON {
		writeJSON(stdout, r.Timeline(job))
	} else {
		writeTimeline(stdout, r.Timeline(job))
	}
	return ExitOK
}

// Command is one request to dlqredrive, from the command line or a Lambda
// payload: {"action":"list","max":N}, {"action":"redrive","jobId":...,
// "jobIds":[...],"jobType":...,"max":N,"dryRun":true,"reason":...} or
// {"action":"show","jobId":...}.
type Command struct {
	Action string `json:"action"`
	Options
	JSON bool `json:"-"`
}

// parseCommand reads the command line. A --help anywhere is a
// *helpRequest with the text to print.
func parseCommand(args []string) (Command, error) {
	if len(args) == 0 {
		return Command{}, fmt.Errorf("%w: missing command (list, redrive or show)", errUsage)
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		return Command{}, &helpRequest{text: Usage()}
	}
	i := slices.IndexFunc(subcommands, func(sc subcommand) bool { return sc.name == args[0] })
	if i < 0 {
		return Command{}, fmt.Errorf("%w: unknown command %q (want list, redrive or show)", errUsage, args[0])
	}
	sc := subcommands[i]
	cmd := Command{Action: sc.name}
	fs := flag.NewFlagSet("dlqredrive "+sc.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sc.flags(fs, &cmd)
	fs.BoolVar(&cmd.JSON, "json", false, "print JSON instead of a table")
	positional, err := parseFlags(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return Command{}, &helpRequest{text: subcommandHelp(sc, fs)}
	}
	if err != nil {
		return Command{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	if err := cmd.takeArguments(positional); err != nil {
		return Command{}, err
	}
	if err := cmd.Validate(); err != nil {
		return Command{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	return cmd, nil
}

// parseFlags parses flags that may come before or after the positional
// arguments, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// takeArguments takes show's JOB_ID; the other commands take none.
func (c *Command) takeArguments(positional []string) error {
	switch {
	case c.Action == ActionShow && len(positional) == 1:
		c.JobID = positional[0]
	case c.Action == ActionShow:
		return fmt.Errorf("%w: show takes one JOB_ID", errUsage)
	case len(positional) > 0:
		return fmt.Errorf("%w: unexpected argument %q", errUsage, positional[0])
	}
	return nil
}

// subcommandHelp is a command's --help: what it does, and its flags with
// their defaults.
func subcommandHelp(sc subcommand, fs *flag.FlagSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: dlqredrive %s %s\n\n%s\n\nflags:\n", sc.name, sc.args, sc.summary)
	fs.SetOutput(&b)
	fs.PrintDefaults()
	return b.String()
}

// Validate rejects a command that cannot run.
func (c Command) Validate() error {
	switch c.Action {
	case ActionList, ActionRedrive, ActionShow:
	default:
		return fmt.Errorf("unknown action %q (want list, redrive or show)", c.Action)
	}
	if c.Max < 0 {
		return fmt.Errorf("--max must be 0 or more, got %d", c.Max)
	}
	selects := c.JobID != "" || len(c.JobIDs) > 0 || c.JobType != "" || c.DryRun
	switch {
	case c.Action == ActionList && selects:
		return errors.New("list takes no jobId, jobIds, jobType or dryRun")
	case c.Action == ActionShow && (c.JobID == "" || len(c.JobIDs) > 0 || c.JobType != "" || c.DryRun || c.Max != 0):
		return errors.New("show takes a jobId only")
	}
	for _, id := range append([]string{c.JobID, c.JobType}, c.JobIDs...) {
		if strings.TrimSpace(id) != id {
			return errors.New("job IDs and jobType must not have surrounding spaces")
		}
	}
	return c.Options.Validate()
}

// LambdaResponse is the dlqredrive Lambda's answer.
type LambdaResponse struct {
	Entries []Entry   `json:"entries,omitempty"`
	Result  *Result   `json:"result,omitempty"`
	Job     *Timeline `json:"job,omitempty"`
}

// Handle serves one Lambda invocation. A bad payload is an error (the
// invoke fails with its message).
func (r *Redriver) Handle(ctx context.Context, cmd Command) (LambdaResponse, error) {
	if err := cmd.Validate(); err != nil {
		return LambdaResponse{}, fmt.Errorf("invalid payload: %w", err)
	}
	switch cmd.Action {
	case ActionList:
		entries, err := r.List(ctx, cmd.Max)
		if err != nil {
			return LambdaResponse{}, fmt.Errorf("list dead-letter queue: %w", err)
		}
		return LambdaResponse{Entries: nonNil(entries)}, nil
	case ActionShow:
		job, err := r.Job(ctx, cmd.JobID)
		if err != nil {
			return LambdaResponse{}, err
		}
		t := r.Timeline(job)
		return LambdaResponse{Job: &t}, nil
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
	fmt.Fprintln(tw, "JOB ID\tTYPE\tOWNER\tSTATUS\tATTEMPTS\tFAILED AT\tAGE\tERROR")
	for _, e := range entries {
		errText := e.Error
		if e.Problem != "" {
			errText = "(" + e.Problem + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\n", orDash(e.JobID), orDash(e.JobType), orDash(e.Owner), orDash(string(e.Status)),
			e.Attempt, e.MaxAttempts, stamp(e.UpdatedAt), time.Duration(e.AgeSeconds)*time.Second, oneLine(errText, 80))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d dead-lettered message(s)\n", len(entries))
}

func writeResult(w io.Writer, res Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB ID\tTYPE\tACTION\tDETAIL")
	for _, it := range res.Items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", orDash(it.JobID), orDash(it.JobType), strings.ReplaceAll(string(it.Action), "-", " "), orDash(it.Detail))
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
