package cron

import (
	"strings"
	"sync"
	"time"
)

// descriptors maps each descriptor to its five-field expression.
var descriptors = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// zones caches loaded time zones by name, because time.LoadLocation reads
// and parses the zone file on every call.
var zones sync.Map

// parse fills s from the expression text.
func (s *Schedule) parse(expr string, opts Options) error {
	tokens := strings.Fields(expr)
	if len(tokens) == 0 {
		return newError(ErrSyntax, "expression", expr,
			"expression is empty; write 5 or 6 fields, or a descriptor such as @daily")
	}

	name, found, err := zonePrefix(tokens[0])
	if err != nil {
		return err
	}
	if found {
		loc, err := loadZone(name)
		if err != nil {
			return err
		}
		s.loc = loc
		tokens = tokens[1:]
	}

	if len(tokens) > 0 && strings.HasPrefix(tokens[0], "@") {
		return s.parseDescriptor(tokens, opts.Anchor)
	}

	return s.parseFields(tokens)
}

// zonePrefix returns the zone name of a CRON_TZ= or TZ= token. It reads
// the CRON_TZ and TZ keys in any case, as descriptors and names are read,
// but leaves the zone name as written, because the time zone database is
// case-sensitive. found is false for a token without "=" and for a
// descriptor, which parseDescriptor checks. Any other token with "=" is
// an unknown prefix, because no cron field contains "=".
func zonePrefix(token string) (name string, found bool, err error) {
	key, name, found := strings.Cut(token, "=")
	if !found || strings.HasPrefix(token, "@") {
		return "", false, nil
	}
	if !strings.EqualFold(key, "CRON_TZ") && !strings.EqualFold(key, "TZ") {
		return "", false, newError(ErrSyntax, "prefix", token,
			"prefix %s is unknown; start the expression with CRON_TZ=Zone or TZ=Zone, such as CRON_TZ=Europe/Berlin 0 9 * * *",
			token)
	}

	return name, true, nil
}

// loadZone loads a zone from the time zone database, through the cache.
// It rejects "Local", whose meaning would depend on the host.
func loadZone(name string) (*time.Location, error) {
	if cached, ok := zones.Load(name); ok {
		return cached.(*time.Location), nil
	}

	if name == "" || name == "Local" {
		return nil, newError(ErrUnknownZone, "time zone", name,
			"time zone %q is not allowed; name an IANA zone such as Europe/Berlin", name)
	}

	loc, err := time.LoadLocation(name)
	if err != nil {
		if fixed, ok := zoneInOtherCase(name); ok {
			return nil, newError(ErrUnknownZone, "time zone", name,
				"time zone %q is unknown; zone names are case-sensitive, so write %s", name, fixed)
		}
		return nil, newError(ErrUnknownZone, "time zone", name,
			"time zone %q is unknown (%v); name an IANA zone such as Europe/Berlin", name, err)
	}
	zones.Store(name, loc)

	return loc, nil
}

// zoneInOtherCase returns a zone of the time zone database that differs
// from name only in case, such as Asia/Tokyo for asia/tokyo. It tries the
// two spellings that most zone names use: each word capitalized, and all
// upper case. ok is false when neither is a zone.
func zoneInOtherCase(name string) (zone string, ok bool) {
	for _, candidate := range []string{capitalizeWords(name), strings.ToUpper(name)} {
		if candidate == name || candidate == "Local" {
			continue
		}
		if _, err := time.LoadLocation(candidate); err == nil {
			return candidate, true
		}
	}

	return "", false
}

// capitalizeWords returns s in lower case with the first letter of each
// word in upper case. Words end at "/", "_" and "-".
func capitalizeWords(s string) string {
	out := []byte(strings.ToLower(s))
	wordStart := true
	for i, c := range out {
		if wordStart && c >= 'a' && c <= 'z' {
			out[i] = c - 'a' + 'A'
		}
		wordStart = c == '/' || c == '_' || c == '-'
	}

	return string(out)
}

// parseDescriptor parses @every and the named descriptors such as @daily.
func (s *Schedule) parseDescriptor(tokens []string, anchor time.Time) error {
	name := strings.ToLower(tokens[0])
	if name == "@every" {
		return s.parseEvery(tokens, anchor)
	}

	fields, ok := descriptors[name]
	if !ok {
		return newError(ErrSyntax, "descriptor", tokens[0],
			"descriptor %s is unknown; use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>",
			tokens[0])
	}
	if len(tokens) > 1 {
		text := strings.Join(tokens, " ")
		return newError(ErrSyntax, "descriptor", text,
			"descriptor %q has extra fields; write %s alone, or fields without the descriptor", text, tokens[0])
	}

	return s.parseFields(strings.Fields(fields))
}

