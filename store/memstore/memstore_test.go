package memstore_test

import (
	"testing"

	"github.com/recoron/recoron/store"
	"github.com/recoron/recoron/store/memstore"
	"github.com/recoron/recoron/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
}
