// Package wheel implements a hierarchical timing wheel that stores the next
// fire time of every enabled job and delivers the jobs that are due.
//
// # Ticks
//
// The wheel measures time in ticks of a fixed resolution chosen in [New], for
// example one millisecond. Tick boundaries are whole multiples of the tick
// counted from the Unix epoch, so with a tick that divides one second every
// whole-second cron time is exactly on a boundary. A deadline that falls
// between two boundaries is rounded up to the next boundary, because the wheel
// only fires at boundaries and must never fire early. The wheel reads wall
// clock time through [time.Time.UnixNano] and ignores monotonic readings.
// Times outside the range that UnixNano can represent (before the year 1678 or
// after 2262) are clamped to that range.
//
// # Levels
//
// Each level has 64 slots and a uint64 bitmap with one bit per non-empty slot.
// A slot of level L covers 64^L ticks, so level 0 holds single ticks, level 1
// holds 64-tick ranges, and so on. The wheel keeps as many levels as it needs
// to reach the last representable time from its start: up to 8 levels for a
// millisecond tick and up to 11 for a one-nanosecond tick.
//
// An entry whose deadline is tick d is stored at the level of the highest
// 6-bit group in which d differs from the current tick, in the slot given by
// that group of d. Entries due within the current 64-tick block are therefore
// on level 0, and entries due years ahead are on a high level.
//
// # Cascading
//
// When the clock reaches the first tick of a slot on level L > 0, the entries
// of that slot are redistributed to lower levels by the same rule, and the ones
// due at that tick go straight to the level-0 slot that fires next. Every
// entry moves at most once per level, so the cost of cascading is bounded by
// the number of levels per entry, not by the time that passes. Advance finds
// the next non-empty slot with one bitmap scan per level, so a jump of days or
// years across empty slots costs O(levels) per slot that actually holds
// entries, not O(ticks).
//
// # Guarantees
//
//   - Schedule and Cancel take O(1) time and never allocate. The wheel's own
//     memory is about 8 bytes per slot, so at most about 6 KiB.
//   - The per-entry cost is the [Entry] node (four machine words besides Value)
//     that the caller embeds or allocates once and reuses.
//   - Advance never fires an entry before its deadline. Called at the time that
//     NextWake returns, it fires each entry at its deadline rounded up to the
//     next tick boundary.
//   - Advance fires in non-decreasing order of deadline ticks. Entries in the
//     same tick fire in no particular order.
//   - The clock never moves backward, see [Wheel.Advance].
//
// A Wheel is not safe for concurrent use. The scheduler that owns it must
// serialize every call, and fire callbacks run on the goroutine that called
// Advance.
package wheel
