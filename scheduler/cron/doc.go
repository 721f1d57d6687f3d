// Package cron compiles cron expressions and computes their fire times.
//
// Compile parses an expression once into a Schedule. Schedule.Next then
// returns the first fire time after a given instant without parsing text or
// allocating memory:
//
//	s, err := cron.Compile("30 9 * * MON-FRI", cron.Options{Location: berlin})
//	if err != nil {
//		return err
//	}
//	next := s.Next(time.Now())
//
// # Fields
//
// An expression has five fields, or six with a leading seconds field,
// separated by spaces or tabs:
//
//	field          values            names
//	second         0-59              (optional, first of six fields)
//	minute         0-59
//	hour           0-23
//	day-of-month   1-31
//	month          1-12              JAN-DEC
//	day-of-week    0-7               SUN-SAT (0 and 7 are both Sunday)
//
// Names are accepted in any case. Each field is a comma-separated list of
// items:
//
//	item    meaning
//	*       every value of the field
//	5       one value
//	1-5     a range, start and end included
//	*/15    every 15th value from the start of the field: 0, 15, 30, 45
//	1-30/7  every 7th value of a range: 1, 8, 15, 22, 29
//	5/15    every 15th value from 5 to the end of the field: 5, 20, 35, 50
//
// A step larger than its range is valid and selects the start of the range
// alone, so */90 in the minute field means minute 0. In the day-of-week
// field, * and a/n cover 0 to 6, and SUN at the end of a range means 7, so
// SAT-SUN covers Saturday and Sunday.
//
// Compile rejects values outside the field, a step of 0, reversed ranges
// such as 22-5 (write 22-23,0-5 instead), empty list items and a wrong
// number of fields.
//
// # Day of month and day of week
//
// A day matches when it satisfies both day fields, with one exception
// taken from crontab(5): when both fields are restricted, a day matches if
// it satisfies either. A day field counts as unrestricted when it starts
// with * (including */2) or is ?. So 0 0 13 * 5 fires on every 13th and
// every Friday, while 0 0 */2 * 1 fires on Mondays that fall on an odd day.
//
// Both day fields accept ? as the whole field, meaning unrestricted. They
// also accept the Quartz extensions below, alone or in lists.
//
//	day-of-month  L      the last day of the month
//	day-of-month  L-3    three days before the last day
//	day-of-month  LW     the last Monday-to-Friday day of the month
//	day-of-month  15W    the Monday-to-Friday day nearest to the 15th
//	day-of-week   5L     the last Friday of the month
//	day-of-week   1#2    the second Monday of the month (#1 to #5)
//
// The day nW never leaves its month: a Saturday 1st moves to Monday the
// 3rd, and a Sunday on the last day moves to the Friday before. In a month
// without day n, nW does not match.
//
// Compile rejects day fields that match no day in any year, such as
// 0 0 30 2 * or 0 0 31 4 *, with ErrNeverFires. Leap years follow the
// Gregorian rules, so 0 0 29 2 * fires in 2096 and 2104 but not in 2100.
//
// # Descriptors
//
// These descriptors stand for a whole expression:
//
//	@yearly, @annually   0 0 1 1 *
//	@monthly             0 0 1 * *
//	@weekly              0 0 * * 0
//	@daily, @midnight    0 0 * * *
//	@hourly              0 * * * *
//
// "@every <duration>" takes a Go duration of at least one second, such as
// @every 90s or @every 1h30m. It fires at Options.Anchor + k*duration for
// k = 1, 2, ..., counted in elapsed time, so clock changes do not move it.
//
// # Time zones
//
// Fields are read in Options.Location, or UTC when it is nil. A prefix
// CRON_TZ=Zone or TZ=Zone, followed by a space, overrides the location with
// a zone from the IANA time zone database, as in
// CRON_TZ=Europe/Berlin 0 9 * * *. The keys CRON_TZ and TZ are accepted in
// any case, as in cron_tz=Europe/Berlin. The zone name is looked up as
// written, so CRON_TZ=europe/berlin fails on hosts whose zone files are
// case-sensitive, such as Linux, with an error that suggests Europe/Berlin.
// The name Local is rejected, because its meaning would depend on the host.
// Next returns times in the schedule's location.
//
// # Daylight saving time
//
// When the clock jumps forward, some local times do not occur. When it goes
// back, some occur twice. The rules for both depend on the kind of job,
// which its second, minute and hour fields decide:
//
//   - A fixed-time job uses no * and no step in those fields, as in 30 2 * * *
//     or 0,30 1-3 * * *. When its local time is skipped, it fires once at the
//     first instant after the jump: 30 2 * * * in America/New_York fires at
//     03:00 EDT on 2021-03-14. When its local time occurs twice, it fires on
//     the first pass only.
//   - A wildcard job uses * or a step in one of those fields, as in
//     */15 * * * * or @hourly. It fires at every instant whose local time
//     matches, so in both passes of a repeated hour and not at all for
//     skipped times.
//
// Five-field expressions have a fixed seconds field of 0. The same rules
// apply to every change of a zone's UTC offset, such as Pacific/Apia
// skipping 2011-12-30: a fixed-time job due that day fires once at
// 2011-12-31 00:00.
//
// # Limits
//
// Next supports instants between about the years -73 billion and
// 73 billion. Its search assumes that the clock changes of a zone lie more
// than three days apart, which holds for every zone in the time zone
// database from 1800 to 2200. Dates repeat every 400 years, so a search
// visits at most 401 years of months that the month field allows.
//
// # Errors
//
// Compile returns an *Error, which names the field and the value and says
// how to correct the expression. It wraps one of ErrSyntax, ErrOutOfRange,
// ErrZeroStep, ErrReversedRange, ErrNeverFires, ErrUnknownZone and
// ErrEveryTooShort, which errors.Is can test for.
package cron
