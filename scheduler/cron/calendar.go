package cron

// Civil calendar arithmetic in the proleptic Gregorian calendar, on day
// numbers counted from 1970-01-01. Next uses these functions in place of
// time.Date, which is slower and resolves nonexistent local times on its own.

const (
	secondsPerDay = 86400

	// daysPer400Years is the length of the Gregorian cycle, after which
	// dates and weekdays repeat.
	daysPer400Years = 146097

	// marchEpochShift is the number of days from 0000-03-01 to 1970-01-01.
	marchEpochShift = 719468
)

// daysBeforeMonthFromMarch contains, for the months March to February, the
// number of days from March 1 to the first of that month. Years counted from
// March end with the leap day, which keeps the table free of leap years.
var daysBeforeMonthFromMarch = [12]int64{0, 31, 61, 92, 122, 153, 184, 214, 245, 275, 306, 337}

// floorDiv returns a/b rounded toward negative infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}

	return q
}

// floorMod returns a mod b in [0, b), for b > 0.
func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}

	return m
}

// isLeap reports whether year has a February 29.
func isLeap(year int64) bool {
	return year%4 == 0 && (year%100 != 0 || year%400 == 0)
}

// daysIn returns the number of days in month (1 to 12) of year.
func daysIn(year int64, month int) int {
	switch month {
	case 2:
		if isLeap(year) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

// weekday returns the day of the week of a day number, 0 for Sunday.
// Day 0, 1970-01-01, was a Thursday.
func weekday(days int64) int {
	return int(floorMod(days+4, 7))
}

// daysBeforeYearOfEra returns the days from March 1 of the first year of a
// 400-year era to March 1 of its year yearOfEra (0 to 400).
func daysBeforeYearOfEra(yearOfEra int64) int64 {
	return yearOfEra*365 + yearOfEra/4 - yearOfEra/100 + yearOfEra/400
}

// daysFromCivil returns the day number of a date. Day and month must be valid.
func daysFromCivil(year int64, month, day int) int64 {
	marchYear := year
	if month <= 2 {
		marchYear--
	}

	era := floorDiv(marchYear, 400)
	yearOfEra := marchYear - era*400
	monthFromMarch := (month + 9) % 12
	dayOfYear := daysBeforeMonthFromMarch[monthFromMarch] + int64(day) - 1

	return era*daysPer400Years + daysBeforeYearOfEra(yearOfEra) + dayOfYear - marchEpochShift
}

// civilFromDays returns the date of a day number.
func civilFromDays(days int64) (year int64, month, day int) {
	shifted := days + marchEpochShift
	era := floorDiv(shifted, daysPer400Years)
	dayOfEra := shifted - era*daysPer400Years

	// Dividing by the mean year length is off by at most one year. The
	// leap days counted up to any year differ from the mean by less than
	// one day.
	yearOfEra := dayOfEra * 400 / daysPer400Years
	if daysBeforeYearOfEra(yearOfEra) > dayOfEra {
		yearOfEra--
	} else if daysBeforeYearOfEra(yearOfEra+1) <= dayOfEra {
		yearOfEra++
	}
	dayOfYear := dayOfEra - daysBeforeYearOfEra(yearOfEra)

	// Months from March have 30 or 31 days, so dividing by 31 is at most
	// one month too low.
	monthFromMarch := dayOfYear / 31
	if monthFromMarch < 11 && dayOfYear >= daysBeforeMonthFromMarch[monthFromMarch+1] {
		monthFromMarch++
	}

	day = int(dayOfYear-daysBeforeMonthFromMarch[monthFromMarch]) + 1
	month = int(monthFromMarch+2)%12 + 1
	year = era*400 + yearOfEra
	if month <= 2 {
		year++
	}

	return year, month, day
}
