package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/service"
)

const usersUsage = `Usage:
  recoron-server users create --db DSN --name NAME [--plan PLAN]
  recoron-server users create-key --db DSN --user USER_ID [--name NAME] [--scopes S1,S2,...] [--expires RFC3339]
  recoron-server users list --db DSN
  recoron-server users set-plan --db DSN --id USER_ID --plan PLAN
  recoron-server users mark-paid --db DSN --id USER_ID --month YYYY-MM [--unpaid]

create      creates a user (plan free by default) with a key holding every
            scope, and prints the key's token on the last line.
create-key  creates an API key for a user and prints its token on the last
            line. The key holds every scope unless --scopes lists some of
            read:jobs, write:jobs, read:keys, write:keys, read:usage, and
            never expires unless --expires sets a time. --name defaults to
            admin. The user's plan limit on keys applies.
list        lists every user.
set-plan    moves a user to another plan.
mark-paid   marks a month (UTC) of a user as paid, or as unpaid with
            --unpaid. The month must lie between the month the user was
            created and the current month.

Names are 1 to 200 bytes long after trimming spaces. Each command also takes
--plans FILE (env RECORON_PLANS) and --db-schema SCHEMA (env
RECORON_DB_SCHEMA). --db defaults to RECORON_DB. The commands work while the
server runs on the same database; memory is not accepted.`

// usersHelpHint ends the errors of bad arguments.
const usersHelpHint = `run "recoron-server users -h" for the usage`

// usersFlags lists, for each users command, the flags it takes besides
// db, db-schema and plans.
var usersFlags = map[string][]string{
	"create":     {"name", "plan"},
	"create-key": {"user", "name", "scopes", "expires"},
	"list":       {},
	"set-plan":   {"id", "plan"},
	"mark-paid":  {"id", "month", "unpaid"},
}

// defaultKeyName names the keys that create-key makes without --name.
const defaultKeyName = "admin"

// runUsers implements the users admin commands and returns the exit code.
func runUsers(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usersUsage)
		return 2
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usersUsage)
		return 0
	}
	allowed, ok := usersFlags[sub]
	if !ok {
		fmt.Fprintf(stderr, "recoron-server users: unknown command %q\n%s\n", sub, usersUsage)
		return 2
	}

	fs := flag.NewFlagSet("recoron-server users "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // the usage goes to stdout for -h and to stderr after an error, below
	db := fs.String("db", envOr("RECORON_DB", defaultDB), "database DSN: sqlite:PATH or postgres://USER@HOST:PORT/DB (env RECORON_DB)")
	schema := fs.String("db-schema", envOr("RECORON_DB_SCHEMA", ""), "PostgreSQL schema (env RECORON_DB_SCHEMA)")
	plansFile := fs.String("plans", envOr("RECORON_PLANS", ""), "JSON plans file replacing the built-in plans (env RECORON_PLANS)")
	name := fs.String("name", "", "user name (create) or key name (create-key, default "+defaultKeyName+")")
	plan := fs.String("plan", "", "plan name (create, set-plan)")
	id := fs.String("id", "", "user id (set-plan, mark-paid)")
	user := fs.String("user", "", "id of the user who gets the key (create-key)")
	scopes := fs.String("scopes", "", "comma-separated scopes of the key; default every scope (create-key)")
	expires := fs.String("expires", "", "RFC 3339 time when the key expires; default never (create-key)")
	month := fs.String("month", "", "month as YYYY-MM in UTC (mark-paid)")
	unpaid := fs.Bool("unpaid", false, "mark the month unpaid instead of paid (mark-paid)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, fs, usersUsage+"\n\nFlags:")
			return 0
		}
		printUsage(stderr, fs, usersUsage+"\n\nFlags:")
		return 2
	}
	set, err := checkUsersArgs(fs, sub, allowed)
	if err != nil {
		fmt.Fprintf(stderr, "recoron-server users %s: %v\n", sub, err)
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
		err = usersCreate(ctx, svc, *name, *plan, stdout, stderr)
	case "create-key":
		keyName := *name
		if !set["name"] {
			keyName = defaultKeyName
		}
		var keyScopes []string // nil selects every scope
		if set["scopes"] {
			keyScopes = splitScopes(*scopes)
		}
		err = usersCreateKey(ctx, svc, *user, keyName, keyScopes, *expires, stdout)
	case "list":
		err = usersList(ctx, svc, stdout)
	case "set-plan":
		err = usersSetPlan(ctx, svc, *id, *plan, stdout)
	case "mark-paid":
		err = usersMarkPaid(ctx, svc, *id, *month, !*unpaid, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "recoron-server users "+sub+":", err)
		return 1
	}
	return 0
}

