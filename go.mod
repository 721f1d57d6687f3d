module github.com/recoron/recoron

go 1.26.8

require (
	github.com/adhocore/gronx v1.20.4 // indirect
	github.com/cenkalti/backoff/v4 v4.3.0 // indirect
	github.com/hashicorp/go-immutable-radix v1.3.1 // indirect
	github.com/hashicorp/go-memdb v1.3.5 // indirect
	github.com/hashicorp/golang-lru v0.5.4 // indirect
	github.com/oklog/ulid/v2 v2.1.2 // indirect
	golang.org/x/time v0.16.0 // indirect
)
