module github.com/ratmemcache/ratmemcache/server

go 1.26

require (
	github.com/ratmemcache/ratmemcache/engine v0.0.0
	github.com/ratmemcache/ratmemcache/memproto v0.0.0
)

replace (
	github.com/ratmemcache/ratmemcache/engine => ../engine
	github.com/ratmemcache/ratmemcache/memproto => ../memproto
)
