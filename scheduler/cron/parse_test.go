package cron

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCompileAccepts(t *testing.T) {
	t.Parallel()

	tests := []string{
		"* * * * *",
		"* * * * * *",
		"  0   9 *\t* *  ",
		"0 0 1,15 * *",
		"0-59/15 * * * *",
		"5/15 * * * *",
		"*/90 * * * *",
		"0 0 */40 * *",
		"0 0 1 */100000000000000000000 *",
		"00 09 01 01 00",
		"0 0 * JAN-mar,Dec *",
		"0 0 * * mon-FRI",
		"0 0 * * SAT-SUN",
		"0 0 * * 5-7",
		"0 0 * * 0-7",
		"0 0 * * 7",
		"0 0 * * 7/2",
		"0 0 ? * MON",
		"0 0 1 * ?",
		"0 0 ? * ?",
		"0 0 L * *",
		"0 0 l * *",
		"0 0 L-3 * *",
		"0 0 L-30 * *",
		"0 0 LW * *",
		"0 0 15W * *",
		"0 0 1w,L * *",
		"0 0 * * 5L",
		"0 0 * * friL",
		"0 0 * * 7L",
		"0 0 * * 1#1",
		"0 0 * * MON#5",
		"0 0 * * 1#2,5L,3",
		"0 0 29 2 *",
		"0 0 29 2 1",
		"0 0 31 4,5 *",
		"0 0 30 2 1",
		"0 0 L-28 2 *",
		"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
		"@Daily",
		"@every 1s",
		"@every 1h30m",
		"@every 1.5s",
		"CRON_TZ=Europe/Berlin 0 9 * * *",
		"TZ=America/New_York @daily",
		"CRON_TZ=UTC @every 10m",
	}

	for _, expr := range tests {
		t.Run(expr, func(t *testing.T) {
			t.Parallel()

			s, err := Compile(expr, Options{})
			if err != nil {
				t.Fatalf("Compile(%q) error: %v", expr, err)
			}
			if s.String() != expr {
				t.Errorf("String() = %q, want %q", s.String(), expr)
			}
			if next := s.Next(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); next.IsZero() {
				t.Errorf("Next of %q is zero", expr)
			}
		})
	}
}