// parseEvery parses "@every <duration>".
func (s *Schedule) parseEvery(tokens []string, anchor time.Time) error {
	switch {
	case len(tokens) == 1:
		return newError(ErrSyntax, "@every", "",
			"@every needs a duration; write one such as @every 90s or @every 1h30m")
	case len(tokens) > 2:
		text := strings.Join(tokens[1:], " ")
		return newError(ErrSyntax, "@every", text,
			"@every takes one duration, not %q; write one such as @every 90s or @every 1h30m", text)
	}

	d, err := time.ParseDuration(tokens[1])
	if err != nil {
		return newError(ErrSyntax, "@every", tokens[1],
			"@every duration %q is invalid; write a Go duration such as 90s or 1h30m", tokens[1])
	}
	if d < time.Second {
		return newError(ErrEveryTooShort, "@every", tokens[1],
			"@every duration %s is shorter than 1s; use a duration of at least 1s", tokens[1])
	}

	if anchor.IsZero() {
		anchor = time.Unix(0, 0)
	}
	if sec := anchor.Unix(); sec < minInstant || sec > maxInstant {
		return newError(ErrOutOfRange, "anchor", anchor.String(),
			"@every anchor %s is out of range; use an instant between the years -73 billion and 73 billion", anchor)
	}

	s.every = d
	s.anchor = anchor

	return nil
}

// parseFields parses 5 fields, or 6 with leading seconds.
func (s *Schedule) parseFields(tokens []string) error {
	switch len(tokens) {
	case 5:
		tokens = append([]string{"0"}, tokens...)
	case 6:
	default:
		return newError(ErrSyntax, "expression", strings.Join(tokens, " "),
			"expression %q has %d fields; write 5 fields (minute hour day-of-month month day-of-week), or 6 with a leading seconds field",
			strings.Join(tokens, " "), len(tokens))
	}

	if err := s.parseTimeFields(tokens[0], tokens[1], tokens[2]); err != nil {
		return err
	}

	months, err := parseBits(&monthSpec, tokens[4])
	if err != nil {
		return err
	}
	s.months = uint16(months)

	var days daySpec
	if err := days.parseDayOfMonth(tokens[3]); err != nil {
		return err
	}
	if err := days.parseDayOfWeek(tokens[5]); err != nil {
		return err
	}
	s.days = days.cachedTable()

	if !s.canFire() {
		return neverFiresError(tokens[3], tokens[4], tokens[5])
	}

	return nil
}

// parseTimeFields parses the second, minute and hour fields.
func (s *Schedule) parseTimeFields(second, minute, hour string) error {
	var err error
	if s.second, err = parseBits(&secondSpec, second); err != nil {
		return err
	}
	if s.minute, err = parseBits(&minuteSpec, minute); err != nil {
		return err
	}
	if s.hour, err = parseBits(&hourSpec, hour); err != nil {
		return err
	}

	s.fixedTime = !isWildcard(second) && !isWildcard(minute) && !isWildcard(hour)

	return nil
}

// canFire reports whether some month of the Gregorian calendar has a
// matching day. Every month occurs with every weekday of its first day, and
// February with both lengths, so checking each month shape is exact.
func (s *Schedule) canFire() bool {
	for month := 1; month <= 12; month++ {
		if s.months&(1<<uint(month)) == 0 {
			continue
		}

		lengths := []int{daysIn(2001, month)}
		if month == 2 {
			lengths = append(lengths, 29)
		}
		for _, length := range lengths {
			for first := 0; first < 7; first++ {
				if s.days[length-28][first] != 0 {
					return true
				}
			}
		}
	}

	return false
}

// neverFiresError returns the error for day and month fields that match no
// day of any year.
func neverFiresError(monthDays, months, weekdays string) error {
	if weekdays == "*" || weekdays == "?" {
		return newError(ErrNeverFires, "day-of-month", monthDays,
			"day-of-month %s never occurs in month %s, so the schedule never fires; pick days that exist in those months",
			monthDays, months)
	}

	return newError(ErrNeverFires, "day-of-month", monthDays,
		"day-of-month %s and day-of-week %s match no day in month %s, so the schedule never fires; pick days that exist in those months",
		monthDays, weekdays, months)
}
