package cron

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/adhocore/gronx"
)

// gronxExpression returns a random expression in the syntax that this
// package and gronx v1.20.4 read the same way. It uses numbers, ranges,
// steps and lists, and no names, ?, L, W or #. Day-of-week values stay in 0 to 6,
// and the day-of-month and month fields never use 0/n, which gronx reads
// as multiples of n.
func gronxExpression(r *rand.Rand) string {
	fields := []string{
		gronxField(r, 0, 59),
		gronxField(r, 0, 59),
		gronxField(r, 0, 23),
		gronxField(r, 1, 31),
		gronxField(r, 1, 12),
		gronxField(r, 0, 6),
	}
	if r.IntN(2) == 0 {
		fields = fields[1:]
	}

	return strings.Join(fields, " ")
}

// gronxField returns one field of gronxExpression.
func gronxField(r *rand.Rand, low, high int) string {
	if r.IntN(3) == 0 {
		return "*"
	}

	items := make([]string, 1+r.IntN(2))
	for i := range items {
		a := low + r.IntN(high-low+1)
		b := a + r.IntN(high-a+1)
		step := 1 + r.IntN(high-low+1)
		switch r.IntN(5) {
		case 0:
			items[i] = fmt.Sprintf("*/%d", step)
		case 1:
			items[i] = fmt.Sprintf("%d-%d", a, b)
		case 2:
			items[i] = fmt.Sprintf("%d-%d/%d", a, b, step)
		case 3:
			items[i] = fmt.Sprintf("%d/%d", a, step)
		default:
			items[i] = fmt.Sprint(a)
		}
	}

	return strings.Join(items, ",")
}

// TestNextMatchesGronx compares Next with gronx.NextTickAfter in UTC. Both
// read a restricted day-of-month and day-of-week as either-matches, and a
// day field starting with * as both-must-match. Cases where gronx gives up
// (it tries 500 steps) are skipped.
func TestNextMatchesGronx(t *testing.T) {
	t.Parallel()

	r := rand.New(rand.NewPCG(5, 6))
	low := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	high := time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

	compared := 0
	for range 3000 {
		expr := gronxExpression(r)
		s, err := Compile(expr, Options{})
		if err != nil {
			continue
		}

		after := time.Unix(low+r.Int64N(high-low), 0).UTC()
		want, err := gronx.NextTickAfter(expr, after, false)
		if err != nil {
			continue
		}
		compared++

		if got := s.Next(after); !got.Equal(want) {
			t.Errorf("Next(%q, %s) = %s, gronx returns %s", expr, after.Format(time.RFC3339), got.Format(time.RFC3339), want.Format(time.RFC3339))
		}
	}

	t.Logf("compared %d expressions", compared)
	if compared < 2000 {
		t.Errorf("compared %d expressions with gronx, want at least 2000", compared)
	}
}