func TestCompileRejects(t *testing.T) {
	t.Parallel()

	tests := []struct {
		expr     string
		sentinel error
		field    string
		value    string
	}{
		{"", ErrSyntax, "expression", ""},
		{"   ", ErrSyntax, "expression", "   "},
		{"* * * *", ErrSyntax, "expression", "* * * *"},
		{"* * * * * * *", ErrSyntax, "expression", "* * * * * * *"},
		{"60 * * * *", ErrOutOfRange, "minute", "60"},
		{"* 24 * * *", ErrOutOfRange, "hour", "24"},
		{"0 0 0 * *", ErrOutOfRange, "day-of-month", "0"},
		{"0 0 32 * *", ErrOutOfRange, "day-of-month", "32"},
		{"0 0 1 13 *", ErrOutOfRange, "month", "13"},
		{"0 0 1 0 *", ErrOutOfRange, "month", "0"},
		{"0 0 * * 8", ErrOutOfRange, "day-of-week", "8"},
		{"60 * * * * *", ErrOutOfRange, "second", "60"},
		{"0 0 60/5 * *", ErrOutOfRange, "day-of-month", "60/5"},
		{"0 0 1-99999 * *", ErrOutOfRange, "day-of-month", "1-99999"},
		{"*/0 * * * *", ErrZeroStep, "minute", "*/0"},
		{"0/0 */1 * * *", ErrZeroStep, "minute", "0/0"},
		{"0 1-5/0 * * *", ErrZeroStep, "hour", "1-5/0"},
		{"5 22-5 * * *", ErrReversedRange, "hour", "22-5"},
		{"* 17-2/3 * * *", ErrReversedRange, "hour", "17-2/3"},
		{"0 0 * NOV-FEB *", ErrReversedRange, "month", "NOV-FEB"},
		{"0 0 * * FRI-MON", ErrReversedRange, "day-of-week", "FRI-MON"},
		{"0 0 * * 7-1", ErrReversedRange, "day-of-week", "7-1"},
		{"0 0 30 2 *", ErrNeverFires, "day-of-month", "30"},
		{"0 0 30 02 *", ErrNeverFires, "day-of-month", "30"},
		{"0 0 31 4 *", ErrNeverFires, "day-of-month", "31"},
		{"0 0 31 4,6,9,11 *", ErrNeverFires, "day-of-month", "31"},
		{"0 0 30,31 2 *", ErrNeverFires, "day-of-month", "30,31"},
		{"0 0 31W 2 *", ErrNeverFires, "day-of-month", "31W"},
		{"0 0 L-30 2 *", ErrNeverFires, "day-of-month", "L-30"},
		{"0 0 30 2 */7", ErrNeverFires, "day-of-month", "30"},
		{"1,,2 * * * *", ErrSyntax, "minute", "1,,2"},
		{",1 * * * *", ErrSyntax, "minute", ",1"},
		{"1, * * * *", ErrSyntax, "minute", "1,"},
		{"x * * * *", ErrSyntax, "minute", "x"},
		{"-5 * * * *", ErrSyntax, "minute", "-5"},
		{"5- * * * *", ErrSyntax, "minute", "5-"},
		{"1-2-3 * * * *", ErrSyntax, "minute", "1-2-3"},
		{"*/ * * * *", ErrSyntax, "minute", "*/"},
		{"*/x * * * *", ErrSyntax, "minute", "*/x"},
		{"*/-1 * * * *", ErrSyntax, "minute", "*/-1"},
		{"1/2/3 * * * *", ErrSyntax, "minute", "1/2/3"},
		{"*-5 * * * *", ErrSyntax, "minute", "*-5"},
		{"? * * * *", ErrSyntax, "minute", "?"},
		{"JAN * * * *", ErrSyntax, "minute", "JAN"},
		{"0 0 * * JAN", ErrSyntax, "day-of-week", "JAN"},
		{"0 0 * MON *", ErrSyntax, "month", "MON"},
		{"0 0 * JANUARY *", ErrSyntax, "month", "JANUARY"},
		{"0 0 ?,1 * *", ErrSyntax, "day-of-month", "?"},
		{"0 0 * * ?,1", ErrSyntax, "day-of-week", "?"},
		{"0 0 L/2 * *", ErrSyntax, "day-of-month", "L/2"},
		{"0 0 W * *", ErrSyntax, "day-of-month", "W"},
		{"0 0 1-5W * *", ErrSyntax, "day-of-month", "1-5W"},
		{"0 0 L- * *", ErrSyntax, "day-of-month", "L-"},
		{"0 0 L-31 * *", ErrOutOfRange, "day-of-month", "L-31"},
		{"0 0 32W * *", ErrOutOfRange, "day-of-month", "32W"},
		{"0 0 0W * *", ErrOutOfRange, "day-of-month", "0W"},
		{"0 0 * * L", ErrSyntax, "day-of-week", "L"},
		{"0 0 * * 8L", ErrOutOfRange, "day-of-week", "8L"},
		{"0 0 * * 1-5L", ErrSyntax, "day-of-week", "1-5L"},
		{"0 0 * * 1#6", ErrOutOfRange, "day-of-week", "1#6"},
		{"0 0 * * 1#0", ErrOutOfRange, "day-of-week", "1#0"},
		{"0 0 * * 1#", ErrSyntax, "day-of-week", "1#"},
		{"0 0 * * #2", ErrSyntax, "day-of-week", "#2"},
		{"0 0 * * 8#2", ErrOutOfRange, "day-of-week", "8#2"},
		{"@reboot", ErrSyntax, "descriptor", "@reboot"},
		{"@daily 5", ErrSyntax, "descriptor", "@daily 5"},
		{"@every", ErrSyntax, "@every", ""},
		{"@every 1h 2h", ErrSyntax, "@every", "1h 2h"},
		{"@every soon", ErrSyntax, "@every", "soon"},
		{"@every 500ms", ErrEveryTooShort, "@every", "500ms"},
		{"@every 0s", ErrEveryTooShort, "@every", "0s"},
		{"@every -1h", ErrEveryTooShort, "@every", "-1h"},
		{"CRON_TZ=Mars/Olympus 0 9 * * *", ErrUnknownZone, "time zone", "Mars/Olympus"},
		{"CRON_TZ= 0 9 * * *", ErrUnknownZone, "time zone", ""},
		{"TZ=Local 0 9 * * *", ErrUnknownZone, "time zone", "Local"},
		{"CRON_TZ=../../etc/passwd 0 9 * * *", ErrUnknownZone, "time zone", "../../etc/passwd"},
		{"CRON_TZ=UTC", ErrSyntax, "expression", ""},
	}

	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()

			s, err := Compile(tt.expr, Options{})
			if err == nil {
				t.Fatalf("Compile(%q) = %v, want error", tt.expr, s)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("Compile(%q) error %v, want errors.Is %v", tt.expr, err, tt.sentinel)
			}

			var cronErr *Error
			if !errors.As(err, &cronErr) {
				t.Fatalf("Compile(%q) error type %T, want *Error", tt.expr, err)
			}
			if cronErr.Field != tt.field {
				t.Errorf("Compile(%q) Field = %q, want %q", tt.expr, cronErr.Field, tt.field)
			}
			if cronErr.Value != tt.value {
				t.Errorf("Compile(%q) Value = %q, want %q", tt.expr, cronErr.Value, tt.value)
			}

			message := err.Error()
			if tt.field != "expression" && !strings.Contains(message, tt.field) {
				t.Errorf("message %q does not name the field %q", message, tt.field)
			}
			if strings.TrimSpace(tt.value) != "" && !strings.Contains(message, tt.value) {
				t.Errorf("message %q does not name the value %q", message, tt.value)
			}
			if message != strings.ToLower(message[:1])+message[1:] {
				t.Errorf("message %q starts with a capital letter", message)
			}
		})
	}
}

