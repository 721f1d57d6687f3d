package cron

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestZonePrefixAnyCase(t *testing.T) {
	t.Parallel()

	after := mustParseTime(t, "2024-01-01T12:00:00Z")
	tests := []struct {
		expr string
		want string // first fire time after the start, in UTC
	}{
		{"CRON_TZ=Asia/Tokyo 0 9 * * *", "2024-01-02T00:00:00Z"},
		{"cron_tz=Asia/Tokyo 0 9 * * *", "2024-01-02T00:00:00Z"},
		{"Cron_Tz=Asia/Tokyo 0 9 * * *", "2024-01-02T00:00:00Z"},
		{"tz=Asia/Tokyo 0 9 * * *", "2024-01-02T00:00:00Z"},
		{"Tz=Asia/Tokyo 30 0 9 * * *", "2024-01-02T00:00:30Z"},
		{"cron_tz=Asia/Tokyo @daily", "2024-01-01T15:00:00Z"},
		{"tz=Asia/Tokyo @DAILY", "2024-01-01T15:00:00Z"},
		{"cron_tz=Asia/Tokyo\t0 9 * * *", "2024-01-02T00:00:00Z"},
	}

	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()

			s, err := Compile(tt.expr, Options{Location: loadLocation(t, "Europe/Berlin")})
			if err != nil {
				t.Fatalf("Compile(%q) error: %v", tt.expr, err)
			}
			if got := s.Location().String(); got != "Asia/Tokyo" {
				t.Errorf("Location() = %s, want Asia/Tokyo", got)
			}
			if s.String() != tt.expr {
				t.Errorf("String() = %q, want %q", s.String(), tt.expr)
			}
			want := mustParseTime(t, tt.want)
			if next := s.Next(after); !next.Equal(want) {
				t.Errorf("Next(%s) = %s, want %s", after.Format(time.RFC3339), next.UTC().Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestZonePrefixEveryAnyCase(t *testing.T) {
	t.Parallel()

	anchor := mustParseTime(t, "2024-01-01T00:00:00Z")
	s, err := Compile("cron_tz=Asia/Tokyo @every 90m", Options{Anchor: anchor})
	if err != nil {
		t.Fatalf("Compile error: %v", err)
	}
	if got := s.Location().String(); got != "Asia/Tokyo" {
		t.Errorf("Location() = %s, want Asia/Tokyo", got)
	}
	if next, want := s.Next(anchor), anchor.Add(90*time.Minute); !next.Equal(want) {
		t.Errorf("Next(anchor) = %s, want %s", next, want)
	}
}

func TestZonePrefixRejects(t *testing.T) {
	t.Parallel()

	tests := []struct {
		expr     string
		sentinel error
		field    string
		value    string
	}{
		{"cron_tz=Mars/Olympus 0 9 * * *", ErrUnknownZone, "time zone", "Mars/Olympus"},
		{"tz=Mars/Olympus @daily", ErrUnknownZone, "time zone", "Mars/Olympus"},
		{"cron_tz= 0 9 * * *", ErrUnknownZone, "time zone", ""},
		{"tz=local 0 9 * * *", ErrUnknownZone, "time zone", "local"},
		{"Tz=Local 0 9 * * *", ErrUnknownZone, "time zone", "Local"},
		{"TIMEZONE=Asia/Tokyo 0 9 * * *", ErrSyntax, "prefix", "TIMEZONE=Asia/Tokyo"},
		{"CRONTZ=Asia/Tokyo 0 9 * * *", ErrSyntax, "prefix", "CRONTZ=Asia/Tokyo"},
		{"=Asia/Tokyo 0 9 * * *", ErrSyntax, "prefix", "=Asia/Tokyo"},
		{"cron_tz=UTC", ErrSyntax, "expression", ""},
		{"cron_tz=UTC tz=UTC 0 9 * * *", ErrSyntax, "second", "tz=UTC"},
	}

	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()

			_, err := Compile(tt.expr, Options{})
			if err == nil {
				t.Fatalf("Compile(%q) succeeded, want an error", tt.expr)
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
			if tt.value != "" && !strings.Contains(err.Error(), tt.value) {
				t.Errorf("message %q does not name the value %q", err.Error(), tt.value)
			}
		})
	}
}

func TestUnknownPrefixMessage(t *testing.T) {
	t.Parallel()

	_, err := Compile("TIMEZONE=Asia/Tokyo 0 9 * * *", Options{})
	want := "prefix TIMEZONE=Asia/Tokyo is unknown; start the expression with CRON_TZ=Zone or TZ=Zone, " +
		"such as CRON_TZ=Europe/Berlin 0 9 * * *"
	if err == nil || err.Error() != want {
		t.Errorf("Compile error = %v, want %q", err, want)
	}
}

func TestZoneCaseHint(t *testing.T) {
	t.Parallel()

	tests := []struct {
		expr string
		name string // the zone name as written
		want string // the spelling that the message suggests
	}{
		{"CRON_TZ=asia/tokyo 0 9 * * *", "asia/tokyo", "Asia/Tokyo"},
		{"cron_tz=AMERICA/NEW_YORK 0 9 * * *", "AMERICA/NEW_YORK", "America/New_York"},
		{"tz=america/port-au-prince @daily", "america/port-au-prince", ""},
		{"TZ=utc @hourly", "utc", "UTC"},
	}

	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()

			if _, err := time.LoadLocation(tt.name); err == nil {
				t.Skipf("the zone files of this host are not case-sensitive, so %s loads", tt.name)
			}

			_, err := Compile(tt.expr, Options{})
			if !errors.Is(err, ErrUnknownZone) {
				t.Fatalf("Compile(%q) error %v, want ErrUnknownZone", tt.expr, err)
			}
			message := err.Error()
			if !strings.Contains(message, `"`+tt.name+`"`) {
				t.Errorf("message %q does not name the zone %q", message, tt.name)
			}
			hint := "zone names are case-sensitive, so write " + tt.want
			if tt.want != "" && !strings.HasSuffix(message, hint) {
				t.Errorf("message %q does not end with %q", message, hint)
			}
			if tt.want == "" && strings.Contains(message, "so write") {
				t.Errorf("message %q suggests a spelling, but no zone matches", message)
			}
		})
	}
}
