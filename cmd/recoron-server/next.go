package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // lets --timezone and CRON_TZ= work on hosts without a zone database

	"github.com/recoron/recoron/scheduler/cron"
	"github.com/recoron/recoron/service"
)

// Exit codes of the next command.
const (
	nextExitOK                = 0
	nextExitInvalidExpression = 1 // the expression, or its CRON_TZ= zone, is invalid
	nextExitUsage             = 2 // a flag is invalid or EXPR is missing
)

// maxNextCount is the largest --count that the next command accepts.
const maxNextCount = 10000

const nextUsage = `Usage: recoron-server next [--timezone ZONE] [--after RFC3339] [--count N] EXPR

Prints the next fire times of the cron expression EXPR, one RFC 3339 time per
line in the schedule's zone. Quote EXPR, as in

  recoron-server next '0 9 * * MON-FRI'

because the shell expands an unquoted * into the names of the files in the
current directory. Arguments after the flags are joined with spaces into
EXPR. Flags may come before or after EXPR.

Exit status: 0 on success, 1 for an invalid expression, 2 for invalid flags
or a missing EXPR.

Flags:`

// nextOptions contains the parsed arguments of the next command.
type nextOptions struct {
	expr     string
	location *time.Location
	after    time.Time
	count    int
}

// runNext runs "recoron-server next" and returns its exit status. It prints
// the fire times to stdout and any error to stderr.
func runNext(args []string, stdout, stderr io.Writer) int {
	opts, err := parseNextArgs(args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nextExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "recoron-server next: %v\n", err)
		return nextExitUsage
	}

	schedule, err := cron.Compile(opts.expr, cron.Options{Location: opts.location, Anchor: opts.after})
	if err != nil {
		fmt.Fprintf(stderr, "recoron-server next: invalid expression %q: %v\n", opts.expr, err)
		if hint := unquotedGlobHint(opts.expr); hint != "" {
			fmt.Fprintf(stderr, "recoron-server next: %s\n", hint)
		}
		return nextExitInvalidExpression
	}
	if _, err := service.ScheduleZone(opts.location.String(), schedule); err != nil {
		var verr *service.ValidationError
		if errors.As(err, &verr) && len(verr.Fields) > 0 {
			err = errors.New(verr.Fields[0].Message)
		}
		fmt.Fprintf(stderr, "recoron-server next: --%v\n", err)
		return nextExitUsage
	}

	// Stop early, without an error, when the schedule has no more fire
	// times in the range that Next supports.
	t := opts.after
	for range opts.count {
		t = schedule.Next(t)
		if t.IsZero() {
			break
		}
		fmt.Fprintln(stdout, t.Format(time.RFC3339Nano))
	}

	return nextExitOK
}

// parseNextArgs parses the flags and EXPR. It returns flag.ErrHelp after
// printing the usage to stdout for -h, and an error that names the bad
// value otherwise.
func parseNextArgs(args []string, stdout, stderr io.Writer) (*nextOptions, error) {
	fs := flag.NewFlagSet("recoron-server next", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // the usage goes to stdout for -h and to stderr after an error, below
	zone := fs.String("timezone", "UTC", "IANA `zone` that the fields are read in; a CRON_TZ= or TZ= prefix in EXPR must name the same zone unless ZONE is UTC")
	after := fs.String("after", "", "RFC 3339 `time` to list fire times after, and the start of @every schedules (default now, truncated to the second)")
	count := fs.Int("count", 5, "`number` of fire times to print, from 1 to 10000")

	fields, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout, fs, nextUsage)
		return nil, err
	}
	if err != nil {
		printUsage(stderr, fs, nextUsage)
		return nil, fmt.Errorf("invalid arguments: %w", err)
	}

	// Whole seconds keep the default output free of the clock's fraction
	// of a second, which @every schedules would otherwise carry.
	opts := &nextOptions{expr: strings.Join(fields, " "), count: *count, after: time.Now().Truncate(time.Second)}
	if strings.TrimSpace(opts.expr) == "" {
		return nil, errors.New("missing EXPR; run recoron-server next -h for the usage")
	}
	if opts.count < 1 || opts.count > maxNextCount {
		return nil, fmt.Errorf("invalid --count %d; use a whole number from 1 to %d", opts.count, maxNextCount)
	}

	if opts.location, err = time.LoadLocation(*zone); err != nil {
		return nil, fmt.Errorf("invalid --timezone %q; use an IANA zone such as Europe/Berlin: %w", *zone, err)
	}

	if *after != "" {
		if opts.after, err = parseAfter(*after); err != nil {
			return nil, err
		}
	}

	return opts, nil
}

// parseAfter parses the value of --after. Its errors name the value and
// show a valid one in place of the layout strings of package time.
func parseAfter(value string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, value)
	if err == nil {
		return t, nil
	}
	// A ParseError has a Message, such as ": month out of range", only
	// when the value has the right layout but an invalid field.
	var parseErr *time.ParseError
	if errors.As(err, &parseErr) && parseErr.Message != "" {
		return time.Time{}, fmt.Errorf("invalid --after %q%s", value, parseErr.Message)
	}
	if _, err := time.Parse(time.DateOnly, value); err == nil {
		return time.Time{}, fmt.Errorf("invalid --after %q: a date needs a time of day and a zone, such as %sT00:00:00Z", value, value)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.999999999", value); err == nil {
		return time.Time{}, fmt.Errorf("invalid --after %q: the time has no zone; add Z for UTC or an offset, such as %sZ or %s-08:00", value, value, value)
	}
	return time.Time{}, fmt.Errorf("invalid --after %q: use an RFC 3339 time with a zone, such as 2026-01-01T00:00:00Z or 2026-03-08T01:30:00-08:00", value)
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns the positional arguments. Everything
// after "--" is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}

		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}

		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// maxExprTokens is the largest number of space-separated tokens in a valid
// expression: a CRON_TZ= prefix and 6 fields with seconds.
const maxExprTokens = 7

// unquotedGlobHint returns advice to quote EXPR, or "" when none is due.
// The advice is due when expr has more tokens than any cron expression and
// at least 2 of them name files or directories in the working directory.
// That is what the shell leaves after it replaces an unquoted * with the
// names of the files.
func unquotedGlobHint(expr string) string {
	tokens := strings.Fields(expr)
	if len(tokens) <= maxExprTokens {
		return ""
	}
	var files []string
	for _, token := range tokens {
		if _, err := os.Lstat(token); err == nil {
			files = append(files, token)
		}
	}
	if len(files) < 2 {
		return ""
	}

	var examples []string
	for _, file := range files {
		if len(examples) < 2 && !slices.Contains(examples, file) {
			examples = append(examples, file)
		}
	}
	return fmt.Sprintf("EXPR has %d fields, and %d of them name files in the working directory, such as %s. "+
		"The shell expands an unquoted * into file names, so quote the expression, as in recoron-server next '0 9 * * MON-FRI'",
		len(tokens), len(files), strings.Join(examples, " and "))
}
