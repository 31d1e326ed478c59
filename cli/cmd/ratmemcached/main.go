// Command ratmemcached is a memcached 1.6 compatible server.
package main

import (
	"fmt"
	"os"
)

func main() {
	c, set, err := parseArgs(os.Args[1:], os.Exit)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratmemcached:", err)
		os.Exit(64)
	}
	_, _ = c, set
}
