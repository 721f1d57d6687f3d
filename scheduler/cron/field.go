package cron

import (
	"strconv"
	"strings"
)

// fieldSpec describes the values that one field of an expression accepts.
type fieldSpec struct {
	name string
	min  int
	max  int

	// starMax is the last value that * and a/n cover. It is 6 in the
	// day-of-week field, where 7 repeats Sunday.
	starMax int

	// names lists the accepted names in value order, starting at min.
	names []string
}

var (
	secondSpec     = fieldSpec{name: "second", min: 0, max: 59, starMax: 59}
	minuteSpec     = fieldSpec{name: "minute", min: 0, max: 59, starMax: 59}
	hourSpec       = fieldSpec{name: "hour", min: 0, max: 23, starMax: 23}
	dayOfMonthSpec = fieldSpec{name: "day-of-month", min: 1, max: 31, starMax: 31}
	monthSpec      = fieldSpec{
		name: "month", min: 1, max: 12, starMax: 12,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"},
	}
	dayOfWeekSpec = fieldSpec{
		name: "day-of-week", min: 0, max: 7, starMax: 6,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"},
	}
)

// maxNumberDigits bounds the digits of a field value, so that parsing cannot
// overflow. No field accepts a value above 59.
const maxNumberDigits = 4

// valueHint returns the advice that error messages give for a bad value.
func (f *fieldSpec) valueHint() string {
	hint := "use a number from " + strconv.Itoa(f.min) + " to " + strconv.Itoa(f.max)
	if f.names != nil {
		hint += " or a name from " + f.names[0] + " to " + f.names[len(f.names)-1]
	}

	return hint
}

// span is the set of values lo, lo+step, ... up to hi.
type span struct {
	lo, hi, step int
}

// bits returns the values of the span as a bit set.
func (s span) bits() uint64 {
	var mask uint64
	for v := s.lo; v <= s.hi; v += s.step {
		mask |= 1 << uint(v)
	}

	return mask
}

// isWildcard reports whether a time field counts as a wildcard for the
// daylight saving time rules: it uses * or a step anywhere.
func isWildcard(text string) bool {
	return strings.ContainsAny(text, "*/")
}

// splitList splits a field at commas and rejects empty items.
func splitList(f *fieldSpec, text string) ([]string, error) {
	items := strings.Split(text, ",")
	for _, item := range items {
		if item == "" {
			return nil, newError(ErrSyntax, f.name, text,
				"%s list %s has an empty item; remove the extra comma", f.name, text)
		}
	}

	return items, nil
}

// parseBits parses a seconds, minutes, hours or months field into a bit set.
func parseBits(f *fieldSpec, text string) (uint64, error) {
	items, err := splitList(f, text)
	if err != nil {
		return 0, err
	}

	var mask uint64
	for _, item := range items {
		if item == "?" {
			return 0, newError(ErrSyntax, f.name, item,
				"%s value ? is invalid; ? is allowed only in the day-of-month and day-of-week fields", f.name)
		}

		s, err := parseSpan(f, item)
		if err != nil {
			return 0, err
		}
		mask |= s.bits()
	}

	return mask, nil
}

// parseSpan parses one list item of the forms *, */n, a, a-b, a-b/n and a/n.
func parseSpan(f *fieldSpec, item string) (span, error) {
	body, stepText, hasStep := strings.Cut(item, "/")

	step := 1
	if hasStep {
		var err error
		if step, err = parseStep(f, item, stepText); err != nil {
			return span{}, err
		}
	}

	switch {
	case body == "*":
		return span{lo: f.min, hi: f.starMax, step: step}, nil
	case strings.Contains(body, "-"):
		return parseRange(f, item, body, step)
	}

	v, err := parseValue(f, item, body, false)
	if err != nil {
		return span{}, err
	}
	if !hasStep {
		return span{lo: v, hi: v, step: 1}, nil
	}

	// a/n means a-max/n. In the day-of-week field 7/n starts at Sunday.
	if v > f.starMax {
		v = f.min
	}

	return span{lo: v, hi: f.starMax, step: step}, nil
}

