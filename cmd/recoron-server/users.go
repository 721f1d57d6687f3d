package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/service"
)

const usersUsage = `Usage:
  recoron-server users create --db DSN --name NAME [--plan PLAN]
  recoron-server users list --db DSN
  recoron-server users set-plan --db DSN --id USER_ID --plan PLAN
  recoron-server users mark-paid --db DSN --id USER_ID --month YYYY-MM [--unpaid]

Each command also takes --plans FILE (env RECORON_PLANS). --db defaults to
RECORON_DB. The commands work while the server runs on the same database.`

// runUsers implements the users admin commands and returns the exit code.
func runUsers(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usersUsage)
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("recoron-server users "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", envOr("RECORON_DB", defaultDB), "database DSN (env RECORON_DB)")
	schema := fs.String("db-schema", envOr("RECORON_DB_SCHEMA", ""), "PostgreSQL schema (env RECORON_DB_SCHEMA)")
	plansFile := fs.String("plans", envOr("RECORON_PLANS", ""), "JSON plans file replacing the built-in plans (env RECORON_PLANS)")
	name := fs.String("name", "", "user name (create)")
	plan := fs.String("plan", "", "plan name (create, set-plan)")
	id := fs.String("id", "", "user id (set-plan, mark-paid)")
	month := fs.String("month", "", "month as YYYY-MM in UTC (mark-paid)")
	unpaid := fs.Bool("unpaid", false, "mark the month unpaid instead (mark-paid)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}

	switch sub {
	case "create", "list", "set-plan", "mark-paid":
	default:
		fmt.Fprintf(stderr, "recoron-server users: unknown command %q\n%s\n", sub, usersUsage)
		return 2
	}
	ctx := context.Background()
	svc, closeStore, err := openService(ctx, *db, *schema, *plansFile)
	if err != nil {
		fmt.Fprintln(stderr, "recoron-server users:", err)
		return 1
	}
	defer closeStore()

	switch sub {
	case "create":
		err = usersCreate(ctx, svc, *name, *plan, stdout)
	case "list":
		err = usersList(ctx, svc, stdout)
	case "set-plan":
		err = usersSetPlan(ctx, svc, *id, *plan, stdout)
	case "mark-paid":
		err = usersMarkPaid(ctx, svc, *id, *month, !*unpaid, stdout)
	default:
		fmt.Fprintf(stderr, "recoron-server users: unknown command %q\n%s\n", sub, usersUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "recoron-server users "+sub+":", err)
		return 1
	}
	return 0
}

// openService opens the store and a service that is not started: admin
// commands must not fire jobs.
func openService(ctx context.Context, dsn, schema, plansFile string) (*service.Service, func(), error) {
	plans := metering.DefaultPlans()
	if plansFile != "" {
		var err error
		if plans, err = metering.LoadPlans(plansFile); err != nil {
			return nil, nil, err
		}
	}
	if dsn == "memory" {
		return nil, nil, errors.New("--db memory is private to one process; use the server's sqlite: or postgres:// database")
	}
	// An admin command must not create a database by mistake.
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok && path != ":memory:" {
		path = strings.TrimPrefix(path, "//")
		if _, err := os.Stat(path); err != nil {
			return nil, nil, fmt.Errorf("database file %s not found; start the server on it first or fix --db", path)
		}
	}
	st, err := openStore(ctx, dsn, schema, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, nil, err
	}
	svc, err := service.New(service.Config{Store: st, Plans: plans, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, func() { st.Close() }, nil
}

func usersCreate(ctx context.Context, svc *service.Service, name, plan string, stdout io.Writer) error {
	if name == "" {
		return errors.New("--name is required")
	}
	if plan == "" {
		plan = metering.PlanFree
	}
	u, key, token, err := svc.CreateUser(ctx, name, plan, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s (%s) on plan %s, key %s\n", u.ID, u.Name, u.Plan, key.ID)
	fmt.Fprintln(stdout, token)
	return nil
}

func usersList(ctx context.Context, svc *service.Service, stdout io.Writer) error {
	users, err := svc.Store().ListUsers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPLAN\tCREATED")
	for _, u := range users {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.ID, u.Name, u.Plan, u.CreatedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

func usersSetPlan(ctx context.Context, svc *service.Service, id, plan string, stdout io.Writer) error {
	if id == "" || plan == "" {
		return errors.New("--id and --plan are required")
	}
	u, err := svc.SetPlan(ctx, id, plan)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s is now on plan %s\n", u.ID, u.Plan)
	return nil
}

func usersMarkPaid(ctx context.Context, svc *service.Service, id, month string, paid bool, stdout io.Writer) error {
	if id == "" || month == "" {
		return errors.New("--id and --month are required")
	}
	m, err := time.Parse("2006-01", month)
	if err != nil {
		return fmt.Errorf("invalid --month %q; use YYYY-MM, such as 2026-11", month)
	}
	if err := svc.MarkPaid(ctx, id, m.Year(), m.Month(), paid); err != nil {
		return err
	}
	state := "paid"
	if !paid {
		state = "unpaid"
	}
	fmt.Fprintf(stdout, "user %s: %s marked %s\n", id, month, state)
	return nil
}
