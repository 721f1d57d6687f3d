package metering_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recoron/recoron/metering"
	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/sqlstore"
)

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A server cancels the context it passed to Start when a stop signal
// arrives, then waits for runs in flight before it calls Stop. The
// periodic flush must keep storing counts during that wait.
func TestMeterFlushesAfterStartContextCancelled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "meter.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if err := st.CreateUser(ctx, &store.User{ID: "usr_1", Plan: metering.PlanFree, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}

	var logs syncBuffer
	m := metering.New(metering.Config{
		Store:         st,
		FlushInterval: 10 * time.Millisecond,
		Now:           func() time.Time { return now },
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
	})
	startCtx, cancel := context.WithCancel(ctx)
	m.Start(startCtx)
	cancel()
	m.CountAPICall("usr_1", "key_1")

	deadline := time.Now().Add(5 * time.Second)
	for {
		if daily, _ := m.PendingAPICalls("usr_1", now); daily == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the periodic flush did not store the call within 5s after the Start context was cancelled; log:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	usage, err := st.GetUsage(ctx, "usr_1", now)
	if err != nil {
		t.Fatal(err)
	}
	if usage.Day.APICalls != 1 {
		t.Errorf("stored calls = %d, want 1", usage.Day.APICalls)
	}

	m.CountAPICall("usr_1", "key_1")
	if err := m.Stop(ctx); err != nil {
		t.Errorf("Stop after the Start context was cancelled: %v", err)
	}
	usage, err = st.GetUsage(ctx, "usr_1", now)
	if err != nil {
		t.Fatal(err)
	}
	if usage.Day.APICalls != 2 {
		t.Errorf("stored calls after Stop = %d, want 2", usage.Day.APICalls)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("log has errors:\n%s", logs.String())
	}
}