// checkUsersArgs rejects positional arguments and flags that the command
// sub does not take, and returns the names of the flags that were set.
func checkUsersArgs(fs *flag.FlagSet, sub string, allowed []string) (map[string]bool, error) {
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q; %s", fs.Arg(0), usersHelpHint)
	}
	set := map[string]bool{}
	var foreign []string
	fs.Visit(func(f *flag.Flag) {
		set[f.Name] = true
		switch f.Name {
		case "db", "db-schema", "plans":
			return
		}
		if !slices.Contains(allowed, f.Name) {
			foreign = append(foreign, "--"+f.Name)
		}
	})
	if len(foreign) > 0 {
		return nil, fmt.Errorf("users %s does not take %s; %s", sub, strings.Join(foreign, ", "), usersHelpHint)
	}
	return set, nil
}

// flagNames maps the fields of service validation errors to the flags that
// set them.
var flagNames = map[string]string{"name": "--name", "scopes": "--scopes", "expiresAt": "--expires", "month": "--month"}

// apiFieldToFlag replaces the API field name field in a service message
// with flagName, so that messages about expiresAt name --expires. It
// leaves the message as it is when the two names match apart from the
// dashes, because "name is required" reads better than "--name is
// required" after the prefix "invalid --name: ".
func apiFieldToFlag(message, field, flagName string) string {
	if "--"+field == flagName {
		return message
	}
	return strings.ReplaceAll(message, field, flagName)
}

// adminError rewrites service errors in terms of the command line: field
// errors name their flag, and a plan limit explains how to make room.
func adminError(err error, userID string) error {
	var (
		verr *service.ValidationError
		lerr *service.LimitError
	)
	switch {
	case errors.As(err, &verr):
		lines := make([]string, len(verr.Fields))
		for i, f := range verr.Fields {
			field, _, _ := strings.Cut(f.Field, "[")
			flagName, ok := flagNames[field]
			if !ok {
				flagName = f.Field
			}
			lines[i] = "invalid " + flagName + ": " + apiFieldToFlag(f.Message, field, flagName)
		}
		return errors.New(strings.Join(lines, "\n"))
	case errors.As(err, &lerr) && lerr.Limit == service.LimitAPIKeys:
		return fmt.Errorf("user %s has reached the limit of %d API keys of plan %s; "+
			"delete one of the user's keys (DELETE /api/keys/{id}) or move the user to a plan with more keys (recoron-server users set-plan)",
			userID, lerr.Value, lerr.Plan)
	case errors.Is(err, service.ErrNotFound):
		return fmt.Errorf("user %s not found; run \"recoron-server users list\" for the user ids", userID)
	}
	return err
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
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		if err := checkSQLiteFile(path); err != nil {
			return nil, nil, err
		}
	}
	st, err := openStore(ctx, dsn, schema, slog.New(slog.DiscardHandler), true)
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

