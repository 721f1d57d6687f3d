module github.com/recoron/recoron/bench

go 1.26.8

replace github.com/recoron/recoron => ../

require (
	github.com/adhocore/gronx v1.20.4
	github.com/recoron/recoron v0.0.0-00010101000000-000000000000
	github.com/robfig/cron/v3 v3.0.1
)

require (
	github.com/cenkalti/backoff/v4 v4.3.0 // indirect
	github.com/oklog/ulid/v2 v2.1.2 // indirect
	golang.org/x/time v0.16.0 // indirect
)
