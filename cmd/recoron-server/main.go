// Command recoron-server runs the ReCoron HTTP cron service: it serves the
// REST API under /api, fires jobs on their schedules and calls their URLs.
//
// Usage:
//
//	recoron-server [flags]                      serve
//	recoron-server next [flags] EXPR            print the next fire times
//	recoron-server users COMMAND [flags]        manage users
//
// Run "recoron-server -h" for the flags. Each flag has an environment
// variable, which the flag overrides.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/recoron/recoron/scheduler"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run starts the command that args[0] names, or serve when args is empty
// or starts with a flag, and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return runServe(nil, stdout, stderr)
	}
	switch args[0] {
	case "next":
		return runNext(args[1:], stdout, stderr)
	case "users":
		return runUsers(args[1:], stdout, stderr)
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "help":
		fmt.Fprintln(stdout, usage)
		return 0
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "recoron-server", scheduler.Version)
		return 0
	}
	// Flags without a command, such as --addr or -h, belong to serve.
	if strings.HasPrefix(args[0], "-") {
		return runServe(args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "recoron-server: unknown command %q\n\n%s\n", args[0], usage)
	return 2
}

// printUsage writes header and the flags of fs to w. The commands call it
// with stdout when help is requested and with stderr after a usage error.
func printUsage(w io.Writer, fs *flag.FlagSet, header string) {
	fmt.Fprintln(w, header)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

const usage = `recoron-server runs the ReCoron HTTP cron service.

Commands:
  recoron-server [serve] [flags]           serve the API and fire jobs
  recoron-server next [flags] EXPR         print the next fire times of a cron expression
  recoron-server users COMMAND [flags]     create, list and update users (run "users -h" for help)
  recoron-server version                   print the version
  recoron-server help                      print this help

Run a command with -h to list its flags.`
