package cron

import (
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// daySpec is the parsed day-of-month and day-of-week fields.
type daySpec struct {
	monthDays   uint32 // bit d: day d of the month
	fromLast    uint32 // bit n: L-n, n days before the last day of the month
	nearest     uint32 // bit n: nW, the weekday nearest to day n
	lastWeekday bool   // LW, the last weekday of the month

	weekdays uint8    // bit w: weekday w, with 0 for Sunday
	lastOf   uint8    // bit w: wL, the last weekday w of the month
	nth      [7]uint8 // bit k-1 of nth[w]: w#k, the k-th weekday w of the month

	// A day field that starts with * or is ? does not restrict the day, so
	// the other field alone decides. When both restrict, a day matches
	// either of them, as in crontab(5).
	monthDaysStar bool
	weekdaysStar  bool
}

// dayTable contains the matching days of a month as bits 1 to 31. It is
// indexed by the month length (28 to 31) and the weekday of the first of the
// month (0 for Sunday). These two facts decide every day rule, so Next needs
// no other day computation.
type dayTable [4][7]uint32

const allMonthDays uint32 = 1<<32 - 2 // bits 1 to 31

// maxFromLast is the largest n in L-n.
const maxFromLast = 30

// parseDayOfMonth parses the day-of-month field, including ?, L, L-n, LW and nW.
func (d *daySpec) parseDayOfMonth(text string) error {
	f := &dayOfMonthSpec
	d.monthDaysStar = strings.HasPrefix(text, "*") || text == "?"
	if text == "?" {
		d.monthDays = allMonthDays
		return nil
	}

	items, err := splitList(f, text)
	if err != nil {
		return err
	}
	for _, item := range items {
		if err := d.parseDayOfMonthItem(item); err != nil {
			return err
		}
	}

	return nil
}

// parseDayOfMonthItem parses one item of the day-of-month field.
func (d *daySpec) parseDayOfMonthItem(item string) error {
	f := &dayOfMonthSpec
	upper := strings.ToUpper(item)

	switch {
	case item == "?":
		return newError(ErrSyntax, f.name, item,
			"day-of-month ? must be the whole field; remove the other items or the ?")
	case upper == "L":
		d.fromLast |= 1
	case upper == "LW":
		d.lastWeekday = true
	case strings.HasPrefix(upper, "L-"):
		n, err := parseFromLast(item, upper[2:])
		if err != nil {
			return err
		}
		d.fromLast |= 1 << uint(n)
	case strings.HasSuffix(upper, "W") && isDigits(upper[:len(upper)-1]):
		n, err := parseNumber(f, item, upper[:len(upper)-1])
		if err != nil {
			return err
		}
		d.nearest |= 1 << uint(n)
	case strings.ContainsAny(upper, "LW"):
		return newError(ErrSyntax, f.name, item,
			"day-of-month item %s is invalid; L, L-n, LW and nW stand alone and take no range or step", item)
	default:
		s, err := parseSpan(f, item)
		if err != nil {
			return err
		}
		d.monthDays |= uint32(s.bits())
	}

	return nil
}

// parseFromLast parses the n of L-n.
func parseFromLast(item, text string) (int, error) {
	if !isDigits(text) {
		return 0, newError(ErrSyntax, dayOfMonthSpec.name, item,
			"day-of-month item %s is invalid; write L-n with n from 0 to %d, such as L-3", item, maxFromLast)
	}

	n := maxFromLast + 1
	if len(text) <= maxNumberDigits {
		n, _ = strconv.Atoi(text)
	}
	if n > maxFromLast {
		return 0, newError(ErrOutOfRange, dayOfMonthSpec.name, item,
			"day-of-month offset in %s is out of range; use L-0 to L-%d", item, maxFromLast)
	}

	return n, nil
}

// parseDayOfWeek parses the day-of-week field, including ?, nL and n#k.
func (d *daySpec) parseDayOfWeek(text string) error {
	f := &dayOfWeekSpec
	d.weekdaysStar = strings.HasPrefix(text, "*") || text == "?"
	if text == "?" {
		d.weekdays = 1<<7 - 1
		return nil
	}

	items, err := splitList(f, text)
	if err != nil {
		return err
	}
	for _, item := range items {
		if err := d.parseDayOfWeekItem(item); err != nil {
			return err
		}
	}

	return nil
}

// parseDayOfWeekItem parses one item of the day-of-week field.
func (d *daySpec) parseDayOfWeekItem(item string) error {
	f := &dayOfWeekSpec
	upper := strings.ToUpper(item)

	switch {
	case item == "?":
		return newError(ErrSyntax, f.name, item,
			"day-of-week ? must be the whole field; remove the other items or the ?")
	case upper == "L":
		return newError(ErrSyntax, f.name, item,
			"day-of-week value L needs a weekday before it; write 5L for the last Friday of the month")
	case strings.Contains(upper, "#"):
		w, k, err := parseNth(item, upper)
		if err != nil {
			return err
		}
		d.nth[w] |= 1 << uint(k-1)
	case strings.HasSuffix(upper, "L"):
		w, err := parseWeekday(item, upper[:len(upper)-1])
		if err != nil {
			return err
		}
		d.lastOf |= 1 << uint(w)
	default:
		s, err := parseSpan(f, item)
		if err != nil {
			return err
		}
		bits := s.bits()
		// 7 is a second name for Sunday.
		d.weekdays |= uint8(bits&0x7f | bits>>7&1)
	}

	return nil
}

// parseNth parses w#k, the k-th weekday w of the month.
func parseNth(item, upper string) (weekday, k int, err error) {
	weekdayText, kText, _ := strings.Cut(upper, "#")
	if weekday, err = parseWeekday(item, weekdayText); err != nil {
		return 0, 0, err
	}

	if !isDigits(kText) {
		return 0, 0, newError(ErrSyntax, dayOfWeekSpec.name, item,
			"day-of-week item %s is invalid; write weekday#k with k from 1 to 5, such as 1#2 for the second Monday", item)
	}
	k = 6
	if len(kText) <= maxNumberDigits {
		k, _ = strconv.Atoi(kText)
	}
	if k < 1 || k > 5 {
		return 0, 0, newError(ErrOutOfRange, dayOfWeekSpec.name, item,
			"day-of-week occurrence in %s is out of range; use 1 to 5 after the #", item)
	}

	return weekday, k, nil
}

// parseWeekday parses the single weekday before L or #, mapping 7 to 0.
func parseWeekday(item, text string) (int, error) {
	if strings.ContainsAny(text, "-/*,") {
		return 0, newError(ErrSyntax, dayOfWeekSpec.name, item,
			"day-of-week item %s is invalid; L and # follow a single weekday, such as 5L or FRI#2", item)
	}

	w, err := parseValue(&dayOfWeekSpec, item, text, false)
	if err != nil {
		return 0, err
	}

	return w % 7, nil
}

// table computes the matching days for every month shape.
// dayTables caches the table of each day spec, because one costs hundreds
// of day checks to build and most schedules share a few day specs.
var dayTables struct {
	sync.Mutex
	byspec map[daySpec]dayTable
}

// maxCachedDayTables bounds dayTables, so that many distinct expressions
// cannot grow it without limit. Past it, tables are built each time.
const maxCachedDayTables = 4096

// cachedTable returns d.table(), from the cache when d was seen before.
func (d *daySpec) cachedTable() dayTable {
	dayTables.Lock()
	t, ok := dayTables.byspec[*d]
	dayTables.Unlock()
	if ok {
		return t
	}

	t = d.table()
	dayTables.Lock()
	defer dayTables.Unlock()
	if dayTables.byspec == nil {
		dayTables.byspec = make(map[daySpec]dayTable)
	}
	if len(dayTables.byspec) < maxCachedDayTables {
		dayTables.byspec[*d] = t
	}
	return t
}

func (d *daySpec) table() dayTable {
	var t dayTable
	for length := 28; length <= 31; length++ {
		for first := 0; first < 7; first++ {
			t[length-28][first] = d.monthMask(length, first)
		}
	}

	return t
}

// monthMask returns the matching days of a month with the given length and
// weekday of its first day.
func (d *daySpec) monthMask(length, firstWeekday int) uint32 {
	var mask uint32
	for day := 1; day <= length; day++ {
		byMonthDay := d.matchesMonthDay(day, length, firstWeekday)
		byWeekday := d.matchesWeekday(day, length, (firstWeekday+day-1)%7)

		match := byMonthDay || byWeekday
		if d.monthDaysStar || d.weekdaysStar {
			match = byMonthDay && byWeekday
		}
		if match {
			mask |= 1 << uint(day)
		}
	}

	return mask
}

// matchesMonthDay applies the day-of-month field to one day.
func (d *daySpec) matchesMonthDay(day, length, firstWeekday int) bool {
	if d.monthDays&(1<<uint(day)) != 0 || d.fromLast&(1<<uint(length-day)) != 0 {
		return true
	}
	if d.lastWeekday && day == lastWeekdayOfMonth(length, firstWeekday) {
		return true
	}

	for nearest := d.nearest; nearest != 0; nearest &= nearest - 1 {
		n := bits.TrailingZeros32(nearest)
		if day == nearestWeekday(n, length, firstWeekday) {
			return true
		}
	}

	return false
}

// matchesWeekday applies the day-of-week field to one day.
func (d *daySpec) matchesWeekday(day, length, weekday int) bool {
	if d.weekdays&(1<<uint(weekday)) != 0 {
		return true
	}
	if d.lastOf&(1<<uint(weekday)) != 0 && day+7 > length {
		return true
	}

	return d.nth[weekday]&(1<<uint((day-1)/7)) != 0
}

// nearestWeekday returns the Monday-to-Friday day closest to day n without
// leaving the month, as Quartz defines nW, or 0 when the month has no day n.
func nearestWeekday(n, length, firstWeekday int) int {
	if n > length {
		return 0
	}

	switch (firstWeekday + n - 1) % 7 {
	case 6: // Saturday: the Friday before, or Monday the 3rd for the 1st.
		if n == 1 {
			return 3
		}
		return n - 1
	case 0: // Sunday: the Monday after, or the Friday before at month end.
		if n == length {
			return n - 2
		}
		return n + 1
	default:
		return n
	}
}

// lastWeekdayOfMonth returns the last Monday-to-Friday day of a month.
func lastWeekdayOfMonth(length, firstWeekday int) int {
	switch (firstWeekday + length - 1) % 7 {
	case 6:
		return length - 1
	case 0:
		return length - 2
	default:
		return length
	}
}