func TestCompileErrorSuggestsFix(t *testing.T) {
	t.Parallel()

	tests := []struct {
		expr string
		want string
	}{
		{"5 22-5 * * *", "hour range 22-5 is reversed; write 22-23,0-5 instead"},
		{"* 17-2/3 * * *", "hour range 17-2/3 is reversed; write 17-23/3,2 instead"},
		{"0 23-0 * * *", "hour range 23-0 is reversed; write 23,0 instead"},
		{"50-10/15 * * * *", "minute range 50-10/15 is reversed; write 50,5 instead"},
		{"0 0 25-5 * *", "day-of-month range 25-5 is reversed; write 25-31,1-5 instead"},
		{"0 0 * NOV-FEB *", "month range NOV-FEB is reversed; write 11-12,1-2 instead"},
		{"0 0 * * FRI-MON", "day-of-week range FRI-MON is reversed; write 5-6,0-1 instead"},
		{"0 0 * * 7-1", "day-of-week range 7-1 is reversed; write 0-1 instead"},
		{"60 * * * *", "minute value 60 is out of range; use a number from 0 to 59"},
		{"0 0 * 13 *", "month value 13 is out of range; use a number from 1 to 12 or a name from JAN to DEC"},
		{"*/0 * * * *", "minute step in */0 is zero; use a step of 1 or more"},
		{"0 0 30 2 *", "day-of-month 30 never occurs in month 2, so the schedule never fires; pick days that exist in those months"},
		{"@every 100ms", "@every duration 100ms is shorter than 1s; use a duration of at least 1s"},
	}

	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()

			_, err := Compile(tt.expr, Options{})
			if err == nil || err.Error() != tt.want {
				t.Errorf("Compile(%q) error = %v, want %q", tt.expr, err, tt.want)
			}
		})
	}
}

func TestCompileZones(t *testing.T) {
	t.Parallel()

	berlin := loadLocation(t, "Europe/Berlin")
	tests := []struct {
		name string
		expr string
		opts Options
		want string
	}{
		{"nil location is UTC", "0 9 * * *", Options{}, "UTC"},
		{"option location", "0 9 * * *", Options{Location: berlin}, "Europe/Berlin"},
		{"prefix overrides option", "CRON_TZ=Asia/Tokyo 0 9 * * *", Options{Location: berlin}, "Asia/Tokyo"},
		{"short prefix", "TZ=America/New_York 0 9 * * *", Options{}, "America/New_York"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s, err := Compile(tt.expr, tt.opts)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.expr, err)
			}
			if got := s.Location().String(); got != tt.want {
				t.Errorf("Location() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMustCompilePanics(t *testing.T) {
	t.Parallel()

	defer func() {
		if recover() == nil {
			t.Error("MustCompile of an invalid expression did not panic")
		}
	}()
	MustCompile("61 * * * *", Options{})
}

func TestErrorWithoutReason(t *testing.T) {
	t.Parallel()

	err := &Error{Field: "minute", Value: "x", Err: ErrSyntax}
	want := `minute value "x" is invalid: cron: invalid syntax`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if !errors.Is(err, ErrSyntax) {
		t.Error("errors.Is(err, ErrSyntax) = false, want true")
	}
}

// TestCanFireMatchesCalendarScan checks the month-shape shortcut of
// canFire against a scan of every month in a 400-year cycle.
func TestCanFireMatchesCalendarScan(t *testing.T) {
	t.Parallel()

	// Expressions whose fields are valid, some of which never fire.
	dayFields := []string{"29", "30", "31", "L-28", "L-29", "L-30", "29W", "30W", "31W", "31", "1-28", "LW", "?"}
	weekdayFields := []string{"*", "*/7", "5#5", "1"}
	monthFields := []string{"2", "4,6", "*", "2,4"}

	for _, days := range dayFields {
		for _, weekdays := range weekdayFields {
			for _, months := range monthFields {
				expr := "0 0 " + days + " " + months + " " + weekdays
				_, err := Compile(expr, Options{})
				scanned := firesInCycle(t, days, months, weekdays)
				if (err == nil) != scanned {
					t.Errorf("Compile(%q) error %v, but a 400-year scan finds fire days: %v", expr, err, scanned)
				}
			}
		}
	}
}

// firesInCycle reports whether the oracle matches any day from 2000 to 2399.
func firesInCycle(t *testing.T, days, months, weekdays string) bool {
	o, err := newOracle("0 0 "+days+" "+months+" "+weekdays, Options{})
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}

	for year := 2000; year < 2400; year++ {
		for month := time.January; month <= time.December; month++ {
			if !o.months[month] {
				continue
			}
			last := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
			for day := 1; day <= last; day++ {
				if o.matches(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix()) {
					return true
				}
			}
		}
	}

	return false
}
