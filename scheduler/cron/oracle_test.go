package cron

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// oracle is a second, deliberately plain implementation of the schedule
// semantics, used to check Next. It shares no code with the package. It
// parses the fields with its own code and matches dates through the time
// package. It applies the daylight saving time rules straight from their
// definition, by looking up the zone offset of each instant:
//
//   - A wildcard job fires at every instant whose wall-clock time matches.
//   - A fixed-time job fires at the first instant that shows a matching
//     local time, and at the end of a forward clock jump for each matching
//     local time that no instant shows.
type oracle struct {
	loc *time.Location

	every  time.Duration
	anchor time.Time

	seconds, minutes, hours [60]bool
	months                  [13]bool
	monthDayRules           []func(date oracleDate) bool
	weekdayRules            []func(date oracleDate) bool
	monthDaysStar           bool
	weekdaysStar            bool
	fixedTime               bool

	// firstSecond is the first matching second of the day, which lets
	// matches test a date alone.
	firstSecond int64

	offsets []int64 // every offset the zone ever uses

	// cache is the zone period that wall looked up last.
	cache struct{ start, end, offset int64 }
}

// oracleDate is a calendar day with the facts that day rules need.
type oracleDate struct {
	year    int
	month   time.Month
	day     int
	weekday time.Weekday
	last    int // last day of the month
}

var (
	oracleMonthNames   = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	oracleWeekdayNames = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	oracleDescriptors  = map[string]string{
		"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
		"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
	}
)

// newOracle parses an expression that Compile accepted. It checks little,
// because it only has to read valid expressions.
func newOracle(expr string, opts Options) (*oracle, error) {
	o := &oracle{loc: opts.Location}
	if o.loc == nil {
		o.loc = time.UTC
	}

	fields := strings.Fields(expr)
	if len(fields) > 0 && oracleHasZonePrefix(fields[0]) {
		_, name, _ := strings.Cut(fields[0], "=")
		loc, err := time.LoadLocation(name)
		if err != nil {
			return nil, err
		}
		o.loc = loc
		fields = fields[1:]
	}
	o.offsets = zoneOffsets(o.loc)

	if len(fields) == 2 && strings.EqualFold(fields[0], "@every") {
		d, err := time.ParseDuration(fields[1])
		o.every, o.anchor = d, opts.Anchor
		if o.anchor.IsZero() {
			o.anchor = time.Unix(0, 0)
		}
		return o, err
	}
	if len(fields) == 1 {
		fields = strings.Fields(oracleDescriptors[strings.ToLower(fields[0])])
	}
	if len(fields) == 5 {
		fields = append([]string{"0"}, fields...)
	}
	if len(fields) != 6 {
		return nil, fmt.Errorf("oracle: %d fields", len(fields))
	}

	return o, o.parseFields(fields)
}

// oracleHasZonePrefix reports whether token starts with CRON_TZ= or TZ=,
// in any case.
func oracleHasZonePrefix(token string) bool {
	upper := strings.ToUpper(token)
	return strings.HasPrefix(upper, "CRON_TZ=") || strings.HasPrefix(upper, "TZ=")
}

// parseFields reads the six fields.
func (o *oracle) parseFields(fields []string) error {
	steps := []struct {
		text string
		set  []bool
		max  int
	}{
		{fields[0], o.seconds[:], 59},
		{fields[1], o.minutes[:], 59},
		{fields[2], o.hours[:24], 23},
		{fields[4], o.months[:], 12},
	}
	for i, step := range steps {
		low, names := 0, []string(nil)
		if i == 3 {
			low, names = 1, oracleMonthNames
		}
		values, err := oracleValues(step.text, low, step.max, step.max, names)
		if err != nil {
			return err
		}
		for _, v := range values {
			step.set[v] = true
		}
	}

	o.fixedTime = !strings.ContainsAny(fields[0]+fields[1]+fields[2], "*/")
	for t := int64(0); t < secondsPerDay; t++ {
		if o.hours[t/3600] && o.minutes[t/60%60] && o.seconds[t%60] {
			o.firstSecond = t
			break
		}
	}
	o.monthDaysStar = strings.HasPrefix(fields[3], "*") || fields[3] == "?"
	o.weekdaysStar = strings.HasPrefix(fields[5], "*") || fields[5] == "?"

	if err := o.parseMonthDays(fields[3]); err != nil {
		return err
	}

	return o.parseWeekdays(fields[5])
}

