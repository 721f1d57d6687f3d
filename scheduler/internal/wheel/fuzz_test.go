package wheel

import (
	"math/rand/v2"
	"testing"
)

// FuzzWheel decodes the input into a clock, a seed for the fire-time actions
// and a sequence of Schedule, Cancel, Advance and NextWake operations, and
// compares the wheel with the reference after each one.
func FuzzWheel(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})

	rng := rand.New(rand.NewPCG(7, 11))
	for length := 16; length <= 4096; length *= 4 {
		seed := make([]byte, length)
		for i := range seed {
			seed[i] = byte(rng.Uint32())
		}

		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		src := &byteSource{data: data}
		clock := testClocks[src.next(1)%uint64(len(testClocks))]
		newDriver(t, src, clock.start, clock.tick, 16).run(len(data))
	})
}