// parseRange parses the a-b part of an item and checks its order.
func parseRange(f *fieldSpec, item, body string, step int) (span, error) {
	startText, endText, _ := strings.Cut(body, "-")
	if startText == "" || endText == "" || strings.Contains(endText, "-") {
		return span{}, newError(ErrSyntax, f.name, item,
			"%s range %s is invalid; write a range as start-end, such as %d-%d", f.name, item, f.min, f.min+1)
	}

	lo, err := parseValue(f, item, startText, false)
	if err != nil {
		return span{}, err
	}
	hi, err := parseValue(f, item, endText, lo > 0)
	if err != nil {
		return span{}, err
	}

	if lo > hi {
		return span{}, newError(ErrReversedRange, f.name, item,
			"%s range %s is reversed; write %s instead", f.name, item, splitReversed(f, lo, hi, step))
	}

	return span{lo: lo, hi: hi, step: step}, nil
}

// splitReversed returns the list that a wrapping range lo-hi/step would mean,
// such as 22-23,0-5 for 22-5, for use in error messages.
func splitReversed(f *fieldSpec, lo, hi, step int) string {
	if f == &dayOfWeekSpec && lo == 7 {
		return formatSpan(0, hi, step)
	}

	last := f.starMax
	head := formatSpan(lo, last-(last-lo)%step, step)

	// The wrapped part continues the step sequence past the end of the field.
	next := lo + ((last-lo)/step+1)*step - (last - f.min + 1)
	if next > hi {
		return head
	}

	return head + "," + formatSpan(next, hi, step)
}

// formatSpan writes lo-hi/step in its shortest form.
func formatSpan(lo, hi, step int) string {
	switch {
	case lo+step > hi:
		return strconv.Itoa(lo)
	case step == 1:
		return strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
	default:
		return strconv.Itoa(lo) + "-" + strconv.Itoa(hi) + "/" + strconv.Itoa(step)
	}
}

// parseStep parses the n of a /n step. A step larger than the range is
// valid and selects only the start of the range.
func parseStep(f *fieldSpec, item, text string) (int, error) {
	if text == "" || !isDigits(text) {
		return 0, newError(ErrSyntax, f.name, item,
			"%s step in %s is invalid; write a whole number of 1 or more after the slash, such as */5", f.name, item)
	}

	n, err := strconv.Atoi(text)
	if err != nil {
		// Only overflow gets here. Any step above the field maximum
		// selects the start of the range alone.
		n = f.max + 1
	}
	if n == 0 {
		return 0, newError(ErrZeroStep, f.name, item,
			"%s step in %s is zero; use a step of 1 or more", f.name, item)
	}

	return n, nil
}

// parseValue parses a number or, in the month and day-of-week fields, a name.
// A SUN that ends a range means 7, so that SAT-SUN covers Saturday and Sunday.
func parseValue(f *fieldSpec, item, text string, rangeEnd bool) (int, error) {
	if isDigits(text) {
		return parseNumber(f, item, text)
	}

	upper := strings.ToUpper(text)
	for i, name := range f.names {
		if upper != name {
			continue
		}
		v := f.min + i
		if rangeEnd && f == &dayOfWeekSpec && v == 0 {
			v = 7
		}

		return v, nil
	}

	return 0, invalidValue(f, item, text)
}

// parseNumber parses a decimal number and checks it against the field range.
func parseNumber(f *fieldSpec, item, text string) (int, error) {
	v := f.max + 1
	if len(text) <= maxNumberDigits {
		v, _ = strconv.Atoi(text)
	}

	if v < f.min || v > f.max {
		if item == text {
			return 0, newError(ErrOutOfRange, f.name, item,
				"%s value %s is out of range; %s", f.name, text, f.valueHint())
		}

		return 0, newError(ErrOutOfRange, f.name, item,
			"%s value %s in %s is out of range; %s", f.name, text, item, f.valueHint())
	}

	return v, nil
}

// invalidValue returns the error for text that is neither a number nor a name.
func invalidValue(f *fieldSpec, item, text string) error {
	if text == "" {
		return newError(ErrSyntax, f.name, item, "%s item %s has a missing value; %s", f.name, item, f.valueHint())
	}
	if item == text {
		return newError(ErrSyntax, f.name, item, "%s value %q is invalid; %s", f.name, text, f.valueHint())
	}

	return newError(ErrSyntax, f.name, item, "%s value %q in %s is invalid; %s", f.name, text, item, f.valueHint())
}

// isDigits reports whether text is a non-empty run of ASCII digits.
func isDigits(text string) bool {
	if text == "" {
		return false
	}
	for i := 0; i < len(text); i++ {
		if text[i] < '0' || text[i] > '9' {
			return false
		}
	}

	return true
}