// parseMonthDays reads the day-of-month field into rules.
func (o *oracle) parseMonthDays(text string) error {
	for _, item := range strings.Split(text, ",") {
		upper := strings.ToUpper(item)
		switch {
		case item == "?":
			o.monthDayRules = append(o.monthDayRules, func(oracleDate) bool { return true })
		case upper == "L":
			o.monthDayRules = append(o.monthDayRules, func(d oracleDate) bool { return d.day == d.last })
		case upper == "LW":
			o.monthDayRules = append(o.monthDayRules, func(d oracleDate) bool {
				last := d.last
				for weekdayOf(d.year, d.month, last) == time.Saturday || weekdayOf(d.year, d.month, last) == time.Sunday {
					last--
				}
				return d.day == last
			})
		case strings.HasPrefix(upper, "L-"):
			n, err := strconv.Atoi(upper[2:])
			if err != nil {
				return err
			}
			o.monthDayRules = append(o.monthDayRules, func(d oracleDate) bool { return d.day == d.last-n })
		case strings.HasSuffix(upper, "W"):
			n, err := strconv.Atoi(upper[:len(upper)-1])
			if err != nil {
				return err
			}
			o.monthDayRules = append(o.monthDayRules, func(d oracleDate) bool { return d.day == oracleNearestWeekday(d, n) })
		default:
			values, err := oracleValues(item, 1, 31, 31, nil)
			if err != nil {
				return err
			}
			set := map[int]bool{}
			for _, v := range values {
				set[v] = true
			}
			o.monthDayRules = append(o.monthDayRules, func(d oracleDate) bool { return set[d.day] })
		}
	}

	return nil
}

// oracleNearestWeekday searches outward from day n for a Monday-to-Friday
// day inside the month. It returns 0 when the month has no day n.
func oracleNearestWeekday(d oracleDate, n int) int {
	if n > d.last {
		return 0
	}

	for distance := 0; distance < 3; distance++ {
		for _, candidate := range []int{n - distance, n + distance} {
			if candidate < 1 || candidate > d.last {
				continue
			}
			wd := weekdayOf(d.year, d.month, candidate)
			if wd != time.Saturday && wd != time.Sunday {
				return candidate
			}
		}
	}

	return 0
}

// parseWeekdays reads the day-of-week field into rules.
func (o *oracle) parseWeekdays(text string) error {
	for _, item := range strings.Split(text, ",") {
		upper := strings.ToUpper(item)
		switch {
		case item == "?":
			o.weekdayRules = append(o.weekdayRules, func(oracleDate) bool { return true })
		case strings.Contains(upper, "#"):
			weekdayText, kText, _ := strings.Cut(upper, "#")
			w, err := oracleWeekday(weekdayText)
			if err != nil {
				return err
			}
			k, err := strconv.Atoi(kText)
			if err != nil {
				return err
			}
			o.weekdayRules = append(o.weekdayRules, func(d oracleDate) bool {
				return d.weekday == w && (d.day+6)/7 == k
			})
		case strings.HasSuffix(upper, "L"):
			w, err := oracleWeekday(upper[:len(upper)-1])
			if err != nil {
				return err
			}
			o.weekdayRules = append(o.weekdayRules, func(d oracleDate) bool {
				return d.weekday == w && d.day > d.last-7
			})
		default:
			values, err := oracleValues(item, 0, 7, 6, oracleWeekdayNames)
			if err != nil {
				return err
			}
			set := map[time.Weekday]bool{}
			for _, v := range values {
				set[time.Weekday(v%7)] = true
			}
			o.weekdayRules = append(o.weekdayRules, func(d oracleDate) bool { return set[d.weekday] })
		}
	}

	return nil
}

// oracleWeekday reads a single weekday number or name.
func oracleWeekday(text string) (time.Weekday, error) {
	values, err := oracleValues(text, 0, 7, 6, oracleWeekdayNames)
	if err != nil || len(values) != 1 {
		return 0, fmt.Errorf("oracle: weekday %q", text)
	}

	return time.Weekday(values[0] % 7), nil
}

