package engine_test

import (
	"errors"
	"fmt"

	"github.com/ratmemcache/ratmemcache/engine"
)

func Example() {
	c, err := engine.New(nil) // defaults: 64 MiB, LRU
	if err != nil {
		panic(err)
	}
	defer c.Close()

	c.Set("greeting", []byte("hello"), 42, 0)
	v, flags, _ := c.Get("greeting")
	fmt.Printf("%s %d\n", v, flags)

	if _, err := c.Add("greeting", []byte("again"), 0, 0); errors.Is(err, engine.ErrNotStored) {
		fmt.Println("add: already there")
	}

	c.Set("hits", []byte("41"), 0, 0)
	n, _ := c.Incr("hits", 1)
	fmt.Println("hits:", n)

	it, _ := c.Gets("greeting")
	if _, err := c.CompareAndSwap("greeting", []byte("bye"), 0, 0, it.CAS); err == nil {
		v, _, _ = c.Get("greeting")
		fmt.Printf("%s\n", v)
	}
	// Output:
	// hello 42
	// add: already there
	// hits: 42
	// bye
}

func ExampleCache_GetInto() {
	c, _ := engine.New(engine.PresetDevelopment())
	defer c.Close()
	c.Set("k", []byte("value"), 0, 0)

	buf := make([]byte, 0, 1024) // reused across calls: no allocation per get
	buf, info, err := c.GetInto(buf[:0], "k")
	fmt.Println(string(buf), info.Flags, err)
	// Output: value 0 <nil>
}
