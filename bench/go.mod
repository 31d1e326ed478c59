module github.com/ratmemcache/ratmemcache/bench

go 1.26

replace github.com/ratmemcache/ratmemcache/engine => ../engine

require (
	github.com/hashicorp/golang-lru/arc/v2 v2.0.7
	github.com/hashicorp/golang-lru/v2 v2.0.7
	github.com/maypok86/otter/v2 v2.4.0
	github.com/ratmemcache/ratmemcache/engine v0.0.0-00010101000000-000000000000
	github.com/ratmemcache/ratmemcache/memproto v0.0.0-00010101000000-000000000000
)

replace github.com/ratmemcache/ratmemcache/memproto => ../memproto
