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
	"fmt"
	"os"

	"github.com/recoron/recoron/scheduler"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "next":
			return runNext(args[1:], os.Stdout, os.Stderr)
		case "users":
			return runUsers(args[1:], os.Stdout, os.Stderr)
		case "serve":
			args = args[1:]
		case "help":
			fmt.Fprintln(os.Stdout, usage)
			return 0
		case "version", "--version", "-version":
			fmt.Fprintln(os.Stdout, "recoron-server", scheduler.Version)
			return 0
		}
	}
	return runServe(args, os.Stdout, os.Stderr)
}

const usage = `recoron-server runs the ReCoron HTTP cron service.

Commands:
  recoron-server [serve] [flags]           serve the API and fire jobs
  recoron-server next [flags] EXPR         print the next fire times of a cron expression
  recoron-server users COMMAND [flags]     create, list and update users (run "users" for help)
  recoron-server version                   print the version

Run a command with -h to list its flags.`