// checkSQLiteFile returns an error unless path, the part of a DSN after
// "sqlite:", names an existing file, so that an admin command never
// creates a database by mistake, such as after a typo in the path.
func checkSQLiteFile(path string) error {
	if path == ":memory:" {
		return nil
	}
	path = strings.TrimPrefix(path, "//")
	if path == "" {
		return errors.New(`--db has no file path after "sqlite:"; name the server's database file, such as --db sqlite:recoron.db or --db sqlite:/var/lib/recoron/recoron.db`)
	}
	_, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("database file %q not found; fix --db, or start the server on the file first, which creates the database", path)
	}
	if err != nil {
		return fmt.Errorf("failed to check database file %q: %w; fix --db or the file's permissions", path, err)
	}
	return nil
}

// usersCreate creates a user with a first key and prints the token on the
// last line of stdout. It warns on stderr when other users have the same
// name, which is allowed.
func usersCreate(ctx context.Context, svc *service.Service, name, plan string, stdout, stderr io.Writer) error {
	if name == "" {
		return errors.New("--name is required")
	}
	if plan == "" {
		plan = metering.PlanFree
	}
	namesakes, err := usersNamed(ctx, svc, strings.TrimSpace(name))
	if err != nil {
		return err
	}
	u, key, token, err := svc.CreateUser(ctx, name, plan, "")
	if err != nil {
		return adminError(err, "")
	}
	if len(namesakes) > 0 {
		users := "user"
		if len(namesakes) > 1 {
			users = "users"
		}
		fmt.Fprintf(stderr, "recoron-server users create: warning: the name %q is already used by %s %s; "+
			"names need not be unique, so tell the users apart by id (recoron-server users list)\n",
			u.Name, users, strings.Join(namesakes, ", "))
	}
	fmt.Fprintf(stdout, "user %s (%s) on plan %s, key %s\n", u.ID, u.Name, u.Plan, key.ID)
	fmt.Fprintln(stdout, token)
	return nil
}

// usersNamed returns the ids of the users named name, oldest first.
func usersNamed(ctx context.Context, svc *service.Service, name string) ([]string, error) {
	users, err := svc.Store().ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing users to look for the name %q: %w", name, err)
	}
	var ids []string
	for _, u := range users {
		if u.Name == name {
			ids = append(ids, u.ID)
		}
	}
	return ids, nil
}

// splitScopes splits the comma-separated value of --scopes. An empty value
// returns an empty, non-nil list, which validation rejects.
func splitScopes(value string) []string {
	scopes := []string{}
	if strings.TrimSpace(value) == "" {
		return scopes
	}
	for sc := range strings.SplitSeq(value, ",") {
		scopes = append(scopes, strings.TrimSpace(sc))
	}
	return scopes
}

// usersCreateKey creates a key for a user. Nil scopes select every scope.
func usersCreateKey(ctx context.Context, svc *service.Service, userID, name string, scopes []string, expires string, stdout io.Writer) error {
	if userID == "" {
		return errors.New("--user is required")
	}
	in := service.KeyInput{Name: name, Scopes: scopes}
	if scopes == nil {
		in.Scopes = service.AllScopes
	}
	if expires != "" {
		t, err := time.Parse(time.RFC3339, expires)
		if err != nil {
			return fmt.Errorf("invalid --expires %q; use an RFC 3339 time such as 2026-12-31T00:00:00Z", expires)
		}
		if !t.After(time.Now()) {
			return fmt.Errorf("invalid --expires %q: the time is not in the future; use a later time, or leave out --expires for a key that never expires", expires)
		}
		in.ExpiresAt = t
	}

	key, token, err := svc.CreateUserKey(ctx, userID, in)
	if err != nil {
		return adminError(err, userID)
	}
	expiry := "never expires"
	if !key.ExpiresAt.IsZero() {
		expiry = "expires at " + key.ExpiresAt.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(stdout, "key %s (%s) of user %s with scopes %s, %s\n", key.ID, key.Name, key.UserID,
		strings.Join(key.Scopes, ","), expiry)
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
		return adminError(err, id)
	}
	state := "paid"
	if !paid {
		state = "unpaid"
	}
	fmt.Fprintf(stdout, "user %s: %s marked %s\n", id, month, state)
	return nil
}
