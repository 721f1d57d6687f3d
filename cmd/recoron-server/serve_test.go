package main

import "testing"

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	for dsn, want := range map[string]string{
		"postgres://app:s3cret@db:5432/recoron": "postgres://app:xxxxx@db:5432/recoron",
		"postgres://app@db/recoron":             "postgres://app@db/recoron",
		"sqlite:recoron.db":                     "sqlite:recoron.db",
		"memory":                                "memory",
	} {
		if got := redactDSN(dsn); got != want {
			t.Errorf("redactDSN(%q) = %q, want %q", dsn, got, want)
		}
	}
}
