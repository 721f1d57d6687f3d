package wheel

import (
	"fmt"
	"runtime"
	"testing"
	"time"
	"unsafe"
)

const (
	benchJobs  = 1_000_000
	benchBatch = 10_000
)

// benchOffsets returns n pseudo-random offsets in [lo, hi), computed before
// any timer or memory measurement starts.
func benchOffsets(n int, lo, hi time.Duration) []time.Duration {
	offsets := make([]time.Duration, n)
	state := uint64(n)
	for i := range offsets {
		state = mix(state)
		offsets[i] = lo + time.Duration(state%uint64(hi-lo))
	}

	return offsets
}

// newBenchWheel returns a millisecond wheel holding n entries due between
// lo and hi after aligned.
func newBenchWheel(n int, lo, hi time.Duration) (*Wheel[int64], []Entry[int64]) {
	w := New[int64](aligned, time.Millisecond)
	entries := make([]Entry[int64], n)
	for i, offset := range benchOffsets(n, lo, hi) {
		w.Schedule(&entries[i], aligned.Add(offset))
	}

	return w, entries
}

// BenchmarkScheduleCancel measures one Schedule and one Cancel of an entry
// due within a day, in an empty wheel and in a wheel that already holds 1M
// entries. With 1M entries, linking next to another entry's node usually
// misses the CPU cache.
func BenchmarkScheduleCancel(b *testing.B) {
	for _, jobs := range []int{0, benchJobs} {
		b.Run(fmt.Sprintf("%d scheduled", jobs), func(b *testing.B) {
			w, _ := newBenchWheel(jobs, 0, 24*time.Hour)
			extra := make([]Entry[int64], 1024)
			offsets := benchOffsets(len(extra), time.Millisecond, 24*time.Hour)

			i := 0
			for b.Loop() {
				e := &extra[i%len(extra)]
				w.Schedule(e, aligned.Add(offsets[i%len(offsets)]))
				w.Cancel(e)
				i++
			}
		})
	}
}

// BenchmarkAdvance10kOf1M measures Advance calls that each fire 10k entries
// due in the same millisecond while 990k other entries wait hours to a month
// ahead. The metric ns/fire divides the total time by the entries fired.
func BenchmarkAdvance10kOf1M(b *testing.B) {
	b.Run("fire only", func(b *testing.B) {
		w, _ := newBenchWheel(benchJobs-benchBatch, time.Hour, 30*24*time.Hour)
		batch := make([]Entry[int64], benchBatch)
		fire := func(*Entry[int64]) {}

		now, fired := aligned, 0
		for b.Loop() {
			b.StopTimer()
			now = now.Add(time.Millisecond)
			for i := range batch {
				w.Schedule(&batch[i], now)
			}

			b.StartTimer()
			fired += w.Advance(now, fire)
		}

		reportPerFire(b, fired)
	})

	b.Run("reschedule in fire", func(b *testing.B) {
		w, _ := newBenchWheel(benchJobs-benchBatch, time.Hour, 30*24*time.Hour)
		batch := make([]Entry[int64], benchBatch)
		now := aligned.Add(time.Millisecond)
		for i := range batch {
			w.Schedule(&batch[i], now)
		}

		// Each fired entry is due again one tick later, the way a scheduler
		// sets a job's next run from inside fire.
		fire := func(e *Entry[int64]) { w.Schedule(e, w.Now().Add(time.Millisecond)) }

		fired := 0
		for b.Loop() {
			fired += w.Advance(now, fire)
			now = now.Add(time.Millisecond)
		}

		reportPerFire(b, fired)
	})
}

// BenchmarkDrain1M measures one Advance across a day that fires 1M entries
// spread over that day, including every cascade between levels.
func BenchmarkDrain1M(b *testing.B) {
	offsets := benchOffsets(benchJobs, 0, 24*time.Hour)
	entries := make([]Entry[int64], benchJobs)
	fire := func(*Entry[int64]) {}

	fired := 0
	for b.Loop() {
		b.StopTimer()
		w := New[int64](aligned, time.Millisecond)
		for i := range entries {
			w.Schedule(&entries[i], aligned.Add(offsets[i]))
		}

		b.StartTimer()
		fired += w.Advance(aligned.Add(24*time.Hour), fire)
	}

	reportPerFire(b, fired)
}

// BenchmarkInsert1M measures scheduling 1M entries due within a day into an
// empty wheel. B/entry is the heap growth per job, measured with
// runtime.MemStats, and includes the Entry nodes, which a scheduler would
// embed in its job records.
func BenchmarkInsert1M(b *testing.B) {
	offsets := benchOffsets(benchJobs, 0, 24*time.Hour)

	var perEntry float64
	inserted := 0
	for b.Loop() {
		b.StopTimer()
		before := heapInUse()
		w := New[int64](aligned, time.Millisecond)
		entries := make([]Entry[int64], benchJobs)
		b.StartTimer()

		for i := range entries {
			w.Schedule(&entries[i], aligned.Add(offsets[i]))
		}

		inserted += len(entries)
		b.StopTimer()
		perEntry = float64(heapInUse()-before) / benchJobs
		runtime.KeepAlive(w)
		runtime.KeepAlive(entries)
		b.StartTimer()
	}

	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(inserted), "ns/insert")
	b.ReportMetric(perEntry, "B/entry")
	b.ReportMetric(float64(unsafe.Sizeof(Entry[int64]{})), "B/node")
}

// BenchmarkNextWakeIdle1M measures NextWake on a wheel whose 1M entries are
// all due between a day and a year ahead.
func BenchmarkNextWakeIdle1M(b *testing.B) {
	w, _ := newBenchWheel(benchJobs, 24*time.Hour, 365*24*time.Hour)

	for b.Loop() {
		w.NextWake()
	}
}

func reportPerFire(b *testing.B, fired int) {
	if fired > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(fired), "ns/fire")
	}
}

// heapInUse returns the live heap size in bytes after a full collection.
func heapInUse() uint64 {
	runtime.GC()

	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)

	return stats.HeapAlloc
}
