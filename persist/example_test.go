package persist_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/ratmemcache/ratmemcache/engine"
	"github.com/ratmemcache/ratmemcache/persist"
)

func Example() {
	dir, _ := os.MkdirTemp("", "persist-example")
	defer os.RemoveAll(dir)

	s, err := persist.Open(dir, persist.Options{Durability: persist.DurabilitySync})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = s.PutBatch([]engine.L2Entry{
		{Key: "greeting", Value: []byte("hello"), Flags: 42, CAS: 1},
		{Key: "other", Value: []byte("world"), CAS: 2},
	})
	_ = s.Close()

	// The data survives a restart.
	s, err = persist.Open(dir, persist.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	e, ok, _ := s.Get("greeting")
	fmt.Println(ok, string(e.Value), e.Flags, e.CAS)
	_ = s.Range(func(e engine.L2Entry) bool {
		fmt.Println(e.Key)
		return true
	})
	// Output:
	// true hello 42 1
	// greeting
	// other
}

func ExampleOpen_locked() {
	dir, _ := os.MkdirTemp("", "persist-example")
	defer os.RemoveAll(dir)
	s, _ := persist.Open(dir, persist.Options{})
	defer s.Close()

	_, err := persist.Open(dir, persist.Options{LockTimeout: -1})
	fmt.Println(errors.Is(err, persist.ErrLocked))
	// Output:
	// true
}
