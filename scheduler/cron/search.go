package cron

import "math/bits"

// Instants and local times are Unix seconds. A local time is the wall clock
// reading counted as if it were UTC, so local = instant + zone offset.
const (
	// minInstant and maxInstant bound the supported instants, about the
	// years -73 billion and 73 billion, so that sums of instants and
	// offsets cannot overflow.
	minInstant = -1 << 61
	maxInstant = 1 << 61

	// maxMonthSteps bounds the months that nextLocal visits. Dates repeat
	// every 400 years, and Compile checks that some month matches.
	maxMonthSteps = 12*401 + 1
)

// nextBit returns the lowest set bit of mask at position from or above,
// or -1 when there is none.
func nextBit(mask uint64, from int) int {
	if from >= 64 {
		return -1
	}

	rest := mask >> uint(from) << uint(from)
	if rest == 0 {
		return -1
	}

	return bits.TrailingZeros64(rest)
}

// nextLocal returns the first local time at or after lo that matches the
// fields, ignoring time zones. It reports false when none exists before
// maxInstant.
func (s *Schedule) nextLocal(lo int64) (int64, bool) {
	if lo > maxInstant {
		return 0, false
	}

	days := floorDiv(lo, secondsPerDay)
	secondOfDay := int(lo - days*secondsPerDay)
	year, month, day := civilFromDays(days)
	first := days - int64(day) + 1 // day number of the first of the month

	for step := 0; step < maxMonthSteps; step++ {
		if s.months&(1<<uint(month)) != 0 {
			if local, ok := s.nextInMonth(first, year, month, day, secondOfDay); ok {
				return local, true
			}
		}

		year, month = s.nextMonth(year, month)
		first = daysFromCivil(year, month, 1)
		day, secondOfDay = 1, 0
		if first*secondsPerDay > maxInstant {
			return 0, false
		}
	}

	return 0, false
}

// nextInMonth returns the first matching local time in the month whose first
// day is the day number first, starting from day and secondOfDay.
func (s *Schedule) nextInMonth(first, year int64, month, day, secondOfDay int) (int64, bool) {
	length := daysIn(year, month)
	mask := s.days[length-28][weekday(first)]
	mask = mask >> uint(day) << uint(day)

	for mask != 0 {
		matchDay := bits.TrailingZeros32(mask)
		from := 0
		if matchDay == day {
			from = secondOfDay
		}

		if timeOfDay, ok := s.nextTimeOfDay(from); ok {
			return (first+int64(matchDay)-1)*secondsPerDay + int64(timeOfDay), true
		}
		mask &= mask - 1
	}

	return 0, false
}

// nextMonth returns the next month after year-month that the month field
// allows.
func (s *Schedule) nextMonth(year int64, month int) (int64, int) {
	if next := nextBit(uint64(s.months), month+1); next > 0 {
		return year, next
	}

	return year + 1, nextBit(uint64(s.months), 1)
}

// nextTimeOfDay returns the first matching second of the day at or after
// from, or false when the rest of the day has none.
func (s *Schedule) nextTimeOfDay(from int) (int, bool) {
	startHour, startMinute, startSecond := from/3600, from/60%60, from%60

	for hour := nextBit(s.hour, startHour); hour >= 0; hour = nextBit(s.hour, hour+1) {
		minuteFrom := 0
		if hour == startHour {
			minuteFrom = startMinute
		}

		for minute := nextBit(s.minute, minuteFrom); minute >= 0; minute = nextBit(s.minute, minute+1) {
			secondFrom := 0
			if hour == startHour && minute == startMinute {
				secondFrom = startSecond
			}

			if second := nextBit(s.second, secondFrom); second >= 0 {
				return hour*3600 + minute*60 + second, true
			}
		}
	}

	return 0, false
}