// oracleValues expands a list of numbers, names, ranges and steps.
func oracleValues(text string, low, high, starHigh int, names []string) ([]int, error) {
	var values []int
	for _, item := range strings.Split(text, ",") {
		base, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || n <= 0 {
				if len(stepText) < 10 {
					return nil, fmt.Errorf("oracle: step %q", stepText)
				}
				n = 1000
			}
			step = n
		}

		var from, to int
		var err error
		switch startText, endText, isRange := strings.Cut(base, "-"); {
		case base == "*":
			from, to = low, starHigh
		case isRange:
			if from, err = oracleValue(startText, names, low); err != nil {
				return nil, err
			}
			if to, err = oracleValue(endText, names, low); err != nil {
				return nil, err
			}
			if names != nil && strings.EqualFold(endText, "SUN") && from > 0 {
				to = 7
			}
		default:
			if from, err = oracleValue(base, names, low); err != nil {
				return nil, err
			}
			to = from
			if hasStep {
				to = starHigh
				if from > starHigh {
					from = low
				}
			}
		}
		if from < low || to > high {
			return nil, fmt.Errorf("oracle: range %q", item)
		}

		for v := from; v <= to; v += step {
			values = append(values, v)
		}
	}

	return values, nil
}

// oracleValue reads one number or name.
func oracleValue(text string, names []string, low int) (int, error) {
	for i, name := range names {
		if strings.EqualFold(text, name) {
			return low + i, nil
		}
	}

	return strconv.Atoi(text)
}

// weekdayOf returns the weekday of a date.
func weekdayOf(year int, month time.Month, day int) time.Weekday {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Weekday()
}

// matches reports whether a wall-clock time, given as local seconds,
// matches all fields.
func (o *oracle) matches(local int64) bool {
	wall := time.Unix(local, 0).UTC()
	if !o.seconds[wall.Second()] || !o.minutes[wall.Minute()] || !o.hours[wall.Hour()] || !o.months[wall.Month()] {
		return false
	}

	date := oracleDate{
		year:    wall.Year(),
		month:   wall.Month(),
		day:     wall.Day(),
		weekday: wall.Weekday(),
		last:    time.Date(wall.Year(), wall.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day(),
	}

	byMonthDay := anyRule(o.monthDayRules, date)
	byWeekday := anyRule(o.weekdayRules, date)
	if o.monthDaysStar || o.weekdaysStar {
		return byMonthDay && byWeekday
	}

	return byMonthDay || byWeekday
}

// anyRule reports whether one of the rules accepts the date.
func anyRule(rules []func(oracleDate) bool, date oracleDate) bool {
	for _, rule := range rules {
		if rule(date) {
			return true
		}
	}

	return false
}

// wall returns the local time, as local seconds, that the zone shows at
// instant u. It remembers the last zone period it looked up, which makes
// scans fast, so an oracle must not be shared between goroutines.
func (o *oracle) wall(u int64) int64 {
	if u >= o.cache.start && u < o.cache.end {
		return u + o.cache.offset
	}

	t := time.Unix(u, 0).In(o.loc)
	_, offset := t.Zone()
	start, end := t.ZoneBounds()
	if !start.IsZero() && !end.IsZero() && start.Unix() <= u && u < end.Unix() {
		o.cache.start, o.cache.end, o.cache.offset = start.Unix(), end.Unix(), int64(offset)
	}

	return u + int64(offset)
}

// occurrences returns the instants that show local time, in order.
func (o *oracle) occurrences(local int64) []int64 {
	var found []int64
	for _, offset := range o.offsets {
		if u := local - offset; o.wall(u) == local {
			found = append(found, u)
		}
	}
	slices.Sort(found)

	return found
}

// isFire reports whether the schedule fires at instant u.
func (o *oracle) isFire(u int64) bool {
	local := o.wall(u)
	if !o.fixedTime {
		return o.matches(local)
	}

	if o.matches(local) && o.occurrences(local)[0] == u {
		return true
	}

	// At the end of a forward jump, fire for a skipped matching local time.
	for skipped := o.wall(u-1) + 1; skipped < local; skipped++ {
		if o.matches(skipped) && len(o.occurrences(skipped)) == 0 {
			return true
		}
	}

	return false
}

// fires returns the fire instants in [from, to], scanning every second, or
// every minute when the schedule and the zone only use whole minutes.
func (o *oracle) fires(from, to int64) []int64 {
	if o.every > 0 {
		return o.everyFires(from, to)
	}

	step := int64(1)
	if o.wholeMinutes(from, to) {
		step = 60
		from = from + floorMod(-from, 60)
	}

	var found []int64
	for u := from; u <= to; u += step {
		if o.isFire(u) {
			found = append(found, u)
		}
	}

	return found
}

// wholeMinutes reports whether every fire instant in [from, to] is a whole
// minute: the seconds field is 0 and the zone offsets in the window are
// whole minutes.
func (o *oracle) wholeMinutes(from, to int64) bool {
	for s := 1; s < 60; s++ {
		if o.seconds[s] {
			return false
		}
	}

	for u := from; u <= to; {
		t := time.Unix(u, 0).In(o.loc)
		if _, offset := t.Zone(); offset%60 != 0 {
			return false
		}

		_, end := t.ZoneBounds()
		if end.IsZero() {
			return true
		}
		u = max(end.Unix(), u+secondsPerDay/2)
	}

	return true
}

// everyFires returns the @every instants in [from, to], computed with
// big integers of nanoseconds.
func (o *oracle) everyFires(from, to int64) []int64 {
	anchor := new(big.Int).Mul(big.NewInt(o.anchor.Unix()), big.NewInt(1e9))
	anchor.Add(anchor, big.NewInt(int64(o.anchor.Nanosecond())))
	period := big.NewInt(int64(o.every))

	var found []int64
	for k := int64(1); ; k++ {
		at := new(big.Int).Mul(period, big.NewInt(k))
		at.Add(at, anchor)
		sec := new(big.Int).Div(at, big.NewInt(1e9)).Int64()
		if sec > to {
			return found
		}
		if sec >= from && new(big.Int).Mod(at, big.NewInt(1e9)).Sign() == 0 {
			found = append(found, sec)
		}
	}
}

// next returns the first fire instant after t within limit seconds, by
// scanning.
func (o *oracle) next(t time.Time, limit int64) (int64, bool) {
	found := o.fires(t.Unix()+1, t.Unix()+limit)
	if len(found) == 0 {
		return 0, false
	}

	return found[0], true
}

// nextByDays returns the first fire time after t within maxDays days, for
// zones with a single offset. It walks the calendar a day at a time and
// scans only the days that match.
func (o *oracle) nextByDays(t time.Time, maxDays int) (time.Time, bool) {
	if len(o.offsets) != 1 {
		panic("oracle: nextByDays needs a zone with one offset")
	}

	start := t.Unix() + 1
	wallStart := time.Unix(start+o.offsets[0], 0).UTC()
	day := time.Date(wallStart.Year(), wallStart.Month(), wallStart.Day(), 0, 0, 0, 0, time.UTC)
	for i := 0; i <= maxDays; i++ {
		if local, ok := o.firstInDay(day, start+o.offsets[0]); ok {
			return time.Unix(local-o.offsets[0], 0).In(o.loc), true
		}
		day = day.AddDate(0, 0, 1)
	}

	return time.Time{}, false
}

// firstInDay returns the first matching local time of a day at or after
// the local time from.
func (o *oracle) firstInDay(day time.Time, from int64) (int64, bool) {
	if !o.matches(day.Unix() + o.firstSecond) {
		return 0, false
	}

	for h := 0; h < 24; h++ {
		if !o.hours[h] {
			continue
		}
		for m := 0; m < 60; m++ {
			if !o.minutes[m] {
				continue
			}
			for s := 0; s < 60; s++ {
				local := day.Unix() + int64(h*3600+m*60+s)
				if o.seconds[s] && local >= from {
					return local, true
				}
			}
		}
	}

	return 0, false
}

// zoneOffsetsCache caches the result of zoneOffsets per zone.
var zoneOffsetsCache sync.Map

// zoneOffsets returns every offset that loc uses between 1800 and 2200.
func zoneOffsets(loc *time.Location) []int64 {
	if cached, ok := zoneOffsetsCache.Load(loc); ok {
		return cached.([]int64)
	}

	seen := map[int64]bool{}
	var offsets []int64
	end := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	for t := time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC); t.Before(end); {
		_, offset := t.In(loc).Zone()
		if !seen[int64(offset)] {
			seen[int64(offset)] = true
			offsets = append(offsets, int64(offset))
		}

		_, next := t.In(loc).ZoneBounds()
		if next.IsZero() {
			break
		}
		if !next.After(t) {
			next = t.Add(24 * time.Hour)
		}
		t = next
	}
	zoneOffsetsCache.Store(loc, offsets)

	return offsets
}
